package dev.proctor.sandbox.accounting;

/**
 * What a run used, read from its own cgroup's stat files (never carried over from another run).
 *
 * @param cpuTimeMicros     user + system CPU of every process and thread of the run
 * @param userTimeMicros    user CPU: the total split in the proportion of the kernel's samples ({@link CpuSplit})
 * @param systemTimeMicros  system CPU: with the user CPU, the total
 * @param wallTimeMicros    elapsed time of the run
 * @param memoryPeakBytes   highest memory charge of the run's cgroup
 * @param oomKills          processes killed by the OOM killer in the run's cgroup
 * @param memoryLimitHits   times the memory limit was reached (v1 failcnt, v2 events "max")
 * @param pidsPeak          most tasks alive at once (-1 where the kernel does not say)
 * @param throttledPeriods  CFS periods in which the run was throttled
 * @param throttledMicros   time the run spent throttled
 * @param ioReadBytes       bytes read from block devices (-1 where the kernel does not say)
 * @param ioWriteBytes      bytes written to block devices (-1 where the kernel does not say)
 * @param stdoutBytes       bytes the run wrote to stdout (all of them, not only those captured)
 * @param stderrBytes       bytes the run wrote to stderr
 */
public record Usage(
        long cpuTimeMicros,
        long userTimeMicros,
        long systemTimeMicros,
        long wallTimeMicros,
        long memoryPeakBytes,
        long oomKills,
        long memoryLimitHits,
        long pidsPeak,
        long throttledPeriods,
        long throttledMicros,
        long ioReadBytes,
        long ioWriteBytes,
        long stdoutBytes,
        long stderrBytes) {

    public static final Usage NONE = new Usage(0, 0, 0, 0, 0, 0, 0, -1, 0, 0, -1, -1, 0, 0);

    public long cpuTimeMillis() {
        return cpuTimeMicros / 1000;
    }

    public long wallTimeMillis() {
        return wallTimeMicros / 1000;
    }
}
