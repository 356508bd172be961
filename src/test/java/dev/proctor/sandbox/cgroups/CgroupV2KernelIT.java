package dev.proctor.sandbox.cgroups;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.EngineConfig;
import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.accounting.CgroupStats;
import dev.proctor.sandbox.accounting.KeyValueParser;
import dev.proctor.sandbox.ids.HostIdRanges;
import dev.proctor.sandbox.launcher.LaunchConnection;
import dev.proctor.sandbox.launcher.LaunchReport;
import dev.proctor.sandbox.launcher.LaunchRequest;
import dev.proctor.sandbox.launcher.LauncherServer;
import dev.proctor.sandbox.linux.Syscalls;
import dev.proctor.sandbox.rootfs.HostImageBuilder;
import dev.proctor.sandbox.rootfs.Image;
import dev.proctor.sandbox.seccomp.SeccompProfiles;
import dev.proctor.testsupport.Probes;
import dev.proctor.testsupport.TestStateDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The v2 driver and the launcher's CLONE_INTO_CGROUP path on the live kernel, where the host has a
 * cgroup2 hierarchy: on a hybrid v1 host that is the unified hierarchy, which offers no controller,
 * so only what needs none runs here ({@link CgroupV2Driver#withoutControllers}): a run cgroup, a
 * process born into it, CPU accounting from cpu.stat, cgroup.events, cgroup.kill, removal. Limits
 * (memory.max, pids.max, cpu.max) and their accounting are checked against recorded files in
 * {@link CgroupV2DriverTest}. Everything is created below this process's own cgroup2 cgroup.
 */
class CgroupV2KernelIT {

    private static final Path PROJECT = Path.of(System.getProperty("proctor.project-dir", "."))
            .toAbsolutePath()
            .normalize();
    private static final String RUNS =
            "proctor-v2-it-" + ProcessHandle.current().pid();
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final long NO_CPU_LIMIT = 30_000_000;

    private final List<Process> started = new ArrayList<>();
    private Path own;
    private CgroupV2Driver driver;
    private Path state;
    private LauncherServer launcher;
    private HostIdRanges.Lease idLease;

    @BeforeEach
    void requireUnifiedHierarchy() {
        requireKernel(Syscalls.isRoot(), "not root: cgroups cannot be created");
        own = new CgroupDetector().unifiedOwnDir().orElse(null);
        requireKernel(own != null, "no cgroup2 hierarchy is mounted (a cgroup v1-only host)");
        driver = CgroupV2Driver.withoutControllers(own, RUNS);
        requireKernel(
                Files.exists(driver.runsDir().resolve("cgroup.kill")),
                "cgroup.kill missing in " + driver.runsDir() + ": Linux 5.14 or newer is needed");
    }

    @AfterEach
    void removeEverything() {
        started.forEach(Process::destroyForcibly);
        if (launcher != null) {
            launcher.close();
        }
        if (idLease != null) {
            idLease.close();
        }
        if (driver != null) {
            driver.removeRunsDir();
            assertFalse(Files.exists(driver.runsDir()), driver.runsDir() + " left behind");
        }
        TestStateDirs.removeAfterEngines(state);
    }

    @Test
    void aRunCgroupHasTheCoreFilesAndNoLimitIsPretended() {
        RunCgroup run = driver.createWithoutLimits("core");
        Path dir = run.cgroupDir();
        assertEquals(own.resolve(RUNS).resolve("core"), dir);
        for (String core : List.of("cgroup.procs", "cgroup.events", "cgroup.kill", "cpu.stat")) {
            assertTrue(Files.exists(dir.resolve(core)), core + " missing in " + dir);
        }
        assertTrue(run.isEmpty());
        assertNull(run.memoryCurrentFile());
        boolean memoryController = Files.exists(dir.resolve("memory.max"));
        if (!memoryController) {
            // the hybrid host's unified hierarchy: limits cannot be set, and the driver says so
            assertThrows(CgroupException.class, () -> driver.create("limited", Limits.defaults()));
            assertFalse(Files.exists(dir.resolveSibling("limited")));
        }
        run.close();
        assertFalse(Files.exists(dir), dir + " not removed");
    }

    /**
     * The launcher's own path: clone3 with CLONE_INTO_CGROUP puts pid 1 of the run (and so the
     * job) into the run cgroup from birth; the cgroup's usage_usec then matches the CPU the probe
     * measured itself burning, and the launcher reads the same counter in the v2 format.
     */
    @Test
    void theLauncherStartsTheRunInItsCgroupAndItsCpuIsAccounted() throws Exception {
        RunCgroup run = driver.createWithoutLimits("burn");
        LaunchReport report =
                launch(run, NO_CPU_LIMIT, "./cpu_burn", "for", "500").awaitReport();

        assertNull(report.error(), report::toString);
        assertEquals(0, report.exitCode(), report::toString);
        Matcher m = Pattern.compile("cpu_us=(\\d+)").matcher(stdout());
        assertTrue(m.find(), stdout());
        long probe = Long.parseLong(m.group(1));
        long tolerance = Math.max(probe / 20, 20_000);
        CgroupStats stats = run.readStats();
        assertTrue(
                Math.abs(stats.cpuUsageMicros() - probe) <= tolerance,
                "cgroup " + stats.cpuUsageMicros() + " µs vs probe " + probe + " µs");
        assertTrue(
                Math.abs(report.cpuMicros() - stats.cpuUsageMicros()) <= tolerance,
                "launcher read " + report.cpuMicros() + " µs, cgroup says " + stats.cpuUsageMicros() + " µs");
        assertEquals(stats.cpuUserMicros() + stats.cpuSystemMicros(), stats.cpuUsageMicros(), 1_000);
        assertEquals(-1, stats.memoryPeakBytes());
        assertTrue(run.isEmpty(), "cgroup.events: populated 0 once the run is over");
        run.close();
    }

    /**
     * The CPU-time limit needs no controller: the supervisor watches the run cgroup's usage_usec and
     * kills the run once it passes the limit (CPU of every process of the run counts).
     */
    @Test
    void theLauncherEndsARunAtItsCpuLimitFromTheCgroupCounter() throws Exception {
        RunCgroup run = driver.createWithoutLimits("cpu-limit");
        LaunchReport report = launch(run, 300_000, "./cpu_burn", "forks", "2").awaitReport();

        assertEquals(LaunchReport.KilledBy.CPU, report.killedBy(), report::toString);
        long usage = run.readStats().cpuUsageMicros();
        // the watch looks every 10 ms, two children spin meanwhile, and a busy host delays the watch
        assertTrue(usage >= 300_000 && usage < 450_000, "usage " + usage + " µs; " + report);
        assertTrue(run.isEmpty());
        run.close();
    }

    /**
     * A run that forks spinning children is seen in cgroup.procs and as populated 1 in
     * cgroup.events; cgroup.kill ends it all at once (the supervisor only reports pid 1's SIGKILL, it
     * did not kill), and cgroup.events goes to populated 0.
     */
    @Test
    void cgroupKillEndsALaunchedRunAndEventsGoFromPopulatedToEmpty() throws Exception {
        RunCgroup run = driver.createWithoutLimits("tree");
        Path procs = run.cgroupDir().resolve("cgroup.procs");
        try (LaunchConnection conn = launch(run, NO_CPU_LIMIT, "./cpu_burn", "forks", "2")) {
            CompletableFuture<LaunchReport> report = CompletableFuture.supplyAsync(conn::awaitReport);
            // pid 1, the job and its two children
            assertTrue(
                    poll(() -> new CgroupFs().pids(procs).size() == 4),
                    "the run's 4 processes in " + procs + ": " + new CgroupFs().pids(procs));
            assertEquals(1, populated(run));
            List<Integer> pids = new CgroupFs().pids(procs);

            run.killAll();

            assertEquals(0, populated(run));
            LaunchReport r = report.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            assertEquals(Syscalls.SIGKILL, r.signal(), r::toString);
            assertEquals(LaunchReport.KilledBy.NONE, r.killedBy(), r::toString);
            for (int pid : pids) {
                assertTrue(poll(() -> gone(pid)), "pid " + pid + " survived cgroup.kill");
            }
            assertTrue(run.readStats().cpuUsageMicros() > 0);
        }
        run.close();
        assertFalse(Files.exists(run.cgroupDir()));
    }

    /** Without a pid namespace to end it, only cgroup.kill reaches a setsid'd grandchild. */
    @Test
    void cgroupKillKillsAHostProcessTreeWithItsSetsidGrandchild() throws Exception {
        RunCgroup run = driver.createWithoutLimits("host-tree");
        Process shell = startInside(run);
        Path procs = run.cgroupDir().resolve("cgroup.procs");
        assertTrue(poll(() -> sleepers(procs).size() == 2), "two sleeps never appeared in " + procs);
        List<Integer> pids = sleepers(procs);
        assertEquals(1, populated(run));

        run.killAll();

        assertEquals(0, populated(run));
        assertTrue(shell.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        assertEquals(128 + Syscalls.SIGKILL, shell.exitValue());
        for (int pid : pids) {
            assertTrue(poll(() -> gone(pid)), "pid " + pid + " survived cgroup.kill");
        }
        run.close();
        assertFalse(Files.exists(run.cgroupDir()));
    }

    @Test
    void cleanupStaleKillsAndRemovesWhatACrashedServiceLeft() throws Exception {
        driver.createWithoutLimits("stale-1");
        RunCgroup busy = driver.createWithoutLimits("stale-2");
        Process shell = startInside(busy);
        Path procs = busy.cgroupDir().resolve("cgroup.procs");
        assertTrue(poll(() -> sleepers(procs).size() == 2), "two sleeps never appeared in " + procs);

        CgroupV2Driver restarted = CgroupV2Driver.withoutControllers(own, RUNS);
        assertEquals(2, restarted.cleanupStale());

        assertTrue(shell.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        assertEquals(List.of(), new CgroupFs().children(restarted.runsDir()));
    }

    /** A shell that moves itself into the run (v2: "0" into cgroup.procs), with a setsid'd grandchild. */
    private Process startInside(RunCgroup run) throws IOException {
        Process process = new ProcessBuilder(
                        "/bin/sh",
                        "-c",
                        "echo 0 > \"$1\"; setsid sleep 100 & exec sleep 100",
                        "sh",
                        run.cgroupDir().resolve("cgroup.procs").toString())
                .redirectErrorStream(true)
                .start();
        started.add(process);
        return process;
    }

    /**
     * Starts a run of {@code argv} through the real launcher, born into {@code run}'s cgroup; its wall
     * limit is a minute, its CPU limit {@code cpuLimitMicros}.
     */
    private LaunchConnection launch(RunCgroup run, long cpuLimitMicros, String... argv) throws IOException {
        state = TestStateDirs.create("v2-");
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx--x--x"));
        Image host = new HostImageBuilder(Path.of("/"))
                .buildIfStale(state.resolve("images"))
                .image();
        Path box = Files.createDirectories(state.resolve("box"));
        Files.setPosixFilePermissions(box, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.write(box.resolve("cpu_burn"), Probes.binary("cpu_burn"));
        Files.setPosixFilePermissions(box.resolve("cpu_burn"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path runDir = Files.createDirectories(state.resolve("run/mnt")).getParent();
        Path bpf = Files.write(
                state.resolve("default.bpf"),
                new SeccompProfiles(PROJECT.resolve("sandbox-profiles/seccomp")).program("default"));
        launcher = LauncherServer.start(PROJECT.resolve("target/native/proctor-launcher"), state.resolve("l.sock"));

        // a host id range of its own, leased like an engine's (no other job on the host has it)
        EngineConfig ec = EngineConfig.forProject(PROJECT, state);
        idLease = new HostIdRanges(ec.uidBase(), ec.idRanges(), ec.idLockDir()).lease();
        LaunchRequest r = new LaunchRequest()
                .put("id", "v2-it")
                .put("run_dir", runDir.resolve("mnt").toString())
                .put("box", box.toString())
                .put("box_overlay", 0)
                .put("uid_base", idLease.range().first())
                .put("stdin", "")
                .put("stdout", runDir.resolve("stdout").toString())
                .put("stderr", runDir.resolve("stderr").toString())
                .put("seccomp", bpf.toString())
                .put("hostname", "proctor")
                .put("network", "none")
                .put("disk_bytes", 16 * Limits.MIB)
                .put("disk_inodes", Limits.inodesFor(16 * Limits.MIB))
                .put("rlimit_fsize", 17 * Limits.MIB)
                .put("output_max", 64 * 1024)
                .put("cpu_limit_us", cpuLimitMicros)
                .put("wall_limit_us", 60_000_000)
                .put("sample_us", 0)
                .put("rlimit_cpu_s", cpuLimitMicros / 1_000_000 + 2)
                .put("rlimit_stack", 64 * Limits.MIB)
                .put("rlimit_nofile", 64)
                .put("cpu_file", run.cpuUsageFile().toString())
                .put("cpu_format", "usec")
                .put("cgroup_dir", run.cgroupDir().toString())
                .put("env", "PATH=/usr/bin:/bin");
        host.layers().forEach(layer -> r.put("layer", layer.toString()));
        host.binds().forEach(b -> r.put("bind", b.source() + "\t" + b.target() + "\t" + (b.readOnly() ? "ro" : "rw")));
        host.readOnlyPaths().forEach(ro -> r.put("ro", ro));
        for (String arg : argv) {
            r.put("arg", arg);
        }
        return launcher.open(r, -1);
    }

    private String stdout() throws IOException {
        return Files.readString(state.resolve("run/stdout"), StandardCharsets.UTF_8);
    }

    private static long populated(RunCgroup run) {
        return KeyValueParser.get(
                KeyValueParser.parse(new CgroupFs().read(run.cgroupDir().resolve("cgroup.events"))), "populated");
    }

    private static List<Integer> sleepers(Path procs) {
        return new CgroupFs()
                .pids(procs).stream().filter(pid -> comm(pid).equals("sleep")).toList();
    }

    private static String comm(int pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** Gone or a zombie: either way it runs no more. */
    private static boolean gone(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }

    private static boolean poll(BooleanSupplier done) {
        return CgroupFs.pollUntil(done, DEADLINE);
    }
}
