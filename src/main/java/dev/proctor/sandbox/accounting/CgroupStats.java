package dev.proctor.sandbox.accounting;

/**
 * Raw accounting of one run's cgroup, as its stat files say it; -1 where a version has no such file.
 *
 * <p>A run's cgroup may have served runs before it (the pool reuses cgroups): its counters are then
 * the sum over every run, and {@link #since} takes the run's own share from the counters read when
 * the cgroup was handed out to it.
 *
 * @param cpuUsageMicros    total CPU (v1 cpuacct.usage / 1000; v2 cpu.stat usage_usec)
 * @param cpuUserMicros     v1 cpuacct.stat user (USER_HZ ticks converted); v2 cpu.stat user_usec
 * @param cpuSystemMicros   v1 cpuacct.stat system; v2 cpu.stat system_usec
 * @param memoryPeakBytes   v1 memory.max_usage_in_bytes; v2 memory.peak
 * @param oomKills          v1 memory.oom_control oom_kill; v2 memory.events oom_kill
 * @param memoryLimitHits   v1 memory.failcnt; v2 memory.events max
 * @param pidsPeak          v2 pids.peak (v1: pids.peak if the kernel has it, else -1)
 * @param throttledPeriods  cpu.stat nr_throttled
 * @param throttledMicros   v1 cpu.stat throttled_time / 1000; v2 throttled_usec
 * @param ioReadBytes       v2 io.stat rbytes summed; v1 blkio.throttle.io_service_bytes Read, or -1
 * @param ioWriteBytes      v2 io.stat wbytes summed; v1 ... Write, or -1
 */
public record CgroupStats(
        long cpuUsageMicros,
        long cpuUserMicros,
        long cpuSystemMicros,
        long memoryPeakBytes,
        long oomKills,
        long memoryLimitHits,
        long pidsPeak,
        long throttledPeriods,
        long throttledMicros,
        long ioReadBytes,
        long ioWriteBytes) {

    /** The counters of a cgroup no run has used yet: what a fresh cgroup's own share is measured from. */
    public static final CgroupStats FRESH = new CgroupStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /**
     * Tasks every run has at once at least: its pid 1 and the job pid 1 forks. pids.peak cannot be
     * reset, so a reused cgroup is handed out only while its peak is at most this: a run's own peak,
     * never below it, is then what the file says.
     */
    public static final long PIDS_FLOOR = 2;

    /**
     * The share of these counters (read when a run is over) that the run itself caused, given
     * {@code handOut}, the same counters read when its cgroup was handed out to it:
     * <ul>
     * <li>counters (CPU, OOM kills, limit hits, throttling, I/O) are the difference, never negative;</li>
     * <li>the memory peak is the driver's to reset at hand-out (v1 memory.max_usage_in_bytes), and is
     * taken as read: it counts from what was still charged at hand-out, which the pool bounds;</li>
     * <li>the pids peak cannot be reset: it is the run's own when it rose above its value at
     * hand-out or that value was at most {@link #PIDS_FLOOR}, and unknown (-1) otherwise.</li>
     * </ul>
     * A figure the kernel does not report (-1) stays -1.
     */
    public CgroupStats since(CgroupStats handOut) {
        return new CgroupStats(
                counter(cpuUsageMicros, handOut.cpuUsageMicros),
                counter(cpuUserMicros, handOut.cpuUserMicros),
                counter(cpuSystemMicros, handOut.cpuSystemMicros),
                memoryPeakBytes,
                counter(oomKills, handOut.oomKills),
                counter(memoryLimitHits, handOut.memoryLimitHits),
                peak(pidsPeak, handOut.pidsPeak, PIDS_FLOOR),
                counter(throttledPeriods, handOut.throttledPeriods),
                counter(throttledMicros, handOut.throttledMicros),
                counter(ioReadBytes, handOut.ioReadBytes),
                counter(ioWriteBytes, handOut.ioWriteBytes));
    }

    /** A counter's growth since {@code before}; a counter that went back (it was reset) counts from 0. */
    static long counter(long now, long before) {
        if (now < 0) {
            return -1;
        }
        if (before < 0 || now < before) {
            return now;
        }
        return now - before;
    }

    /** A high-water mark that cannot be reset, as the run's own; -1 when another run's may hide it. */
    static long peak(long now, long before, long floor) {
        if (now < 0) {
            return -1;
        }
        return now > before || before <= floor ? now : -1;
    }
}
