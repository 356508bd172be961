package dev.proctor.sandbox.cgroups;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.accounting.CgroupStats;
import dev.proctor.sandbox.linux.Syscalls;
import dev.proctor.testsupport.CfsBandwidth;
import dev.proctor.testsupport.Probes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pool on the live v1 kernel: a cgroup whose process burnt CPU and was OOM-killed is recycled, and
 * the next process in that very cgroup is accounted alone. Below a runs directory of this test's own.
 */
class CgroupPoolIT {

    private static final String RUNS =
            "proctor-pool-it-" + ProcessHandle.current().pid();
    /** For a run or a recycling to end: generous, a busy machine gives the 0.2-CPU probe little of its time. */
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private final CgroupDetector detector = new CgroupDetector();
    private CgroupLayout layout;
    private CgroupV1Driver driver;
    private CgroupPool pool;

    @BeforeEach
    void requireV1AsRoot() {
        requireKernel(Syscalls.isRoot(), "not root: cgroups cannot be created");
        layout = detector.layout();
        requireKernel(layout.version() == CgroupVersion.V1, "not a cgroup v1 host (this is " + layout.version() + ")");
        driver = (CgroupV1Driver) detector.driver(RUNS);
        pool = new CgroupPool(driver, "pool-it");
    }

    @AfterEach
    void removeEverything() throws IOException {
        if (pool != null) {
            pool.close();
            driver.cleanupStale();
            for (Path own : layout.v1DistinctDirs()) {
                Files.deleteIfExists(own.resolve(RUNS));
            }
        }
    }

    @Test
    void theRunAfterAnOomKilledCpuBurnerInTheSameCgroupIsAccountedAlone() throws Exception {
        oomKilledBurnerThenTrue(true);
    }

    /**
     * The same with the burner's counters never read (as after a run whose result was not taken): the
     * recycling then reads the baseline itself rather than taking the last read's.
     */
    @Test
    void theRunAfterAnUnreadOomKilledBurnerIsAccountedAlone() throws Exception {
        oomKilledBurnerThenTrue(false);
    }

    private void oomKilledBurnerThenTrue(boolean readFirst) throws Exception {
        Limits limits =
                new Limits(Duration.ofSeconds(5), Duration.ofSeconds(20), 48 * Limits.MIB, 8, 0, Limits.MIB, 1.0);
        RunCgroup big = pool.take(limits);
        // one process: burns 300 ms of CPU, then touches memory until the OOM killer ends it
        int exit = runInside(big, "/usr/bin/python3", "-c", """
                import time
                t = time.process_time()
                while time.process_time() - t < 0.3:
                    pass
                chunks = []
                while True:
                    chunks.append(bytearray(1 << 20))
                """);
        assertEquals(137, exit, "the burner was not OOM-killed");
        big.killAll();
        if (readFirst) {
            CgroupStats first = big.readStats();
            assertTrue(first.cpuUsageMicros() >= 300_000, first.toString());
            assertTrue(first.oomKills() >= 1, first.toString());
            assertTrue(first.memoryPeakBytes() >= 40 * Limits.MIB, first.toString());
        }

        RunCgroup again = releasedRecycledAndTakenAgain(big, limits);

        assertEquals(0, runInside(again, "/bin/true"));
        again.killAll();
        CgroupStats second = again.readStats();
        assertTrue(second.cpuUsageMicros() > 0 && second.cpuUsageMicros() < 100_000, second.toString());
        assertEquals(0, second.oomKills(), second.toString());
        assertEquals(0, second.memoryLimitHits(), second.toString());
        assertTrue(second.memoryPeakBytes() < 8 * Limits.MIB, second.toString());
        assertEquals(1, second.pidsPeak(), second.toString());
        pool.release(again);
    }

    /**
     * A process that uses up its quota while exiting (the kernel frees 2 GiB it mapped) never returns to
     * user space to wait out its throttling: its group stays throttled with no task in it, and the kernel
     * counts those periods (nr_throttled, 2-4 here) at its next period timers, after the run's final read.
     * The run after it in the same cgroup, a sleep of several periods that uses almost no CPU, is not
     * throttled and must report no throttled period.
     */
    @Test
    void aThrottlingLeftByARunThatExitedOverItsQuotaIsNotTheNextRuns() throws Exception {
        Path probe = tmp.resolve("exit_heavy");
        Files.write(probe, Probes.binary("exit_heavy"));
        Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("rwx------"));
        // 0.2 CPU: a 20 ms quota every 100 ms
        Limits limits =
                new Limits(Duration.ofSeconds(5), Duration.ofSeconds(20), 2560 * Limits.MIB, 8, 0, Limits.MIB, 0.2);
        RunCgroup big = pool.take(limits);
        assertEquals(0, runInside(big, probe.toString(), "2048"));
        big.killAll();
        CgroupStats first = big.readStats();
        assertTrue(first.throttledPeriods() >= 1, first.toString());

        RunCgroup again = releasedRecycledAndTakenAgain(big, limits);

        assertEquals(0, runInside(again, "/bin/sleep", "0.5"));
        again.killAll();
        CgroupStats second = again.readStats();
        // a sleep's few ms of CPU: too little to be throttled itself (2 CPUs may hold 5 ms slices of its 20 ms
        // quota), so none at all; whatever more a busy machine made it spend explains at most that much
        long own = CfsBandwidth.ownThrottledPeriodsAtMost(second.cpuUsageMicros(), limits.cpus());
        assertTrue(second.throttledPeriods() <= own, second.toString());
        if (own == 0) {
            assertEquals(0, second.throttledMicros(), second.toString());
        }
        assertTrue(second.cpuUsageMicros() < 100_000, second.toString());
        pool.release(again);
    }

    /**
     * Releases a finished run's cgroup, recycles it as later runs' threads do while their runs are under way,
     * and takes cgroups until it is handed out again.
     */
    private RunCgroup releasedRecycledAndTakenAgain(RunCgroup cgroup, Limits limits) {
        pool.release(cgroup);
        assertTrue(
                CgroupFs.pollUntil(
                        () -> {
                            pool.recycleDue();
                            return pool.isIdle(cgroup);
                        },
                        DEADLINE),
                "the cgroup was not recycled");
        RunCgroup again = takeUntil(cgroup, limits);
        assertNotNull(again, "the recycled cgroup was never handed out again");
        return again;
    }

    /** Takes cgroups until {@code wanted} comes back (the pool hands idle ones out oldest first); the rest go back. */
    private RunCgroup takeUntil(RunCgroup wanted, Limits limits) {
        List<RunCgroup> others = new ArrayList<>();
        RunCgroup found = null;
        for (int i = 0; i <= CgroupPool.MAX_IDLE && found == null; i++) {
            RunCgroup c = pool.take(limits);
            if (c == wanted) {
                found = c;
            } else {
                others.add(c);
            }
        }
        others.forEach(pool::release);
        return found;
    }

    /** Runs a command that first moves itself into the cgroup (as the launcher's pid 1 does); returns its exit. */
    private static int runInside(RunCgroup cgroup, String... argv) throws IOException, InterruptedException {
        List<String> command =
                new ArrayList<>(List.of("/bin/sh", "-c", "for f in $TASKS; do echo 0 > $f; done; exec \"$@\"", "sh"));
        command.addAll(List.of(argv));
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment()
                .put(
                        "TASKS",
                        String.join(
                                " ",
                                cgroup.attachFiles().stream()
                                        .map(Path::toString)
                                        .toList()));
        Process p = pb.start();
        if (!p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(List.of(argv) + " did not end");
        }
        return p.exitValue();
    }
}
