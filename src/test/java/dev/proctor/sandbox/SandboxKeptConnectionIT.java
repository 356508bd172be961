package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import org.junit.jupiter.api.Test;

/**
 * The engine keeps a run's connection to its supervisor for a later run (launcher.h, "keep"; LauncherServer):
 * a supervisor then serves run after run on one connection. What that must not change: every run gets its own
 * report, whatever the run before it on that connection did (ended, was killed at a limit, was cancelled, could
 * not exec); a cancelled run's connection is never kept; a kept supervisor that dies while it waits costs no run.
 */
class SandboxKeptConnectionIT extends SandboxRuns {

    private static final Duration WIDE_CPU = Duration.ofSeconds(10);
    private static final Duration WIDE_WALL = Duration.ofSeconds(60);

    /** What a generated run does, and what its result must then be. */
    enum Kind {
        ECHO,
        EXIT,
        WALL,
        CPU,
        OUTPUT,
        CANCEL,
        NO_EXEC,
        SAMPLED
    }

    /**
     * Generated sequences of runs of every kind, one after another in one work directory: each run's result is
     * its own (its status, its exit code, its own token in its output, no other run's).
     */
    @Test
    void everyRunGetsItsOwnReportWhateverTheRunBeforeItDid() throws Exception {
        Workdir w = workdir();
        List<List<Kind>> sequences = Arbitraries.of(Kind.class)
                .list()
                .ofSize(16)
                .sampleStream()
                .limit(3)
                .toList();
        for (List<Kind> sequence : sequences) {
            for (int i = 0; i < sequence.size(); i++) {
                Kind kind = sequence.get(i);
                String token = "t" + UUID.randomUUID().toString().substring(0, 8);
                String context = "run " + i + " of " + sequence + ": " + kind;
                check(w, kind, token, i, context);
            }
        }
        assertTrue(!keptSupervisors().isEmpty(), "no connection kept after " + sequences.size() * 16 + " runs");
    }

