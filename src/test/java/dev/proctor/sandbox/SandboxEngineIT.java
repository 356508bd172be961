package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.rootfs.LayerFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The engine end to end on the real kernel: a program's output, input and exit code; two runs
 * at once; the network modes; and how truthful the accounting is.
 */
class SandboxEngineIT extends SandboxRuns {

    @Test
    void helloWorldIsOkWithExactStdout() {
        RunResult r = sh(workdir(), "echo hello, world");
        assertEquals("hello, world\n", okOut(r));
        assertEquals(0, r.exitCode());
        assertNull(r.signal());
        assertEquals(13, r.usage().stdoutBytes());
        assertEquals("", err(r));
    }

    @Test
    void stdinIsRead() {
        Workdir w = workdir();
        RunSpec simple = RunSpec.simple(
                w,
                List.of("/usr/bin/python3", "-c", "import sys; print(sum(int(x) for x in sys.stdin.read().split()))"),
                ROOMY);
        RunSpec spec = new RunSpec(
                simple.image(),
                simple.argv(),
                simple.env(),
                w,
                Stdin.of("1 2 3\n40\n".getBytes(StandardCharsets.UTF_8)),
                simple.limits(),
                simple.seccompProfile(),
                simple.network(),
                simple.sampleInterval());
        assertEquals("46\n", okOut(engine.run(spec)));
    }

    @Test
    void nonZeroExitIsARuntimeErrorWithItsCode() {
        RunResult r = sh(workdir(), "echo oops >&2; exit 3");
        assertEquals(RunStatus.RUNTIME_ERROR, r.status(), () -> describe(r));
        assertEquals(3, r.exitCode());
        assertEquals("oops\n", err(r));
    }

    /**
     * A job that closes its stdout and stderr long before it ends: what it wrote before is kept, and
     * the run ends with the job (its exit code, its whole wall time), not with the close. Pid 1 holds
     * the pipes until it exits (job.c, harden_pid1), so their end and pid 1's come together.
     */
    @Test
    void aJobThatClosesItsOutputEarlyKeepsWhatItWroteAndEndsWithItsExit() {
        RunResult r = sh(workdir(), "printf 'out\\0put'; printf err >&2; exec >&- 2>&-; sleep 0.3; exit 7");
        assertEquals(RunStatus.RUNTIME_ERROR, r.status(), () -> describe(r));
        assertEquals(7, r.exitCode());
        assertEquals("out\0put", out(r));
        assertEquals("err", err(r));
        assertTrue(
                r.usage().wallTimeMicros() >= 300_000, () -> "wall " + r.usage().wallTimeMicros() + " us");
    }

    /**
     * A job whose background child goes on writing after the job has exited: the run ends with the
     * job's exit (pid 1's, which ends everything left in the run), and what was written until then is
     * kept, byte for byte; the child is not waited for.
     */
    @Test
    void outputOfAChildLeftBehindEndsWithTheRun() {
        RunResult r = sh(workdir(), "(sleep 3; echo late) & echo early");
        assertEquals("early\n", okOut(r));
        assertTrue(
                r.usage().wallTimeMicros() < 3_000_000,
                () -> "wall " + r.usage().wallTimeMicros() + " us");
    }

