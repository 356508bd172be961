package dev.proctor.sandbox;

import dev.proctor.sandbox.accounting.CgroupStats;
import dev.proctor.sandbox.launcher.LaunchReport;
import dev.proctor.sandbox.launcher.LaunchReport.KilledBy;

/**
 * Decides a run's status from the launcher's facts and the cgroup's counters, in this order: internal
 * error, cancelled, memory limit, CPU time limit, wall time limit, output limit, killed by a signal, non-zero
 * exit, ok. The OOM counter of the run's own cgroup wins over the signal the process died of:
 * a memory kill is reported as such even though it arrives as SIGKILL (nsjail cannot tell).
 */
public final class RunStatusRules {

    private RunStatusRules() {}

    /**
     * Whether the launcher failed only at execve: the program is missing or not executable. That
     * is the job's failure (as a shell's exit 127), not Proctor's.
     */
    public static boolean execFailed(LaunchReport report) {
        return report.failure() != null && report.failure().atExec();
    }

    /**
     * Whether the OOM killer took the run's pid 1: pid 1 died before the job's status reached the supervisor,
     * which did not kill it, in a run that reached its memory limit (its peak at the limit, or a charge refused
     * there: v1 with memsw limited counts none of those on Linux 6.18, so the peak is what says it). The kernel
     * counts an OOM kill in the cgroup its victim's memory is charged to, and a pid 1 made by a spawner shares
     * the spawner's memory, charged to the launcher's cgroup (spawn.c): the run's own counter misses that kill.
     */
    static boolean oomKilledPid1(LaunchReport report, CgroupStats stats, Limits limits) {
        return report.pid1Killed()
                && report.killedBy() == KilledBy.NONE
                && (stats.memoryLimitHits() > 0 || stats.memoryPeakBytes() >= limits.memoryBytes());
    }

    public static RunStatus decide(LaunchReport report, CgroupStats stats, Limits limits) {
        if (execFailed(report)) {
            return RunStatus.RUNTIME_ERROR;
        }
        if (report.error() != null || report.killedBy() == KilledBy.INTERNAL) {
            return RunStatus.INTERNAL_ERROR;
        }
        if (report.killedBy() == KilledBy.CANCEL) {
            return RunStatus.CANCELLED;
        }
        if (stats.oomKills() > 0 || oomKilledPid1(report, stats, limits)) {
            return RunStatus.MEMORY_LIMIT_EXCEEDED;
        }
        long cpuMicros = stats.cpuUsageMicros() >= 0 ? stats.cpuUsageMicros() : report.cpuMicros();
        // the RLIMIT_CPU backstop kills with SIGXCPU/SIGKILL: the counter says it was CPU time
        if (report.killedBy() == KilledBy.CPU || cpuMicros >= limits.cpuTime().toNanos() / 1000) {
            return RunStatus.TIME_LIMIT_EXCEEDED;
        }
        if (report.killedBy() == KilledBy.WALL) {
            return RunStatus.WALL_TIME_LIMIT_EXCEEDED;
        }
        if (report.killedBy() == KilledBy.OUTPUT) {
            return RunStatus.OUTPUT_LIMIT_EXCEEDED;
        }
        if (report.signal() != null || (report.exitCode() != null && report.exitCode() != 0)) {
            return RunStatus.RUNTIME_ERROR;
        }
        return RunStatus.OK;
    }
}
