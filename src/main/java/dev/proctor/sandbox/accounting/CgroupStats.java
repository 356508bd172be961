package dev.proctor.sandbox.accounting;

/**
 * Raw accounting of one run's cgroup, as its stat files say it; -1 where a version has no such file.
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
        long ioWriteBytes) {}
