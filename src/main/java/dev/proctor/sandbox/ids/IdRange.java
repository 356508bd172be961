package dev.proctor.sandbox.ids;

/**
 * The host uids and gids one job's runs map to: ids 0 to 65535 inside its user namespaces are
 * {@code first} to {@code first + 65535} on the host. No two jobs on a host hold the same range at
 * once, so the kernel's per-user limits (pipe buffers, inotify and epoll watches, the user
 * namespace's own counters) are never shared between jobs.
 *
 * @param first the host uid (and gid) of root inside the run's user namespace, the namespace's owner
 */
public record IdRange(int first) {

    /** Ids each user namespace maps. */
    public static final int SIZE = 65536;
    /** The job's uid and gid inside every run. */
    public static final int JOB_ID = 1000;

    public IdRange {
        if (first <= 0 || (long) first + SIZE > 0xffff_ffffL) {
            throw new IllegalArgumentException("id range must lie in 1..2^32-2: first " + first);
        }
    }

    /** Host uid and gid of the job's files and processes. */
    public int jobHostId() {
        return first + JOB_ID;
    }
}
