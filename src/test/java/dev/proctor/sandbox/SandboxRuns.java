package dev.proctor.sandbox;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.linux.Syscalls;
import dev.proctor.testsupport.Probes;
import dev.proctor.testsupport.TestStateDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * One real engine per test class (fresh state directory), work directories closed after each
 * test, and the C probes of src/test/c compiled on the host. Every program a test runs, runs
 * inside the sandbox: only the compiler runs on the host.
 */
abstract class SandboxRuns {

    static final long MIB = Limits.MIB;
    /**
     * Limits far above what a run that is not about limits needs (a shell line, a Python snippet, a
     * probe): 10 s of CPU, 30 s of wall time. A busy machine must never turn such a run into a time
     * limit; tests about one limit set that one tight and the others at least five times what the
     * program needs.
     */
    static final Limits ROOMY =
            new Limits(Duration.ofSeconds(10), Duration.ofSeconds(30), 256 * MIB, 64, MIB, 64 * MIB, 1.0);

    static final Path PROJECT = Path.of(System.getProperty("proctor.project-dir", "."))
            .toAbsolutePath()
            .normalize();

    static Path stateDir;
    static LinuxSandboxEngine engine;

    private final List<Workdir> workdirs = new ArrayList<>();

    @BeforeAll
    static void startEngine() throws IOException {
        requireKernel(
                Syscalls.isRoot() && "Linux".equals(System.getProperty("os.name")),
                "the sandbox needs root on Linux (namespaces, cgroups, overlay mounts)");
        stateDir = TestStateDirs.create("engine-");
        engine = LinuxSandboxEngine.start(EngineConfig.forProject(PROJECT, stateDir));
    }

    @AfterAll
    static void stopEngine() throws IOException {
        if (engine != null) {
            engine.close();
            engine = null;
        }
        TestStateDirs.removeAfterEngines(stateDir);
    }

    @AfterEach
    void closeWorkdirs() {
        workdirs.forEach(Workdir::close);
        workdirs.clear();
    }

    Workdir workdir() {
        return workdir(64 * MIB);
    }

    Workdir workdir(long sizeBytes) {
        Workdir w = engine.createWorkdir(sizeBytes);
        workdirs.add(w);
        return w;
    }

    static Limits limits(Duration cpu, Duration wall, long memoryBytes, int pids) {
        return new Limits(cpu, wall, memoryBytes, pids, MIB, 64 * MIB, 1.0);
    }

    static RunResult run(Workdir w, Limits limits, String... argv) {
        return engine.run(RunSpec.simple(w, List.of(argv), limits));
    }

    static RunResult sh(Workdir w, String script) {
        return run(w, ROOMY, "/bin/sh", "-c", script);
    }

    static RunResult python(Workdir w, String script) {
        return run(w, ROOMY, "/usr/bin/python3", "-c", script);
    }

    static RunSpec withNetwork(RunSpec s, NetworkMode network) {
        return with(s, network, s.sampleInterval());
    }

    static RunSpec withSampling(RunSpec s, Duration every) {
        return with(s, s.network(), every);
    }

    private static RunSpec with(RunSpec s, NetworkMode network, Duration sampleInterval) {
        return new RunSpec(
                s.image(),
                s.argv(),
                s.env(),
                s.workdir(),
                s.stdin(),
                s.limits(),
                s.seccompProfile(),
                network,
                sampleInterval);
    }

    /**
     * A host file a run may be shown ({@link RunSpec.HostFile}): {@code content} in the state dir (removed with it),
     * readable by others as the engine requires, written through to the disk (its pages clean) and read back (its
     * pages in the page cache).
     */
    static Path hostFile(String prefix, byte[] content) throws IOException {
        Path file = Files.createTempFile(stateDir, prefix, ".bin");
        try (FileChannel f = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (ByteBuffer b = ByteBuffer.wrap(content); b.hasRemaining(); ) {
                f.write(b);
            }
            f.force(true);
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Files.readAllBytes(file);
        return file;
    }

    /**
     * The host's sysfs directory of the block device that holds {@code file} ({@code /sys/dev/block/MAJ:MIN}, the
     * device number split as glibc's {@code major()} and {@code minor()} do); absent when the file is on no block
     * device (tmpfs, overlay: major 0).
     */
    static Path blockDevice(Path file) throws IOException {
        long dev = (long) Files.getAttribute(file, "unix:dev");
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & 0xfffff000L);
        long minor = (dev & 0xff) | ((dev >>> 12) & 0xffffff00L);
        return Path.of("/sys/dev/block", major + ":" + minor);
    }

    /** Compiles src/test/c/NAME.c on the host (once per test JVM) and copies it into the workdir as ./NAME. */
    static void installProbe(Workdir w, String name) {
        w.writeFile(name, Probes.binary(name), true);
    }

    /**
     * Python lines a held run ends its script with: it says "ready" in /box, then waits (at most
     * 30 s) for the test to write "go" there, holding whatever it opened meanwhile.
     */
    static final String HOLD = """
            open('/box/ready', 'w').close()
            import time as _t
            _deadline = _t.monotonic() + 30
            while not __import__('os').path.exists('/box/go') and _t.monotonic() < _deadline:
                _t.sleep(0.01)
            """;

    /** Starts a python run that will hold (see {@link #HOLD}) with wide limits. */
    static CompletableFuture<RunResult> startHeld(Workdir w, String script) {
        return startHeld(w, script, "");
    }

    /** Starts a python run that runs {@code before}, holds, then runs {@code after}. */
    static CompletableFuture<RunResult> startHeld(Workdir w, String before, String after) {
        return CompletableFuture.supplyAsync(heldRun(w, before, after));
    }

