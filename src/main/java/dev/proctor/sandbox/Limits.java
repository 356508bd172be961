package dev.proctor.sandbox;

import java.time.Duration;

/**
 * The resource limits of one run. Every value is already capped by the caller (client quota,
 * server maximum); the engine enforces them as given.
 *
 * @param cpuTime      CPU time of every process and thread of the run together
 * @param wallTime     elapsed time from the start of the run to its end
 * @param memoryBytes  memory (RSS + page cache + tmpfs) of the whole run, swap is never allowed
 * @param maxPids      processes and threads alive at once
 * @param outputBytes  stdout + stderr bytes the run may write; more ends it as output_limit_exceeded
 * @param diskBytes    size of the run's writable layer (/, /tmp, /dev/shm) and of the file-size rlimit;
 *                     each file, directory or link there counts as one 4 KiB block of it ({@link #inodesFor})
 * @param cpus         CPU bandwidth, in CPUs (1.0 = one full core)
 */
public record Limits(
        Duration cpuTime,
        Duration wallTime,
        long memoryBytes,
        int maxPids,
        long outputBytes,
        long diskBytes,
        double cpus) {

    public static final long MIB = 1024L * 1024L;
    /** What one file costs of a disk limit: tmpfs inodes are bounded to one per this many bytes. */
    public static final long BYTES_PER_INODE = 4096;

    public Limits {
        if (cpuTime == null || cpuTime.isNegative() || cpuTime.isZero()) {
            throw new IllegalArgumentException("cpuTime must be positive");
        }
        if (wallTime == null || wallTime.isNegative() || wallTime.isZero()) {
            throw new IllegalArgumentException("wallTime must be positive");
        }
        if (memoryBytes < 4 * MIB) {
            throw new IllegalArgumentException("memoryBytes must be at least 4 MiB");
        }
        if (maxPids < 1) {
            throw new IllegalArgumentException("maxPids must be at least 1");
        }
        if (outputBytes < 0) {
            throw new IllegalArgumentException("outputBytes must not be negative");
        }
        if (diskBytes < MIB) {
            throw new IllegalArgumentException("diskBytes must be at least 1 MiB");
        }
        if (!(cpus > 0.0)) {
            throw new IllegalArgumentException("cpus must be positive");
        }
    }

    /**
     * Inodes of a tmpfs of {@code bytes}: a run's files count against its disk limit, so a small
     * limit cannot hold millions of empty files (tmpfs gives millions by default), whose kernel
     * memory would outlive the run's memory cgroup.
     */
    public static long inodesFor(long bytes) {
        return Math.max(1, bytes / BYTES_PER_INODE);
    }

    /**
     * A record's own equality, written out: the generated one goes through a chain of method handles that
     * C2 did not inline here (JDK 25), and the cgroup pool compares a run's limits with an idle cgroup's on
     * every run (CgroupPool.take): that comparison was ~9 % of the calling thread's CPU in a run of
     * {@code python3 -c pass} (~0.04 ms). Same meaning as the generated one: each component equal, the
     * {@code double} by {@link Double#compare}.
     */
    @Override
    public boolean equals(Object o) {
        return this == o
                || (o instanceof Limits l
                        && memoryBytes == l.memoryBytes
                        && maxPids == l.maxPids
                        && outputBytes == l.outputBytes
                        && diskBytes == l.diskBytes
                        && Double.compare(cpus, l.cpus) == 0
                        && cpuTime.equals(l.cpuTime)
                        && wallTime.equals(l.wallTime));
    }

    @Override
    public int hashCode() {
        int h = cpuTime.hashCode();
        h = 31 * h + wallTime.hashCode();
        h = 31 * h + Long.hashCode(memoryBytes);
        h = 31 * h + maxPids;
        h = 31 * h + Long.hashCode(outputBytes);
        h = 31 * h + Long.hashCode(diskBytes);
        return 31 * h + Double.hashCode(cpus);
    }

    /** Sensible defaults for one short program: 1 s CPU, 3 s wall, 256 MiB, 64 pids, 1 MiB output, 64 MiB disk. */
    public static Limits defaults() {
        return new Limits(Duration.ofSeconds(1), Duration.ofSeconds(3), 256 * MIB, 64, MIB, 64 * MIB, 1.0);
    }
}
