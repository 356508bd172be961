package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.proctor.sandbox.accounting.CgroupStats;
import dev.proctor.sandbox.launcher.LaunchReport;
import dev.proctor.sandbox.launcher.LaunchReport.KilledBy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunStatusRulesTest {

    private static final Limits LIMITS = new Limits(
            Duration.ofSeconds(1), Duration.ofSeconds(3), 256 * Limits.MIB, 64, Limits.MIB, 64 * Limits.MIB, 1.0);

    private static LaunchReport report(String error, Integer exit, Integer signal, KilledBy killedBy) {
        return new LaunchReport(error, exit, signal, 1000, killedBy, 0, 0, 0, List.of(), 0, false, false);
    }

    /** Pid 1 killed before the job's status reached the supervisor (signal 9). */
    private static LaunchReport pid1Killed(KilledBy killedBy) {
        return new LaunchReport(null, null, 9, 1000, killedBy, 0, 0, 0, List.of(), 0, false, true);
    }

    private static CgroupStats stats(long cpuMicros, long oomKills, long limitHits) {
        return new CgroupStats(cpuMicros, cpuMicros, 0, 1000, oomKills, limitHits, 1, 0, 0, -1, -1);
    }

    /** A run whose memory peak is {@code peakBytes}, no limit hit counted (v1 with memsw limited, Linux 6.18). */
    private static CgroupStats peak(long peakBytes) {
        return new CgroupStats(10, 10, 0, peakBytes, 0, 0, 1, 0, 0, -1, -1);
    }

    /**
     * An OOM kill of a pid 1 that shares its spawner's memory is counted in the launcher's cgroup, not the run's:
     * pid 1 killed by nobody the supervisor knows, in a run that hit its memory limit, is that kill.
     */
    @Test
    void pid1KilledByNoOneTheSupervisorKnowsInARunAtItsMemoryLimitIsMemoryLimitExceeded() {
        assertEquals(
                RunStatus.MEMORY_LIMIT_EXCEEDED,
                RunStatusRules.decide(pid1Killed(KilledBy.NONE), stats(10, 0, 3), LIMITS));
        assertEquals(
                RunStatus.MEMORY_LIMIT_EXCEEDED,
                RunStatusRules.decide(pid1Killed(KilledBy.NONE), peak(LIMITS.memoryBytes()), LIMITS));
        // never at its limit: a kill from outside (an operator's), a signal as any other
        assertEquals(
                RunStatus.RUNTIME_ERROR, RunStatusRules.decide(pid1Killed(KilledBy.NONE), stats(10, 0, 0), LIMITS));
        assertEquals(
                RunStatus.RUNTIME_ERROR,
                RunStatusRules.decide(pid1Killed(KilledBy.NONE), peak(LIMITS.memoryBytes() - 4096), LIMITS));
        // killed by the supervisor: its reason stands
        assertEquals(
                RunStatus.WALL_TIME_LIMIT_EXCEEDED,
                RunStatusRules.decide(pid1Killed(KilledBy.WALL), stats(10, 0, 3), LIMITS));
        // the job itself killed by SIGKILL, its status delivered: the limit hits alone are no OOM kill
        assertEquals(
                RunStatus.RUNTIME_ERROR,
                RunStatusRules.decide(report(null, null, 9, KilledBy.NONE), stats(10, 0, 3), LIMITS));
    }

    private static CgroupStats stats(long cpuMicros, long oomKills) {
        return new CgroupStats(cpuMicros, cpuMicros, 0, 1000, oomKills, 0, 1, 0, 0, -1, -1);
    }

    @Test
    void cleanExitIsOk() {
        assertEquals(RunStatus.OK, RunStatusRules.decide(report(null, 0, null, KilledBy.NONE), stats(10, 0), LIMITS));
    }

    @Test
    void nonZeroExitAndSignalAreRuntimeErrors() {
        assertEquals(
                RunStatus.RUNTIME_ERROR,
                RunStatusRules.decide(report(null, 3, null, KilledBy.NONE), stats(10, 0), LIMITS));
        assertEquals(
                RunStatus.RUNTIME_ERROR,
                RunStatusRules.decide(report(null, null, 11, KilledBy.NONE), stats(10, 0), LIMITS));
    }

    @Test
    void oomKillWinsOverTheSignalItArrivesAs() {
        assertEquals(
                RunStatus.MEMORY_LIMIT_EXCEEDED,
                RunStatusRules.decide(report(null, null, 9, KilledBy.NONE), stats(10, 1), LIMITS));
        // even when the run was also over its CPU time or killed for wall time afterwards
        assertEquals(
                RunStatus.MEMORY_LIMIT_EXCEEDED,
                RunStatusRules.decide(report(null, null, 9, KilledBy.WALL), stats(2_000_000, 1), LIMITS));
    }

    @Test
    void cpuBeforeWallBeforeOutput() {
        assertEquals(
                RunStatus.TIME_LIMIT_EXCEEDED,
                RunStatusRules.decide(report(null, null, 9, KilledBy.CPU), stats(1_000_100, 0), LIMITS));
        // the RLIMIT_CPU backstop: killed by the kernel, the counter shows the CPU time
        assertEquals(
                RunStatus.TIME_LIMIT_EXCEEDED,
                RunStatusRules.decide(report(null, null, 24, KilledBy.NONE), stats(1_000_000, 0), LIMITS));
        assertEquals(
                RunStatus.TIME_LIMIT_EXCEEDED,
                RunStatusRules.decide(report(null, null, 9, KilledBy.WALL), stats(1_200_000, 0), LIMITS));
        assertEquals(
                RunStatus.WALL_TIME_LIMIT_EXCEEDED,
                RunStatusRules.decide(report(null, null, 9, KilledBy.WALL), stats(1_000, 0), LIMITS));
        assertEquals(
                RunStatus.OUTPUT_LIMIT_EXCEEDED,
                RunStatusRules.decide(report(null, null, 9, KilledBy.OUTPUT), stats(1_000, 0), LIMITS));
    }

    @Test
    void aProgramThatCannotBeExecutedIsARuntimeError() {
        assertEquals(
                RunStatus.RUNTIME_ERROR,
                RunStatusRules.decide(
                        report("step=exec errno=2 detail=/nonexistent", null, null, KilledBy.NONE),
                        stats(0, 0),
                        LIMITS));
    }

    @Test
    void proctorFailuresAndCancelComeFirst() {
        assertEquals(
                RunStatus.INTERNAL_ERROR,
                RunStatusRules.decide(report("step=mounts errno=1", null, null, KilledBy.NONE), stats(0, 1), LIMITS));
        assertEquals(
                RunStatus.CANCELLED,
                RunStatusRules.decide(report(null, null, 9, KilledBy.CANCEL), stats(2_000_000, 0), LIMITS));
    }
}
