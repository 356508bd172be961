package dev.proctor.sandbox.accounting;

/**
 * A run's CPU time split into user and system time that add up to the total.
 *
 * <p>The kernel measures a cgroup's total CPU time exactly (the scheduler's runtime), but tells user from
 * system time by sampling at each timer tick: cgroup v1's {@code cpuacct.usage_user}/{@code usage_sys} (and
 * {@code cpuacct.stat}) are those samples, so a 5 ms run may show 0 ms of user and 4 ms of system time, or none
 * of either. The kernel itself reports cgroup v2's {@code cpu.stat} and a process's times
 * ({@code /proc/PID/stat}) by scaling the exact total in the samples' proportion ({@code cputime_adjust}); this
 * does the same, so that v1 and v2 give the same kind of figures and user + system is always the total.
 */
public record CpuSplit(long userMicros, long systemMicros) {

    /**
     * The split of {@code totalMicros} in the proportion of {@code sampledUser} to {@code sampledSystem}, as
     * the kernel's {@code cputime_adjust} makes it: with no system sample all is user time, with no user
     * sample all is system time (with neither, user time). A total or a sample the kernel did not report
     * (negative) gives the samples as they are, never below 0.
     */
    public static CpuSplit of(long totalMicros, long sampledUser, long sampledSystem) {
        if (totalMicros < 0 || sampledUser < 0 || sampledSystem < 0) {
            return new CpuSplit(Math.max(0, sampledUser), Math.max(0, sampledSystem));
        }
        if (sampledSystem == 0) {
            return new CpuSplit(totalMicros, 0);
        }
        if (sampledUser == 0) {
            return new CpuSplit(0, totalMicros);
        }
        double share = (double) sampledSystem / ((double) sampledUser + (double) sampledSystem);
        long system = Math.min(totalMicros, Math.round(totalMicros * share));
        return new CpuSplit(totalMicros - system, system);
    }
}
