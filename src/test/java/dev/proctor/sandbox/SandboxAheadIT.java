package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.rootfs.TmpfsWorkdir;
import dev.proctor.testsupport.Probes;
import dev.proctor.testsupport.TestStateDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A run's pid 1 made ahead of its spec (launcher.h, "ahead"): while the engine runs few runs at once, the
 * supervisor of a kept connection clones the next run's pid 1 right after a run, and hands it the next spec on
 * that connection. What that must not change: every run in namespaces no run had before, with its own work
 * dir's ids and the job's usual mask; a pid 1 made ahead that cannot take the next run (another work dir's
 * owner, a network, killed meanwhile) costs no run; none outlives its engine.
 */
class SandboxAheadIT extends SandboxRuns {

    /**
     * What a job says of its run, in Python: its pid (2 in a pid namespace of its own: pid 1, then the job),
     * its uid_map's host base, its CPUs, its host name, and what /tmp held before it wrote there.
     */
    private static final String PROBE = """
            import os, socket
            tmp = sorted(os.listdir('/tmp'))
            open('/tmp/was-here', 'w').close()
            base = open('/proc/self/uid_map').read().split()[1]
            mask = [l.split()[1] for l in open('/proc/self/status') if l.startswith('Cpus_allowed_list')][0]
            print(os.getpid(), base, mask, socket.gethostname(), tmp)
            """;

    private static String expected(Workdir w) throws IOException {
        return "2 " + base(w) + " " + hostMask() + " proctor []\n";
    }

    private static RunResult probe(Workdir w) {
        return run(w, ROOMY, "/usr/bin/python3", "-c", PROBE);
    }

    /** The pid 1s made ahead now waiting, by host pid: the user namespace each was cloned into. */
    private static Map<Long, String> waitingAhead() {
        Map<Long, String> found = new HashMap<>();
        for (long sup : supervisorsNamed(launcherServer(), "proctor-kept")) {
            ProcessHandle.of(sup)
                    .ifPresent(s -> s.children()
                            .filter(c -> comm(c.pid()).equals("proctor-ahead"))
                            .forEach(c -> {
                                try {
                                    found.put(
                                            c.pid(),
                                            Files.readSymbolicLink(Path.of("/proc", Long.toString(c.pid()), "ns/user"))
                                                    .toString());
                                } catch (IOException gone) {
                                    // it took its run, or was let go, meanwhile
                                }
                            }));
        }
        return found;
    }

    /** Waits (at most 5 s) until every supervisor waiting on a kept connection has its pid 1 made ahead. */
    private static Map<Long, String> awaitEveryKeptHasItsPid1() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Map<Long, String> ahead;
        while ((ahead = waitingAhead()).size()
                        < supervisorsNamed(launcherServer(), "proctor-kept").size()
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return ahead;
    }

    private static long base(Workdir w) {
        return ((TmpfsWorkdir) w).idRange().first();
    }

    private static String hostMask() throws IOException {
        return procStatus(ProcessHandle.current().pid()).get("Cpus_allowed_list");
    }

    @Test
    void runsAreHandedToPid1sMadeAheadAndEachIsAFreshRun() throws Exception {
        Workdir w = workdir();
        int handed = 0;
        for (int i = 0; i < 16; i++) {
            Map<Long, String> ahead = i < 4 ? Map.of() : awaitEveryKeptHasItsPid1();
            Files.deleteIfExists(w.path().resolve("ready"));
            Files.deleteIfExists(w.path().resolve("go"));
            String marker = "ahead-probe-" + UUID.randomUUID();
            CompletableFuture<RunResult> run = startHeld(w, "# " + marker + "\n" + PROBE, "");
            awaitReady(w, run);
            long pid1 = parentOf(jobWith(marker));
            RunResult r = release(w, run);
            assertEquals(expected(w), okOut(r), "run " + i);
            if (ahead.containsKey(pid1)) {
                handed++;
            }
        }
        // the first runs open the connections the later ones are sent on; from the fifth on, each waits for one
        assertEquals(12, handed, "runs handed to a pid 1 made ahead, of the 12 sent after every kept one had its own");
    }

