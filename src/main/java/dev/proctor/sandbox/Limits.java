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

    /** Sensible defaults for one short program: 1 s CPU, 3 s wall, 256 MiB, 64 pids, 1 MiB output, 64 MiB disk. */
    public static Limits defaults() {
        return new Limits(Duration.ofSeconds(1), Duration.ofSeconds(3), 256 * MIB, 64, MIB, 64 * MIB, 1.0);
    }
}
