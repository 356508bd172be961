package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
        Limits limits = limits(Duration.ofSeconds(5), Duration.ofSeconds(10), 256 * MIB, 8);
        RunResult r = run(w, limits, "./mem_touch", "1024");
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

    /** Wall time 20 times the CPU limit: a spinning program on a busy machine still hits CPU first. */
    @Test
    void cpuSpinIsTimeLimitExceededJustAfterTheLimit() {
        Workdir w = workdir();
        installProbe(w, "cpu_burn");
        RunResult r = run(w, limits(SECOND, Duration.ofSeconds(20), 64 * MIB, 8), "./cpu_burn", "for", "100000");
        assertEquals(RunStatus.TIME_LIMIT_EXCEEDED, r.status(), () -> describe(r));
        long cpu = r.usage().cpuTimeMicros();
        assertTrue(cpu >= 1_000_000 && cpu < 1_200_000, () -> describe(r));
    }

    /**
     * The supervisor checks a run's CPU only when the run could have reached its limit: one that holds
     * (sleeping, 20 s of CPU allowed) for half a second is not woken for it. Checked every 10 ms, as
     * before, it was woken ~50 times in that half second; here it may wake for the run's output and
     * nothing else.
     */
    @Test
    void aRunFarFromItsCpuLimitDoesNotWakeItsSupervisor() throws Exception {
        Workdir w = workdir();
        String marker = "far-" + UUID.randomUUID();
        CompletableFuture<RunResult> held = startHeld(w, "# " + marker + "\n");
        awaitReady(w, held);
        long supervisor = supervisorOf(jobWith(marker));
        long before = wakes(supervisor);
        Thread.sleep(500);
        long woken = wakes(supervisor) - before;
        RunResult r = release(w, held);
        assertEquals(RunStatus.OK, r.status(), () -> describe(r));
        assertTrue(woken <= 5, "the supervisor was woken " + woken + " times in 0.5 s");
    }

    /** How often a process has gone to sleep and been woken (voluntary context switches). */
    private static long wakes(long pid) throws IOException {
        return Long.parseLong(procStatus(pid).get("voluntary_ctxt_switches"));
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
        Limits twoCpus = new Limits(SECOND, Duration.ofSeconds(20), 64 * MIB, 16, MIB, 64 * MIB, 2.0);
        RunResult r = run(w, twoCpus, "./cpu_burn", mode, "2");
        assertEquals(RunStatus.TIME_LIMIT_EXCEEDED, r.status(), () -> describe(r));
        assertTrue(r.usage().cpuTimeMicros() >= 1_000_000 && r.usage().cpuTimeMicros() < 1_300_000, () -> describe(r));
    }

    /**
     * A wall limit shorter than the run's own setup (its root built, its job forked): the wall time starts
     * at the job's execve as pid 1 stamped it, not when the supervisor handed the run over. Past the
     * hand-off's deadline with no stamp read yet, the supervisor waits for it on the report pipe, then ends
     * the job a millisecond after its start: a wall limit, not a setup that timed out after 10 s.
     */
    @Test
    void aWallLimitShorterThanTheSetupCountsFromTheJobsStart() {
        RunResult r =
                run(workdir(), limits(Duration.ofSeconds(10), Duration.ofMillis(1), 64 * MIB, 8), "/bin/sleep", "100");
        assertEquals(RunStatus.WALL_TIME_LIMIT_EXCEEDED, r.status(), () -> describe(r));
        long wall = r.usage().wallTimeMicros();
        assertTrue(wall >= 1_000 && wall < 5_000_000, () -> describe(r));
    }

    @Test
    void sleepIsWallTimeLimitExceeded() {
        RunResult r = run(workdir(), limits(Duration.ofSeconds(10), SECOND, 64 * MIB, 8), "/bin/sleep", "100");
        assertEquals(RunStatus.WALL_TIME_LIMIT_EXCEEDED, r.status(), () -> describe(r));
        long wall = r.usage().wallTimeMicros();
        assertTrue(wall >= 1_000_000 && wall < 2_000_000, () -> describe(r));
        assertTrue(r.usage().cpuTimeMicros() < 100_000, () -> describe(r));
    }

    /**
     * A bomb that keeps forking until the wall limit (a failed fork is retried, not fatal as in
     * sh): the pids limit holds it at exactly 32 tasks, the host goes on starting processes
     * meanwhile (none stalls for seconds, as under a bomb without a pids limit), and no copy
     * survives the run. Every copy keeps the marker (argv[1]) in its command line. Three seconds
     * of wall time: the bomb needs a small part of that to reach 32 tasks, even on a busy machine.
     */
    private static final String BOMB = """
            import os
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
            """;

    @Test
    void forkBombIsHeldByThePidsLimitAndLeavesNothing() throws Exception {
        String marker = "proctor-bomb-" + UUID.randomUUID();
        Duration wall = Duration.ofSeconds(3);
        Limits limits = limits(Duration.ofSeconds(30), wall, 128 * MIB, 32);
        CompletableFuture<RunResult> bomb =
                CompletableFuture.supplyAsync(() -> run(workdir(), limits, "/usr/bin/python3", "-c", BOMB, marker));
        long slowestHostSpawnNanos = 0;
        boolean seenOnHost = false;
        while (!bomb.isDone()) {
            seenOnHost |= !hostProcessesWith(marker).isEmpty();
            long start = System.nanoTime();
            assertEquals(0, new ProcessBuilder("/bin/true").start().waitFor());
            slowestHostSpawnNanos = Math.max(slowestHostSpawnNanos, System.nanoTime() - start);
        }
        RunResult r = bomb.get();
        assertTrue(seenOnHost, "the scan saw the bomb while it ran");
        assertEquals(List.of(), hostProcessesWith(marker));
        assertEquals(RunStatus.WALL_TIME_LIMIT_EXCEEDED, r.status(), () -> describe(r));
        assertEquals(32, r.usage().pidsPeak(), () -> describe(r));
        // killed at the wall limit even with 32 tasks to kill
        assertTrue(r.usage().wallTimeMicros() < wall.plusSeconds(1).toNanos() / 1000, () -> describe(r));
        long slowest = slowestHostSpawnNanos;
        assertTrue(slowest < TimeUnit.SECONDS.toNanos(2), () -> "host spawn took " + slowest + " ns");
    }

    /**
     * The daemon (marker + "-daemon" in its argv, the shell has the bare marker) is up and seen
     * from the host before the run is let go: the run waits for a "seen" file the test writes
     * into /box, so the scan after the run proves a kill.
     */
    @Test
    void doubleForkedSetsidDaemonIsGoneAfterTheRun() throws Exception {
        String marker = "proctor-daemon-" + UUID.randomUUID();
        Workdir w = workdir();
        // the shell polls for "seen" with a sleep per round: CPU and wall limits far above what the
        // wait for the test may take on a busy machine
        CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> run(
                w, limits(Duration.ofSeconds(10), Duration.ofSeconds(60), 64 * MIB, 8), "/bin/sh", "-c", """
                (setsid /usr/bin/python3 -c 'import time; open("/box/up", "w").close(); time.sleep(1000)' "$0-daemon" &)
                while [ ! -e /box/seen ]; do sleep 0.01; done
                exit 0
                """, marker));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        String daemon = marker + "-daemon";
        // the daemon's own "up" file, not a first sight of the marker: setsid carries the marker
        // too and a scan during its exec of python would see it only for a moment
        while (!Files.exists(w.path().resolve("up")) && !run.isDone() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        assertTrue(
                !hostProcessesWith(daemon).isEmpty(),
                () -> "the daemon was not seen on the host; "
                        + (run.isDone() ? describe(run.join()) : "run still going"));
        w.writeFile("seen", new byte[0], false);
        RunResult r = run.get(60, TimeUnit.SECONDS);
        okOut(r);
        assertEquals(List.of(), hostProcessesWith(marker));
    }

    @Test
    void outputFloodIsOutputLimitExceededAndCaptureIsCapped() {
        int cap = 64 * 1024;
        Limits limits = new Limits(ROOMY.cpuTime(), ROOMY.wallTime(), 64 * MIB, 8, cap, 64 * MIB, 1.0);
        RunResult r = run(workdir(), limits, "/usr/bin/yes");
        assertEquals(RunStatus.OUTPUT_LIMIT_EXCEEDED, r.status(), () -> describe(r));
        assertArrayEquals("y\n".repeat(cap / 2).getBytes(StandardCharsets.US_ASCII), r.stdout());
        assertTrue(r.usage().stdoutBytes() >= cap, () -> describe(r));
    }

    @Test
    void fillingTmpStopsWithEnospcAtTheDiskLimit() {
        Limits limits = new Limits(ROOMY.cpuTime(), ROOMY.wallTime(), 128 * MIB, 8, MIB, 16 * MIB, 1.0);
        assertDiskFull(run(workdir(), limits, "/bin/sh", "-c", fill("/tmp/fill")), 16 * MIB);
    }

    @Test
    void fillingBoxStopsWithEnospcAtTheWorkdirSize() {
        Limits limits = new Limits(ROOMY.cpuTime(), ROOMY.wallTime(), 128 * MIB, 8, MIB, 64 * MIB, 1.0);
        assertDiskFull(run(workdir(16 * MIB), limits, "/bin/sh", "-c", fill("/box/fill")), 16 * MIB);
    }

    private static String fill(String file) {
        return "dd if=/dev/zero of=" + file + " bs=1M count=100 2>&1 | grep -o 'No space left on device';"
                + " stat -c %s " + file;
    }

    private static void assertDiskFull(RunResult r, long limit) {
        List<String> lines = okOut(r).lines().toList();
        assertEquals(2, lines.size(), () -> describe(r));
        assertEquals("No space left on device", lines.get(0));
        long written = Long.parseLong(lines.get(1));
        assertTrue(written <= limit && written >= limit / 2, () -> "wrote " + written + "; " + describe(r));
    }

    /**
     * Issue 10, item 2: a tmpfs without nr_inodes has millions of inodes; a run with --disk-mb 2 left
     * 69 494 empty files in /box, whose kernel memory outlives its memory cgroup. Every file now
     * counts as 4 KiB of the disk limit: 2 MiB hold 512 inodes, the root directory among them.
     */
    private static final String CREATE_FILES = """
            import errno, os, sys
            n = 0
            try:
                while n < 20000:
                    open('%s/f%d' % (sys.argv[1], n), 'w').close()
                    n += 1
                print(n, 'files then done')
            except OSError as e:
                print(n, 'files then', errno.errorcode[e.errno])
            """;

    @Test
    void emptyFilesInBoxCountAgainstTheWorkdirSize() {
        Limits wide = new Limits(Duration.ofSeconds(10), Duration.ofSeconds(30), 256 * MIB, 8, MIB, 64 * MIB, 1.0);
        RunResult r = run(workdir(2 * MIB), wide, "/usr/bin/python3", "-c", CREATE_FILES, "/box");
        assertEquals("511 files then ENOSPC\n", okOut(r));
    }

    @Test
    void emptyFilesInTmpCountAgainstTheDiskLimit() {
        Limits twoMib = new Limits(Duration.ofSeconds(10), Duration.ofSeconds(30), 256 * MIB, 8, MIB, 2 * MIB, 1.0);
        List<String> out = okOut(run(workdir(), twoMib, "/usr/bin/python3", "-c", CREATE_FILES, "/tmp"))
                .lines()
                .toList();
        assertEquals(1, out.size(), out::toString);
        int files = Integer.parseInt(out.get(0).split(" ")[0]);
        // the scratch tmpfs also holds the overlay's dirs and /tmp itself
        assertTrue(out.get(0).endsWith("files then ENOSPC") && files > 450 && files < 512, out::toString);
    }
}
