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
        return new LaunchReport(error, exit, signal, 1000, killedBy, 0, 0, 0, List.of(), 0, false);
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