    /**
     * As {@link #startHeld(Workdir, String, String)}, on {@code executor}: a test holding more runs at once than
     * the common pool has free workers (earlier tests in the same JVM may keep some busy) gives each its own
     * thread, or the last ones would only start once the first were let go.
     */
    static CompletableFuture<RunResult> startHeld(Workdir w, String before, String after, Executor executor) {
        return CompletableFuture.supplyAsync(heldRun(w, before, after), executor);
    }

    private static Supplier<RunResult> heldRun(Workdir w, String before, String after) {
        Limits wide = new Limits(Duration.ofSeconds(20), Duration.ofSeconds(40), 256 * MIB, 16, MIB, 64 * MIB, 1.0);
        return () -> run(w, wide, "/usr/bin/python3", "-c", before + HOLD + after);
    }

    /** A process's /proc/PID/status (or another /proc directory's), field by field. */
    static Map<String, String> procStatus(Path proc) throws IOException {
        Map<String, String> fields = new TreeMap<>();
        for (String line : Files.readAllLines(proc.resolve("status"))) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return fields;
    }

    /** A host process's /proc/PID/status, field by field. */
    static Map<String, String> procStatus(long pid) throws IOException {
        return procStatus(Path.of("/proc", Long.toString(pid)));
    }

    /** A host process's parent, from its status. */
    static long parentOf(long pid) throws IOException {
        return Long.parseLong(procStatus(pid).get("PPid"));
    }

    /** The supervisor of a run, from its job's host pid: the job's pid 1's parent. */
    static long supervisorOf(long jobPid) throws IOException {
        return parentOf(parentOf(jobPid));
    }

    /** The host pid of the one process whose command line holds {@code marker}: a held run's job. */
    static long jobWith(String marker) {
        List<Long> found = hostProcessesWith(marker);
        assertEquals(1, found.size(), () -> "processes with " + marker + ": " + found);
        return found.get(0);
    }

    /** Polls (to a 30 s deadline) until the held run said ready; fails with its result if it ended first. */
    static void awaitReady(Workdir w, CompletableFuture<RunResult> run) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(w.path().resolve("ready")) && !run.isDone() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        assertTrue(
                Files.exists(w.path().resolve("ready")),
                () -> run.isDone() ? "the run ended first: " + describe(run.join()) : "not ready in 30 s");
    }

    /** Lets a held run end and returns its result. */
    static RunResult release(Workdir w, CompletableFuture<RunResult> run) {
        w.writeFile("go", new byte[0], false);
        try {
            return run.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the held run did not end", e);
        }
    }

    static String out(RunResult r) {
        return new String(r.stdout(), StandardCharsets.UTF_8);
    }

    static String err(RunResult r) {
        return new String(r.stderr(), StandardCharsets.UTF_8);
    }

    /** Asserts the run ended OK and returns its stdout; the message shows everything on failure. */
    static String okOut(RunResult r) {
        assertEquals(RunStatus.OK, r.status(), () -> describe(r));
        return out(r);
    }

    static String describe(RunResult r) {
        return "status=" + r.status() + " exit=" + r.exitCode() + " signal=" + r.signal() + " message=" + r.message()
                + "\nusage=" + r.usage() + "\nstdout=" + abbreviate(out(r)) + "\nstderr=" + abbreviate(err(r));
    }

    private static String abbreviate(String s) {
        return s.length() > 2000 ? s.substring(0, 2000) + "…" : s;
    }

    /** What {@link #hostProcesses} asks of a process's /proc directory; an IOException: it ended meanwhile. */
    interface ProcessTest {
        boolean test(Path proc) throws IOException;
    }

    /** Host pids whose /proc directory {@code test} accepts; a process that ends during the scan is left out. */
    static List<Long> hostProcesses(ProcessTest test) {
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : procs) {
                try {
                    if (test.test(p)) {
                        found.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // a process that ended during the scan
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /** What a process's descriptors point to, from its /proc directory (a descriptor closed while listed: "?"). */
    static List<String> openFiles(Path proc) throws IOException {
        try (Stream<Path> list = Files.list(proc.resolve("fd"))) {
            return list.map(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).toString();
                        } catch (IOException e) {
                            return "?";
                        }
                    })
                    .toList();
        }
    }

    /** Host pids whose command line contains {@code marker} (this JVM's own never does). */
    static List<Long> hostProcessesWith(String marker) {
        byte[] needle = marker.getBytes(StandardCharsets.UTF_8);
        return hostProcesses(p -> indexOf(Files.readAllBytes(p.resolve("cmdline")), needle) >= 0);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The engine's launcher server: the child of this JVM running {@code proctor-launcher serve} in its state dir. */
    static ProcessHandle launcherServer() {
        return ProcessHandle.current()
                .children()
                .filter(p -> p.info().command().orElse("").endsWith("proctor-launcher"))
                .filter(p -> p.info()
                        .arguments()
                        .map(a -> String.join(" ", a).contains(stateDir.toString()))
                        .orElse(false))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the engine's launcher server is not a child of this JVM"));
    }

    /** The server's children whose name (comm) is one of {@code names}: "proctor-idle", "proctor-kept", "proctor-sup". */
    static Set<Long> supervisorsNamed(ProcessHandle server, String... names) {
        Set<String> wanted = Set.of(names);
        Set<Long> found = new HashSet<>();
        for (ProcessHandle p : server.children().toList()) {
            if (wanted.contains(comm(p.pid()))) {
                found.add(p.pid());
            }
        }
        return found;
    }

    /** A host process's name ({@code /proc/PID/comm}), or "" once it is gone. */
    static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "comm"), StandardCharsets.UTF_8)
                    .strip();
        } catch (IOException gone) {
            return "";
        }
    }
}
