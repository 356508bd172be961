package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Each limit ends a run with the status that names it, and whatever the run started (children,
 * threads, a fork bomb, a setsid'd daemon) is counted while it runs and gone once it has ended.
 */
class SandboxLimitsIT extends SandboxRuns {

    private static final Duration SECOND = Duration.ofSeconds(1);

    @Test
    void touchingOneGibUnder256MibIsMemoryLimitExceeded() {
        Workdir w = workdir();
        installProbe(w, "mem_touch");
        RunResult r = run(w, limits(Duration.ofSeconds(5), Duration.ofSeconds(10), 256 * MIB, 8), "./mem_touch", "1024");
        assertEquals(RunStatus.MEMORY_LIMIT_EXCEEDED, r.status(), () -> describe(r));
        assertTrue(r.usage().oomKills() >= 1, () -> describe(r));
    }

    @Test
    void touching200MibUnder256MibIsOkWithThatPeak() {
        Workdir w = workdir();
        installProbe(w, "mem_touch");
        RunResult r = run(w, limits(Duration.ofSeconds(5), Duration.ofSeconds(10), 256 * MIB, 8), "./mem_touch", "200");
        assertEquals("touched 200 MiB\n", okOut(r));
        long peak = r.usage().memoryPeakBytes();
        assertTrue(peak >= 200 * MIB && peak <= 256 * MIB, () -> describe(r));
        assertEquals(0, r.usage().oomKills());
    }

    @Test
    void cpuSpinIsTimeLimitExceededJustAfterTheLimit() {
        Workdir w = workdir();
        installProbe(w, "cpu_burn");
        RunResult r = run(w, limits(SECOND, Duration.ofSeconds(5), 64 * MIB, 8), "./cpu_burn", "for", "100000");
        assertEquals(RunStatus.TIME_LIMIT_EXCEEDED, r.status(), () -> describe(r));
        long cpu = r.usage().cpuTimeMicros();
        assertTrue(cpu >= 1_000_000 && cpu < 1_200_000, () -> describe(r));
    }

    /** The parent only waits: a time limit can only come from the children's CPU. */
    @Test
    void cpuOfChildProcessesCounts() {
        assertCpuOfHelpersCounts("forks");
    }

    /** The main thread only waits: a time limit can only come from the other threads' CPU. */
    @Test
    void cpuOfThreadsCounts() {
        assertCpuOfHelpersCounts("threads");
    }

    private void assertCpuOfHelpersCounts(String mode) {
        Workdir w = workdir();
        installProbe(w, "cpu_burn");
        Limits twoCpus = new Limits(SECOND, Duration.ofSeconds(10), 64 * MIB, 16, MIB, 64 * MIB, 2.0);
        RunResult r = run(w, twoCpus, "./cpu_burn", mode, "2");
        assertEquals(RunStatus.TIME_LIMIT_EXCEEDED, r.status(), () -> describe(r));
        assertTrue(r.usage().cpuTimeMicros() >= 1_000_000 && r.usage().cpuTimeMicros() < 1_300_000, () -> describe(r));
        assertTrue(r.usage().wallTimeMicros() < 10_000_000, () -> describe(r));
    }

    @Test
    void sleepIsWallTimeLimitExceeded() {
        RunResult r = run(workdir(), limits(SECOND, SECOND, 64 * MIB, 8), "/bin/sleep", "100");
        assertEquals(RunStatus.WALL_TIME_LIMIT_EXCEEDED, r.status(), () -> describe(r));
        long wall = r.usage().wallTimeMicros();
        assertTrue(wall >= 1_000_000 && wall < 2_000_000, () -> describe(r));
        assertTrue(r.usage().cpuTimeMicros() < 100_000, () -> describe(r));
    }

    /** Every forked copy of the shell keeps the marker ($0) in its command line. */
    @Test
    void forkBombIsHeldByThePidsLimitAndLeavesNothing() {
        String marker = "proctor-bomb-" + UUID.randomUUID();
        Limits limits = limits(Duration.ofSeconds(10), Duration.ofSeconds(2), 128 * MIB, 32);
        RunResult r = run(workdir(), limits, "/bin/sh", "-c", "b() { b | b & }; b", marker);
        assertTrue(Set.of(RunStatus.WALL_TIME_LIMIT_EXCEEDED, RunStatus.OK).contains(r.status()), () -> describe(r));
        assertTrue(r.usage().pidsPeak() >= 1 && r.usage().pidsPeak() <= 32, () -> describe(r));
        assertTrue(r.usage().wallTimeMicros() < 3_000_000, () -> describe(r));
        assertEquals(List.of(), hostProcessesWith(marker));
    }

    @Test
    void doubleForkedSetsidDaemonIsGoneAfterTheRun() {
        String marker = "proctor-daemon-" + UUID.randomUUID();
        Workdir w = workdir();
        RunResult r = run(w, limits(SECOND, Duration.ofSeconds(5), 64 * MIB, 8), "/bin/sh", "-c", """
                (setsid /usr/bin/python3 -c 'import time; open("/box/daemon-up", "w").close(); time.sleep(1000)' "$0" &)
                while [ ! -e /box/daemon-up ]; do sleep 0.01; done
                exit 0
                """, marker);
        okOut(r);
        assertEquals(0, w.readFile("daemon-up", 10).length, "the daemon had started");
        assertEquals(List.of(), hostProcessesWith(marker));
    }

    @Test
    void outputFloodIsOutputLimitExceededAndCaptureIsCapped() {
        int cap = 64 * 1024;
        Limits limits = new Limits(SECOND, Duration.ofSeconds(5), 64 * MIB, 8, cap, 64 * MIB, 1.0);
        RunResult r = run(workdir(), limits, "/usr/bin/yes");
        assertEquals(RunStatus.OUTPUT_LIMIT_EXCEEDED, r.status(), () -> describe(r));
        assertArrayEquals("y\n".repeat(cap / 2).getBytes(StandardCharsets.US_ASCII), r.stdout());
        assertTrue(r.usage().stdoutBytes() >= cap, () -> describe(r));
    }

    @Test
    void fillingTmpStopsWithEnospcAtTheDiskLimit() {
        Limits limits = new Limits(SECOND, Duration.ofSeconds(5), 128 * MIB, 8, MIB, 16 * MIB, 1.0);
        assertDiskFull(run(workdir(), limits, "/bin/sh", "-c", fill("/tmp/fill")), 16 * MIB);
    }

    @Test
    void fillingBoxStopsWithEnospcAtTheWorkdirSize() {
        Limits limits = new Limits(SECOND, Duration.ofSeconds(5), 128 * MIB, 8, MIB, 64 * MIB, 1.0);
        assertDiskFull(run(workdir(16 * MIB), limits, "/bin/sh", "-c", fill("/box/fill")), 16 * MIB);
    }

    private static String fill(String file) {
        return "dd if=/dev/zero of=" + file + " bs=1M count=100 2>&1 | grep -o 'No space left on device'; stat -c %s " + file;
    }

    private static void assertDiskFull(RunResult r, long limit) {
        List<String> lines = okOut(r).lines().toList();
        assertEquals(2, lines.size(), () -> describe(r));
        assertEquals("No space left on device", lines.get(0));
        long written = Long.parseLong(lines.get(1));
        assertTrue(written <= limit && written >= limit / 2, () -> "wrote " + written + "; " + describe(r));
    }
}