    /**
     * Python in the host image uses every module's bytecode the host's own Python uses, as cached
     * in the host's {@code __pycache__}: nothing the image copied (Debian's sitecustomize.py lives in
     * /etc) may look newer than the cache, or each run would compile it again.
     */
    @Test
    void pythonUsesTheHostsCachedBytecode() throws Exception {
        // -B: the host's Python, run as root, must not write bytecode into the host's /usr
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", "-B", "-v", "-c", "pass").redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(RunSpec.BASE_ENV);
        Process p = pb.start();
        String host = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), host);
        RunResult r = run(workdir(), ROOMY, "/usr/bin/python3", "-B", "-v", "-c", "pass");
        assertEquals(RunStatus.OK, r.status(), () -> describe(r));

        Set<String> onHost = cachedCode(host);
        assertTrue(onHost.stream().anyMatch(f -> f.contains("/encodings/")), host);
        Set<String> missing = new TreeSet<>(onHost);
        missing.removeAll(cachedCode(err(r)));
        assertEquals(Set.of(), missing, () -> "compiled again in the sandbox:\n" + err(r));
    }

    /** The .pyc files {@code python3 -v} says it loaded code from. */
    private static Set<String> cachedCode(String verbose) {
        Set<String> files = new TreeSet<>();
        Matcher m = Pattern.compile("^# code object from '([^']+)'$", Pattern.MULTILINE)
                .matcher(verbose);
        while (m.find()) {
            files.add(m.group(1));
        }
        return files;
    }

    @Test
    void envIsExactlyWhatTheSpecGives() {
        Workdir w = workdir();
        RunSpec simple = RunSpec.simple(w, List.of("/usr/bin/env"), ROOMY);
        RunSpec spec = new RunSpec(
                simple.image(),
                simple.argv(),
                Map.of("ONLY", "this"),
                w,
                simple.stdin(),
                simple.limits(),
                simple.seccompProfile(),
                simple.network(),
                simple.sampleInterval());
        assertEquals("ONLY=this\n", okOut(engine.run(spec)));
    }

    /**
     * Two runs held open at the same time (each waits for a "go" file the test writes into its
     * workdir only once both are ready) look for each other's files in /box and /tmp, for each
     * other's processes in /proc, and for each other's workdir by its host path.
     */
    @Test
    void twoRunsAtOnceDoNotSeeEachOther() throws Exception {
        Workdir a = workdir();
        Workdir b = workdir();
        String script = """
                import os, sys, time
                me, other, other_box = sys.argv[1], sys.argv[2], sys.argv[3]
                open('/tmp/' + me, 'w').close()
                open('/box/' + me, 'w').close()
                open('/box/ready', 'w').close()
                deadline = time.monotonic() + 40
                while not os.path.exists('/box/go') and time.monotonic() < deadline:
                    time.sleep(0.01)
                procs = [open('/proc/%s/cmdline' % p, 'rb').read() for p in os.listdir('/proc') if p.isdigit()]
                # each run's command line holds both names; their order says whose it is
                theirs, mine = (other + '\\0' + me).encode(), (me + '\\0' + other).encode()
                print('go' if os.path.exists('/box/go') else 'no-go')
                print('other-process' if any(theirs in c for c in procs) else 'no-other-process')
                print('own-process' if any(mine in c for c in procs) else 'no-own-process')
                print(sorted(f for f in os.listdir('/tmp') + os.listdir('/box') if f.startswith('run-')))
                print('other-box' if os.path.exists(other_box) else 'no-other-box')
                """;
        Limits limits = limits(Duration.ofSeconds(10), Duration.ofSeconds(60), 128 * MIB, 16);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CompletableFuture<RunResult> ra = CompletableFuture.supplyAsync(
                    () -> run(
                            a,
                            limits,
                            "/usr/bin/python3",
                            "-c",
                            script,
                            "run-a",
                            "run-b",
                            b.path().toString()),
                    pool);
            CompletableFuture<RunResult> rb = CompletableFuture.supplyAsync(
                    () -> run(
                            b,
                            limits,
                            "/usr/bin/python3",
                            "-c",
                            script,
                            "run-b",
                            "run-a",
                            a.path().toString()),
                    pool);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            while (!(exists(a, "ready") && exists(b, "ready"))
                    && System.nanoTime() < deadline
                    && !ra.isDone()
                    && !rb.isDone()) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
            a.writeFile("go", new byte[0], false);
            b.writeFile("go", new byte[0], false);
            String outA = okOut(ra.get(70, TimeUnit.SECONDS));
            String outB = okOut(rb.get(70, TimeUnit.SECONDS));
            assertEquals("go\nno-other-process\nown-process\n['run-a', 'run-a']\nno-other-box\n", outA);
            assertEquals("go\nno-other-process\nown-process\n['run-b', 'run-b']\nno-other-box\n", outB);
        } finally {
            pool.shutdownNow();
        }
    }

    private static boolean exists(Workdir w, String name) {
        return java.nio.file.Files.exists(w.path().resolve(name));
    }

    private static final String CONNECT_TO_HOST = """
            import socket, sys
            s = socket.socket()
            s.settimeout(2)
            try:
                s.connect(('127.0.0.1', int(sys.argv[1])))
                print('connected')
            except OSError as e:
                print('refused', type(e).__name__)
            """;

    @Test
    void hostLoopbackIsNotReachableWithoutNetwork() throws IOException {
        assertHostPortUnreachable(NetworkMode.NONE);
    }

    @Test
    void hostLoopbackIsNotReachableWithLoopback() throws IOException {
        assertHostPortUnreachable(NetworkMode.LOOPBACK);
    }

    private void assertHostPortUnreachable(NetworkMode mode) throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            RunSpec spec = withNetwork(
                    RunSpec.simple(
                            workdir(),
                            List.of("/usr/bin/python3", "-c", CONNECT_TO_HOST, Integer.toString(server.getLocalPort())),
                            ROOMY),
                    mode);
            String out = okOut(engine.run(spec));
            assertTrue(out.startsWith("refused "), out);
            // a connection that got through would be waiting in the backlog: accept returns at once
            server.setSoTimeout(100);
            assertThrows(SocketTimeoutException.class, server::accept);
        }
    }

    @Test
    void loopbackRunTalksToItsOwnServer() {
        String echo = """
                import socket
                srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)
                c = socket.create_connection(srv.getsockname(), timeout=2)
                conn, _ = srv.accept()
                c.sendall(b'ping'); print(conn.recv(4).decode())
                """;
        RunSpec spec = withNetwork(
                RunSpec.simple(workdir(), List.of("/usr/bin/python3", "-c", echo), ROOMY), NetworkMode.LOOPBACK);
        assertEquals("ping\n", okOut(engine.run(spec)));
    }

    /** The cgroup counter against the probe's own CLOCK_PROCESS_CPUTIME_ID after ~500 ms of spinning. */
    @Test
    void cpuTimeMatchesACalibratedBusyLoop() {
        Workdir w = workdir();
        installProbe(w, "cpu_burn");
        RunResult r =
                run(w, limits(Duration.ofSeconds(5), Duration.ofSeconds(30), 64 * MIB, 8), "./cpu_burn", "for", "500");
        Matcher m = Pattern.compile("cpu_us=(\\d+)").matcher(okOut(r));
        assertTrue(m.find(), () -> describe(r));
        long probeMicros = Long.parseLong(m.group(1));
        long tolerance = Math.max(probeMicros / 20, 20_000);
        long measured = r.usage().cpuTimeMicros();
        assertTrue(
                Math.abs(measured - probeMicros) <= tolerance,
                () -> "cgroup " + measured + " µs vs probe " + probeMicros + " µs; " + describe(r));
        // user and system time add up to the total (the probe reads its CPU clock, a system call, in its loop)
        assertEquals(measured, r.usage().userTimeMicros() + r.usage().systemTimeMicros(), () -> describe(r));
    }

    /**
     * The peak of a probe touching 100 MiB, against [100 MiB, 105 MiB + baseline], the baseline
     * being the peak of the same probe touching nothing (pid 1, the loaded binary, page tables),
     * measured here rather than guessed, and itself bounded so it cannot hide a leak.
     */
    @Test
    void memoryPeakMatchesWhatAProgramTouches() {
        Workdir w = workdir();
        installProbe(w, "mem_touch");
        Limits limits = limits(Duration.ofSeconds(10), Duration.ofSeconds(30), 256 * MIB, 8);
        RunResult idle = run(w, limits, "./mem_touch", "0");
        okOut(idle);
        long baseline = idle.usage().memoryPeakBytes();
        assertTrue(baseline > 0 && baseline <= 8 * MIB, () -> "baseline " + baseline + "; " + describe(idle));
        RunResult r = run(w, limits, "./mem_touch", "100");
        assertEquals("touched 100 MiB\n", okOut(r));
        long peak = r.usage().memoryPeakBytes();
        assertTrue(
                peak >= 100 * MIB && peak <= 105 * MIB + baseline,
                () -> "peak " + peak + " baseline " + baseline + "; " + describe(r));
        assertEquals(0, r.usage().oomKills());
    }

    /**
     * Issue 10, item 11: every test of a job shared one /box, so a test run could rewrite ./main or
     * leave state for the next. A copy-on-write view shows the run every file and keeps none of its
     * writes: the next run, and the host, see the directory as it was.
     */
    @Test
    void aCopyOnWriteViewShowsEveryFileAndKeepsNoWrite() {
        Workdir w = workdir();
        w.writeFile("main", "#!/bin/sh\necho original\n".getBytes(StandardCharsets.UTF_8), true);
        w.writeFile("data/input.txt", "kept\n".getBytes(StandardCharsets.UTF_8), false);
        String script =
                "./main; cat data/input.txt; printf '#!/bin/sh\\necho rewritten\\n' > main.new && mv main.new main;"
                        + " rm data/input.txt; echo left > state; mkdir junk; ls -A /box | tr '\\n' ' '";
        for (int round = 0; round < 2; round++) {
            RunResult r =
                    engine.run(RunSpec.simple(w.copyOnWrite(), List.of("/bin/sh", "-c", script), Limits.defaults()));
            assertEquals("original\nkept\ndata junk main state ", okOut(r), "round " + round);
        }
        assertEquals("#!/bin/sh\necho original\n", new String(w.readFile("main", 100), StandardCharsets.UTF_8));
        assertEquals("kept\n", new String(w.readFile("data/input.txt", 100), StandardCharsets.UTF_8));
        assertNull(w.readFile("state", 100));
        // the directory itself (what a compile step gets) still keeps what a run writes
        okOut(engine.run(RunSpec.simple(w, List.of("/bin/sh", "-c", "echo kept > state"), Limits.defaults())));
        assertEquals("kept\n", new String(w.readFile("state", 100), StandardCharsets.UTF_8));
    }

    /**
     * The host image's layer is chosen at each engine's start for the host's /etc as it is then
     * ({@code images/host/<digest>}). An engine starting on a state dir other engines use keeps their
     * layers and removes only what no instance dir records: an older layer, and the single layer of an
     * older version ({@code images/host/rootfs}) once no engine of that version (an instance without a
     * record) is left. Removing a layer under a running engine would change its runs' /etc.
     */
    @Test
    void anEngineStartingBesideOthersKeepsTheirHostLayersAndRemovesOnlyWhatNoneUses() throws IOException {
        Path instances = stateDir.resolve("instances");
        Path host = stateDir.resolve("images/host");
        Set<String> recorded = recordedHostLayers(instances);
        assertEquals(1, recorded.size(), "the class's engine records its layer: " + recorded);
        String own = recorded.iterator().next();
        Path unused = Files.createDirectories(host.resolve("0".repeat(64)).resolve("rootfs/etc"));
        Path another = Files.createDirectories(host.resolve("1".repeat(64)).resolve("rootfs/etc"));
        Path legacy = Files.createDirectories(host.resolve("rootfs/etc"));
        Files.writeString(host.resolve("recipe"), "host-2");
        // live engines of other processes (stamped with this JVM): one on layer 1…1, one of an older version
        Path onAnother = liveInstance(instances, "1".repeat(64));
        Path older = liveInstance(instances, null);
        try {
            try (LinuxSandboxEngine second = LinuxSandboxEngine.start(EngineConfig.forProject(PROJECT, stateDir));
                    Workdir w = second.createWorkdir(16 * Limits.MIB)) {
                assertEquals("hi\n", okOut(second.run(RunSpec.simple(w, List.of("/bin/echo", "hi"), ROOMY))));
                assertEquals(Set.of(own, "1".repeat(64)), recordedHostLayers(instances), "the same host, one layer");
            }
            assertTrue(Files.isDirectory(host.resolve(own).resolve("rootfs/etc")));
            assertFalse(Files.exists(unused.getParent().getParent()), "no engine uses layer 0…0");
            assertTrue(Files.isDirectory(another), "an engine uses layer 1…1");
            assertTrue(Files.isDirectory(legacy), "an engine of an older version may use it");

            LayerFiles.deleteTree(older); // that engine is gone and cleaned up
            try (LinuxSandboxEngine third = LinuxSandboxEngine.start(EngineConfig.forProject(PROJECT, stateDir))) {
                assertTrue(third.info().images().contains("host"), third.info().images()::toString);
            }
            assertFalse(Files.exists(host.resolve("rootfs")));
            assertFalse(Files.exists(host.resolve("recipe")));
            assertTrue(Files.isDirectory(another));
        } finally {
            LayerFiles.deleteTree(onAnother);
            LayerFiles.deleteTree(older);
            LayerFiles.deleteTree(another.getParent().getParent());
        }
        assertEquals("still\n", okOut(sh(workdir(), "echo still")), "the class's engine runs on its layer");
    }

    /**
     * Engines of one JVM starting at once each take the host layer under the state dir's file lock, which
     * belongs to the whole JVM: the second one's {@code FileChannel.lock} threw
     * OverlappingFileLockException instead of waiting. Four engines' worth of host-layer choices at once,
     * three rounds, on a state dir of their own: each gets the one layer, and each records it.
     */
    @Test
    void enginesOfOneJvmTakingTheHostLayerAtOnceTakeTurns() throws Exception {
        Path state = Files.createTempDirectory("proctor-host-layer-");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Path instances = Files.createDirectories(state.resolve("instances"));
            List<ImageRecords> engines = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Path dir = Files.createDirectory(
                        instances.resolve("p" + ProcessHandle.current().pid() + "eturn" + i));
                Files.writeString(dir.resolve("owner"), DeadEngines.ownerStamp(ProcessHandle.current()));
                Files.createDirectory(dir.resolve(ImageRecords.DIR));
                engines.add(ImageRecords.of(new EngineDirs("turn" + i, dir, dir.resolve("runs"), dir.resolve("work"))));
            }
            for (int round = 0; round < 3; round++) {
                java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(engines.size());
                List<CompletableFuture<dev.proctor.sandbox.rootfs.Image>> takes = engines.stream()
                        .map(records -> CompletableFuture.supplyAsync(
                                () -> {
                                    try {
                                        together.await(30, TimeUnit.SECONDS);
                                        return EngineBootstrap.hostImage(state, records);
                                    } catch (Exception e) {
                                        throw new java.util.concurrent.CompletionException(e);
                                    }
                                },
                                pool))
                        .toList();
                Set<dev.proctor.sandbox.rootfs.Image> taken = new java.util.HashSet<>();
                for (CompletableFuture<dev.proctor.sandbox.rootfs.Image> take : takes) {
                    taken.add(take.get(120, TimeUnit.SECONDS));
                }
                assertEquals(1, taken.size(), "round " + round + ": one layer for the one host: " + taken);
                Set<String> recorded = recordedHostLayers(instances);
                assertEquals(1, recorded.size(), "round " + round + ": each records it: " + recorded);
            }
        } finally {
            pool.shutdownNow();
            LayerFiles.deleteTree(state);
        }
    }

    /** The host layers the instance dirs of {@code instances} record. */
    private static Set<String> recordedHostLayers(Path instances) throws IOException {
        Set<String> layers = new TreeSet<>();
        try (var dirs = Files.list(instances)) {
            for (Path d : dirs.toList()) {
                Path record = d.resolve(ImageRecords.DIR).resolve("host");
                if (Files.exists(record)) {
                    layers.add(Files.readString(record).trim());
                }
            }
        }
        return layers;
    }

    /** An instance dir stamped as this (live) JVM's, recording {@code layer}, or, if null, of a version without records. */
    private static Path liveInstance(Path instances, String layer) throws IOException {
        Path dir = Files.createDirectory(
                instances.resolve("p" + ProcessHandle.current().pid() + "efake" + (layer == null ? "older" : "other")));
        Files.writeString(dir.resolve("owner"), DeadEngines.ownerStamp(ProcessHandle.current()));
        if (layer != null) {
            Files.writeString(
                    Files.createDirectory(dir.resolve(ImageRecords.DIR)).resolve("host"), layer);
        }
        return dir;
    }

    /**
     * Issue 10, item 6: a syscall name the installed libseccomp does not know is left out of its
     * profile; that was collected but never logged. An engine with such a profile says so at start.
     */
    @Test
    void unknownSyscallNamesInAProfileAreLoggedAtStartUp() throws IOException {
        Path profiles = Files.createTempDirectory(stateDir, "profiles");
        Files.createDirectories(profiles.resolve("seccomp"));
        Files.copy(PROJECT.resolve("sandbox-profiles/seccomp/default.json"), profiles.resolve("seccomp/default.json"));
        Files.writeString(profiles.resolve("seccomp/odd.json"), """
                {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                  {"names": ["ptrace", "no_such_call_2099"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
                """);
        Files.createSymbolicLink(profiles.resolve("images"), PROJECT.resolve("sandbox-profiles/images"));
        List<String> logged = new CopyOnWriteArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(EngineBootstrap.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record.getLevel() + " " + new SimpleFormatter().formatMessage(record));
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        log.addHandler(capture);
        EngineConfig project = EngineConfig.forProject(PROJECT, stateDir);
        EngineConfig config = new EngineConfig(
                project.launcherBinary(),
                stateDir,
                profiles,
                project.uidBase(),
                project.idRanges(),
                project.idLockDir());
        try (LinuxSandboxEngine other = LinuxSandboxEngine.start(config)) {
            assertEquals(List.of("default", "odd"), other.info().seccompProfiles());
        } finally {
            log.removeHandler(capture);
        }
        assertTrue(
                logged.stream()
                        .anyMatch(l ->
                                l.startsWith("WARN") && l.contains("odd.json") && l.contains("'no_such_call_2099'")),
                logged::toString);
    }
}