    private static void check(Workdir w, Kind kind, String token, int i, String context) throws Exception {
        RunResult r;
        switch (kind) {
            case ECHO -> {
                r = sh(w, "printf %s " + token);
                assertEquals(RunStatus.OK, r.status(), () -> context + "\n" + describe(r));
                assertEquals(token, out(r), context);
            }
            case EXIT -> {
                int code = 1 + i % 100;
                r = sh(w, "printf %s " + token + "; exit " + code);
                assertEquals(RunStatus.RUNTIME_ERROR, r.status(), () -> context + "\n" + describe(r));
                assertEquals(code, r.exitCode(), context);
                assertEquals(token, out(r), context);
            }
            case WALL -> {
                r = run(
                        w,
                        limits(WIDE_CPU, Duration.ofSeconds(1), 256 * MIB, 64),
                        "/bin/sh",
                        "-c",
                        "printf %s " + token + "; exec sleep 60");
                assertEquals(RunStatus.WALL_TIME_LIMIT_EXCEEDED, r.status(), () -> context + "\n" + describe(r));
                assertEquals(token, out(r), context);
            }
            case CPU -> {
                r = run(
                        w,
                        limits(Duration.ofMillis(200), WIDE_WALL, 256 * MIB, 64),
                        "/bin/sh",
                        "-c",
                        "printf %s " + token + "; while :; do :; done");
                assertEquals(RunStatus.TIME_LIMIT_EXCEEDED, r.status(), () -> context + "\n" + describe(r));
                assertEquals(token, out(r), context);
            }
            case OUTPUT -> {
                Limits small = new Limits(WIDE_CPU, WIDE_WALL, 256 * MIB, 64, 64 * 1024, 64 * MIB, 1.0);
                r = run(w, small, "/bin/sh", "-c", "printf %s " + token + "; exec yes");
                assertEquals(RunStatus.OUTPUT_LIMIT_EXCEEDED, r.status(), () -> context + "\n" + describe(r));
                assertTrue(out(r).startsWith(token + "y\n"), context);
            }
            case CANCEL -> {
                Cancellation cancel = new Cancellation();
                CompletableFuture<RunResult> running = CompletableFuture.supplyAsync(() -> engine.run(
                        RunSpec.simple(
                                w,
                                List.of("/bin/sh", "-c", "printf %s " + token + " > started; exec sleep 60"),
                                limits(WIDE_CPU, WIDE_WALL, 256 * MIB, 64)),
                        cancel));
                Path started = w.path().resolve("started");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!Files.exists(started) && System.nanoTime() < deadline && !running.isDone()) {
                    Thread.sleep(5);
                }
                cancel.cancel();
                r = running.get(60, TimeUnit.SECONDS);
                assertEquals(RunStatus.CANCELLED, r.status(), () -> context + "\n" + describe(r));
                Files.deleteIfExists(started);
            }
            case NO_EXEC -> {
                r = run(w, ROOMY, "/nonexistent-" + token);
                assertNotEquals(RunStatus.OK, r.status(), context);
                assertNotEquals(RunStatus.INTERNAL_ERROR, r.status(), () -> context + "\n" + describe(r));
                assertEquals("", out(r), context);
            }
            case SAMPLED -> {
                r = engine.run(withSampling(
                        RunSpec.simple(w, List.of("/bin/sh", "-c", "printf %s " + token), ROOMY),
                        Duration.ofMillis(5)));
                assertEquals(RunStatus.OK, r.status(), () -> context + "\n" + describe(r));
                assertEquals(token, out(r), context);
            }
            default -> throw new AssertionError(kind);
        }
    }

    /**
     * A run killed at its wall limit keeps its connection (its supervisor waits on it: "proctor-kept"); a
     * cancelled run's supervisor closes it (and is idle again, or gone).
     */
    @Test
    void aRunKilledAtItsLimitKeepsItsConnectionACancelledOneDoesNot() throws Exception {
        Workdir w = workdir();
        for (boolean cancelIt : new boolean[] {false, true}) {
            String marker = "kept-" + UUID.randomUUID();
            Cancellation cancel = new Cancellation();
            Limits wall = limits(WIDE_CPU, cancelIt ? WIDE_WALL : Duration.ofSeconds(5), 256 * MIB, 64);
            CompletableFuture<RunResult> running = CompletableFuture.supplyAsync(() ->
                    engine.run(RunSpec.simple(w, List.of("/bin/sh", "-c", "sleep 60; : " + marker), wall), cancel));
            long job = awaitJob(marker, running);
            long supervisor = supervisorOf(job);
            if (cancelIt) {
                cancel.cancel();
            }
            RunResult r = running.get(60, TimeUnit.SECONDS);
            assertEquals(
                    cancelIt ? RunStatus.CANCELLED : RunStatus.WALL_TIME_LIMIT_EXCEEDED, r.status(), () -> describe(r));
            String after = awaitSettled(supervisor);
            if (cancelIt) {
                assertNotEquals("proctor-kept", after, "a cancelled run's supervisor kept its connection");
            } else {
                assertEquals("proctor-kept", after, "a run killed at its wall limit did not keep its connection");
            }
        }
    }

    /** Supervisors waiting on kept connections, all killed: the runs after that are served all the same. */
    @Test
    void keptSupervisorsKilledWhileTheyWaitCostNoRun() throws Exception {
        Workdir w = workdir();
        for (int i = 0; i < 6; i++) {
            assertEquals("before " + i + "\n", okOut(sh(w, "echo before " + i)));
        }
        Set<Long> kept = keptSupervisors();
        assertTrue(!kept.isEmpty(), "no supervisor waits on a kept connection");
        for (long pid : kept) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (kept.stream().anyMatch(p -> Files.exists(Path.of("/proc", Long.toString(p))))
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        for (int i = 0; i < 10; i++) {
            RunResult r = sh(w, "echo after " + i);
            assertEquals(RunStatus.OK, r.status(), () -> describe(r));
            assertEquals("after " + i + "\n", out(r));
        }
    }

    private static long awaitJob(String marker, CompletableFuture<RunResult> running) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && !running.isDone()) {
            // one reading of /proc: the shell forks for sleep, and its child holds the marker too until it execs
            List<Long> found = hostProcessesWith(marker);
            if (found.size() == 1) {
                return found.get(0);
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the run's job never showed: " + (running.isDone() ? describe(running.join()) : ""));
    }

    /**
     * Kept connections the engine lets go (more given back at once than it keeps: LauncherServer.MAX_KEPT), then new
     * runs that many descriptors: each run is its own and succeeds. A supervisor whose kept connection was let go
     * released its spawner (spawn.c), but the spawner's socket number it had read for the next run stayed in its
     * prepared state, and a pid 1 it then cloned for a new connection closed that number first thing: whichever of
     * the run's files had been given it since (a `tasks` file, an image layer, a host file's bind) was gone, and the
     * run failed (EBADF; ~1 run in 30 000 at 4 to 8 at once). Forty host files per run make
     * that number one of the run's own as good as surely whenever a released supervisor takes a run.
     */
    @Test
    void runsTakenBySupervisorsWhoseKeptConnectionWasLetGoKeepTheirFiles() throws Exception {
        Workdir w = workdir();
        int files = 40;
        List<RunSpec.HostFile> hostFiles = new java.util.ArrayList<>();
        for (int f = 0; f < files; f++) {
            hostFiles.add(new RunSpec.HostFile(
                    hostFile("many-", ("file " + f + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                    "/input" + f));
        }
        RunSpec many = RunSpec.simple(w, List.of("/bin/sh", "-c", "cat /input0 /input39"), ROOMY)
                .withHostFiles(hostFiles);
        RunSpec quick = RunSpec.simple(w, List.of("/bin/true"), ROOMY);
        int wide = dev.proctor.sandbox.launcher.LauncherServer.MAX_KEPT + 3;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(wide);
        try {
            for (int round = 0; round < 12; round++) {
                // more runs at once than connections are kept: the surplus is let go, its supervisors released
                List<CompletableFuture<RunResult>> burst = new java.util.ArrayList<>();
                for (int i = 0; i < wide; i++) {
                    burst.add(CompletableFuture.supplyAsync(() -> engine.run(quick), pool));
                }
                for (CompletableFuture<RunResult> r : burst) {
                    RunResult done = r.get(60, TimeUnit.SECONDS);
                    assertEquals(RunStatus.OK, done.status(), "round " + round + ": " + describe(done));
                }
                List<CompletableFuture<RunResult>> runs = new java.util.ArrayList<>();
                for (int i = 0; i < wide; i++) {
                    runs.add(CompletableFuture.supplyAsync(() -> engine.run(many), pool));
                }
                for (CompletableFuture<RunResult> r : runs) {
                    RunResult done = r.get(60, TimeUnit.SECONDS);
                    assertEquals("file 0\nfile 39\n", okOut(done), "round " + round + ": " + describe(done));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A supervisor's name once it is done with its run ("proctor-sup" no more): kept, idle, or "" (gone). */
    private static String awaitSettled(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String comm = "";
        while (System.nanoTime() < deadline) {
            comm = comm(pid);
            if (!comm.equals("proctor-sup")) {
                return comm;
            }
            Thread.sleep(5);
        }
        return comm;
    }

    /** The engine's launcher's supervisors that wait on a kept connection. */
    private static Set<Long> keptSupervisors() {
        return supervisorsNamed(launcherServer(), "proctor-kept");
    }
}