    @Test
    void aPid1MadeAheadForAnotherWorkDirsIdsTakesNoRunOfThisOne() throws Exception {
        Workdir a = workdir();
        Workdir b = workdir();
        assertNotEquals(base(a), base(b));
        for (int i = 0; i < 12; i++) {
            Workdir w = i % 3 == 0 ? b : a;
            assertEquals(expected(w), okOut(probe(w)), "run " + i + " in " + (w == a ? "a" : "b"));
        }
        // a pid 1 made for the other work dir is let go, not kept: one at most for each kept connection
        Thread.sleep(200);
        assertTrue(waitingAhead().size()
                <= supervisorsNamed(launcherServer(), "proctor-kept").size());
    }

    private static final String LOOPBACK = """
            import socket
            try:
                s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
                socket.create_connection(s.getsockname(), timeout=5).close()
                print('up')
            except OSError as e:
                print('down')
            """;

    /** Waits (at most 10 s) until the process has exited: gone, or a zombie its supervisor has not reaped yet. */
    private static void awaitExited(long pid) throws InterruptedException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try {
                String s = Files.readString(stat);
                char state = s.charAt(s.lastIndexOf(')') + 2);
                if (state == 'Z' || state == 'X') {
                    return;
                }
            } catch (IOException gone) {
                return;
            }
            Thread.sleep(2);
        }
        throw new AssertionError("pid " + pid + " still alive 10 s after SIGKILL");
    }

    /** The spawner (spawn.c) of each supervisor waiting on a kept connection that has one: supervisor → spawner. */
    private static Map<Long, Long> spawnersOfKept() {
        Map<Long, Long> found = new HashMap<>();
        for (long sup : supervisorsNamed(launcherServer(), "proctor-kept")) {
            ProcessHandle.of(sup)
                    .ifPresent(s -> s.children()
                            .filter(c -> comm(c.pid()).equals("proctor-spawn"))
                            .forEach(c -> found.put(sup, c.pid())));
        }
        return found;
    }

    /**
     * Whether two processes use one address space: the kernel's kcmp(KCMP_VM = 1), through Python's ctypes on the
     * host (0: the same; the test runs as root, which may compare any two).
     */
    private static boolean sameMemory(long a, long b) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(
                        "python3",
                        "-c",
                        "import ctypes, sys\n"
                                + "libc = ctypes.CDLL(None, use_errno=True)\n"
                                + "r = libc.syscall(312, int(sys.argv[1]), int(sys.argv[2]), 1, 0, 0)\n"
                                + "print(r if r >= 0 else -ctypes.get_errno())\n",
                        Long.toString(a),
                        Long.toString(b))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "kcmp");
        assertTrue(out.matches("[0-9]+"), () -> "kcmp(" + a + ", " + b + "): " + out);
        return out.equals("0");
    }

    /**
     * A pid 1 made ahead is cloned by its supervisor's spawner sharing the spawner's memory, not the supervisor's
     * (the OOM killer takes every process sharing its victim's: a spawner, never the supervisor), and is the
     * supervisor's child, which waits for it.
     */
    @Test
    void aPid1MadeAheadSharesItsSpawnersMemoryNotItsSupervisors() throws Exception {
        warmedUp();
        Map<Long, String> ahead = awaitEveryKeptHasItsPid1();
        Map<Long, Long> spawners = spawnersOfKept();
        assertFalse(ahead.isEmpty(), "no pid 1 made ahead waits");
        int checked = 0;
        for (long pid1 : ahead.keySet()) {
            long sup;
            try {
                sup = parentOf(pid1);
            } catch (IOException gone) {
                continue; // it took a run of another test class's meanwhile
            }
            Long spawner = spawners.get(sup);
            assertTrue(spawner != null, () -> "no spawner for supervisor " + sup + ": " + spawners);
            if (!ProcessHandle.of(pid1).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            assertTrue(sameMemory(pid1, spawner), "pid 1 " + pid1 + " and spawner " + spawner);
            assertFalse(sameMemory(pid1, sup), "pid 1 " + pid1 + " and supervisor " + sup);
            checked++;
        }
        assertTrue(checked > 0, "no pid 1 made ahead was still waiting to be checked");
    }

    /**
     * When the OOM killer picks a pid 1 made ahead it kills its spawner too, which shares its memory; a spawner
     * can die alone as well. Neither costs a run: the next pid 1 ahead is made by a new spawner (or, once, by
     * the supervisor itself), and the supervisors are the same.
     */
    @Test
    void aSpawnerKilledAloneOrWithItsPid1CostsNoRunAndIsForkedAgain() throws Exception {
        Workdir w = warmedUp();
        for (int round = 0; round < 2; round++) {
            Map<Long, String> ahead = awaitEveryKeptHasItsPid1();
            Map<Long, Long> spawners = spawnersOfKept();
            assertFalse(spawners.isEmpty(), "no spawner");
            for (long spawner : spawners.values()) {
                ProcessHandle.of(spawner).ifPresent(ProcessHandle::destroyForcibly);
            }
            if (round == 1) { // as the OOM killer does when it picks a pid 1
                for (long pid : ahead.keySet()) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
                for (long pid : ahead.keySet()) {
                    awaitExited(pid);
                }
            }
            for (long spawner : spawners.values()) {
                awaitExited(spawner);
            }
            for (int i = 0; i < 6; i++) {
                assertEquals(expected(w), okOut(probe(w)), "round " + round + ", run " + i);
            }
            Map<Long, Long> now = spawnersOfKept();
            for (Map.Entry<Long, Long> e : now.entrySet()) {
                assertNotEquals(spawners.get(e.getKey()), e.getValue(), "supervisor " + e.getKey() + "'s spawner");
            }
        }
    }

    /**
     * A run that fills its scratch tmpfs past its memory limit with a process of a few pages (tmpfs_fill, no
     * libc): the OOM killer's biggest process in the run is then its pid 1, made ahead by a spawner whose memory
     * it shares, and the kill takes the spawner too (the kernel counts it in the spawner's cgroup). Each such run
     * is a memory limit with its OOM kill counted, and costs no later run and no supervisor.
     */
    @Test
    void aPid1TheOomKillerTakesIsAMemoryLimitAndCostsNoLaterRun() throws Exception {
        Workdir w = warmedUp();
        w.writeFile("tmpfs_fill", Probes.tinyBinary("tmpfs_fill"), true);
        Set<Long> kept = supervisorsNamed(launcherServer(), "proctor-kept");
        Limits small = new Limits(Duration.ofSeconds(5), Duration.ofSeconds(20), 16 * MIB, 16, MIB, 64 * MIB, 1.0);
        for (int i = 0; i < 4; i++) {
            awaitEveryKeptHasItsPid1();
            RunResult r = run(w, small, "./tmpfs_fill", "/tmp/fill");
            assertEquals(RunStatus.MEMORY_LIMIT_EXCEEDED, r.status(), () -> describe(r));
            assertTrue(r.usage().oomKills() >= 1, () -> describe(r));
            assertEquals(expected(w), okOut(probe(w)), "the run after OOM run " + i);
        }
        for (long sup : kept) {
            assertTrue(ProcessHandle.of(sup).map(ProcessHandle::isAlive).orElse(false), "supervisor " + sup);
        }
    }

    /** A work dir whose runs have left kept connections behind (the first runs open them). */
    private Workdir warmedUp() {
        Workdir w = workdir();
        for (int i = 0; i < 4; i++) {
            okOut(probe(w));
        }
        return w;
    }

    @Test
    void aRunWithItsOwnLoopbackAfterAPid1MadeAheadHasIt() throws Exception {
        Workdir w = warmedUp();
        for (int i = 0; i < 3; i++) {
            awaitEveryKeptHasItsPid1();
            RunSpec loopback = withNetwork(
                    RunSpec.simple(w, List.of("/usr/bin/python3", "-c", LOOPBACK), ROOMY), NetworkMode.LOOPBACK);
            assertEquals("up\n", okOut(engine.run(loopback)), "a loopback run's own loopback");
            awaitEveryKeptHasItsPid1();
            RunSpec none = RunSpec.simple(w, List.of("/usr/bin/python3", "-c", LOOPBACK), ROOMY);
            assertEquals("down\n", okOut(engine.run(none)), "no network");
        }
    }

    @Test
    void aPid1MadeAheadKilledWhileItWaitsCostsNoRun() throws Exception {
        Workdir w = warmedUp();
        for (int round = 0; round < 3; round++) {
            Map<Long, String> ahead = awaitEveryKeptHasItsPid1();
            assertFalse(ahead.isEmpty(), "no pid 1 made ahead waits");
            for (long pid : ahead.keySet()) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            /*
             * Dead, not only signalled: a kill still under way when the run is sent to it (its socket still open)
             * ends that run as a SIGKILL during its setup does for any pid 1 (signal 9), not as "no run lost"
             */
            for (long pid : ahead.keySet()) {
                awaitExited(pid);
            }
            for (int i = 0; i < 3; i++) {
                assertEquals(expected(w), okOut(probe(w)), "round " + round + ", run " + i);
            }
        }
    }

    /** After the hold: how many bytes of arguments followed the script, the host files seen, each whole. */
    private static final String WHOLE = """
            import os, sys
            files = [n for n in os.listdir('/') if n.startswith('hf')]
            same = all(open('/' + n).read() == 'host file\\n' for n in files)
            print(os.getpid(), sum(len(a) for a in sys.argv[1:]), len(files), same)
            """;

    /**
     * The message to a pid 1 made ahead holds at most AHEAD_MSG_MAX (96 KiB) of spec and seccomp program and
     * AHEAD_FDS_MAX (253) descriptors (launcher.h). A run just under either is handed over and gets all of its
     * arguments and host files; one over either is cloned its own pid 1, as before, and runs as whole.
     */
    @Test
    void specsUnderTheMessagesBoundsAreHandedOverAndSpecsOverThemClonedEachRunWhole() throws Exception {
        Workdir w = warmedUp();
        Path file = hostFile("ahead-", "host file\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        record Case(String name, List<String> args, int hostFiles, boolean handed) {}
        List<Case> cases = List.of(
                // 80 KiB of arguments, with the rest of the spec and the 2.5 KiB seccomp program: under 96 KiB
                new Case("80 KiB of arguments", List.of("a".repeat(80 * 1024)), 0, true),
                new Case("120 KiB of arguments", List.of("a".repeat(60 * 1024), "b".repeat(60 * 1024)), 0, false),
                // descriptors: stdin, the cgroups' tasks files, the layer, the image's binds, the host files, /box
                new Case("200 host files", List.of(), 200, true),
                new Case("249 host files", List.of(), 249, false));
        for (int round = 0; round < 2; round++) {
            for (Case c : cases) {
                Map<Long, String> ahead = awaitEveryKeptHasItsPid1();
                assertFalse(ahead.isEmpty(), "no pid 1 made ahead waits before " + c.name());
                Files.deleteIfExists(w.path().resolve("ready"));
                Files.deleteIfExists(w.path().resolve("go"));
                String marker = "ahead-bounds-" + UUID.randomUUID();
                List<String> argv =
                        new ArrayList<>(List.of("/usr/bin/python3", "-c", "# " + marker + "\n" + HOLD + WHOLE));
                argv.addAll(c.args());
                List<RunSpec.HostFile> files = new ArrayList<>();
                for (int i = 0; i < c.hostFiles(); i++) {
                    files.add(new RunSpec.HostFile(file, "/hf" + i));
                }
                RunSpec spec = RunSpec.simple(w, argv, ROOMY).withHostFiles(files);
                CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> engine.run(spec));
                awaitReady(w, run);
                long pid1 = parentOf(jobWith(marker));
                RunResult r = release(w, run);
                int bytes = c.args().stream().mapToInt(String::length).sum();
                assertEquals("2 " + bytes + " " + c.hostFiles() + " True\n", okOut(r), c.name());
                assertEquals(c.handed(), ahead.containsKey(pid1), c.name() + ": handed to the pid 1 made ahead");
            }
        }
    }

    @Test
    void onlyTheRunsSentWhileFewRunAtOnceGetTheirNextPid1MadeAhead() throws Exception {
        // LauncherServer: ahead only while at most half the CPUs' worth of runs are in flight, the sent one counted
        int atMost = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        int held = atMost + 2;
        Path dir = TestStateDirs.create("engine-ahead-");
        ExecutorService threads = Executors.newFixedThreadPool(held);
        try (LinuxSandboxEngine own = LinuxSandboxEngine.start(EngineConfig.forProject(PROJECT, dir))) {
            List<Workdir> dirs = new ArrayList<>();
            List<CompletableFuture<RunResult>> runs = new ArrayList<>();
            for (int i = 0; i < held; i++) { // one at a time: the i-th is sent with i runs in flight
                Workdir w = own.createWorkdir(64 * MIB);
                dirs.add(w);
                String hold = "import os, time\nopen('/box/ready', 'w').close()\n"
                        + "while not os.path.exists('/box/go'): time.sleep(0.01)\n";
                runs.add(CompletableFuture.supplyAsync(
                        () -> own.run(RunSpec.simple(w, List.of("/usr/bin/python3", "-c", hold), ROOMY)), threads));
                awaitReady(w, runs.get(i));
            }
            for (int i = 0; i < held; i++) {
                assertEquals(RunStatus.OK, release(dirs.get(i), runs.get(i)).status(), "held run " + i);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (aheadOf(dir).size() < atMost && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(200); // any more would be made by now
            assertEquals(atMost, aheadOf(dir).size(), "pid 1s made ahead after " + held + " runs at once");
            for (Workdir w : dirs) {
                w.close();
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /** The pid 1s made ahead by the supervisors of the engine whose state dir is {@code dir}. */
    private static List<ProcessHandle> aheadOf(Path dir) {
        return childrenOfSupervisors(dir, List.of("proctor-ahead"));
    }

    /** The children of the supervisors of the engine whose state dir is {@code dir} named one of {@code names}. */
    private static List<ProcessHandle> childrenOfSupervisors(Path dir, List<String> names) {
        return ProcessHandle.current()
                .descendants()
                .filter(p -> names.contains(comm(p.pid())))
                .filter(p -> p.parent()
                        .flatMap(ProcessHandle::parent)
                        .flatMap(server -> server.info().arguments())
                        .map(args -> String.join(" ", args).contains(dir.toString()))
                        .orElse(false))
                .toList();
    }

    @Test
    void noPid1MadeAheadOutlivesItsEngine() throws Exception {
        Path dir = TestStateDirs.create("engine-ahead-");
        List<ProcessHandle> ahead = new ArrayList<>();
        try (LinuxSandboxEngine own = LinuxSandboxEngine.start(EngineConfig.forProject(PROJECT, dir));
                Workdir w = own.createWorkdir(64 * MIB)) {
            RunSpec spec = RunSpec.simple(w, List.of("/bin/true"), ROOMY);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ahead.isEmpty() && System.nanoTime() < deadline) {
                assertEquals(RunStatus.OK, own.run(spec).status());
                ahead.addAll(childrenOfSupervisors(dir, List.of("proctor-ahead", "proctor-spawn")));
            }
        }
        assertFalse(ahead.isEmpty(), "the engine's runs made no pid 1 ahead");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ahead.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        for (ProcessHandle p : ahead) {
            assertFalse(p.isAlive(), "pid 1 made ahead " + p.pid() + " outlived its engine");
        }
    }
}
