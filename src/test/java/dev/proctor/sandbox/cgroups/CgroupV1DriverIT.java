package dev.proctor.sandbox.cgroups;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.accounting.CgroupStats;
import dev.proctor.sandbox.linux.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The v1 driver on the live kernel: limits land in the files, a real process (and a setsid'd
 * grandchild) is killed, directories are removed. Runs go below a directory of this test's own
 * so a service running on the same host never sees them cleaned up.
 */
class CgroupV1DriverIT {

    private static final String RUNS =
            "proctor-runs-it-" + ProcessHandle.current().pid();
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final CgroupDetector detector = new CgroupDetector();
    private final List<Process> started = new ArrayList<>();
    private CgroupLayout layout;
    private CgroupV1Driver driver;

    @BeforeEach
    void requireV1AsRoot() {
        requireKernel(Syscalls.isRoot(), "not root: cgroups cannot be created");
        layout = detector.layout();
        requireKernel(layout.version() == CgroupVersion.V1, "not a cgroup v1 host (this is " + layout.version() + ")");
        assertEquals(List.of(), detector.problems());
        driver = (CgroupV1Driver) detector.driver(RUNS);
    }

    @AfterEach
    void removeEverything() throws IOException {
        started.forEach(Process::destroyForcibly);
        if (driver != null) {
            driver.cleanupStale();
            for (Path own : layout.v1DistinctDirs()) {
                Files.deleteIfExists(own.resolve(RUNS));
            }
        }
    }

    @Test
    void limitsAreWrittenToTheKernel() throws IOException {
        Limits limits = new Limits(
                Duration.ofSeconds(1), Duration.ofSeconds(2), 64 * Limits.MIB, 17, Limits.MIB, Limits.MIB, 1.5);
        try (RunCgroup run = driver.create("limits", limits)) {
            Path memory = layout.v1OwnDirs().get("memory").resolve(RUNS).resolve("limits");
            Path cpu = layout.v1OwnDirs().get("cpu").resolve(RUNS).resolve("limits");
            Path pids = layout.v1OwnDirs().get("pids").resolve(RUNS).resolve("limits");
            assertEquals("67108864", read(memory.resolve("memory.limit_in_bytes")));
            assertEquals("67108864", read(memory.resolve("memory.memsw.limit_in_bytes")));
            assertTrue(read(memory.resolve("memory.oom_control")).contains("oom_kill_disable 0"));
            assertEquals("17", read(pids.resolve("pids.max")));
            assertEquals("100000", read(cpu.resolve("cpu.cfs_period_us")));
            assertEquals("150000", read(cpu.resolve("cpu.cfs_quota_us")));
            assertEquals(layout.v1DistinctDirs().size(), run.attachFiles().size());
            assertTrue(run.attachFiles().stream().allMatch(Files::isWritable));
            assertTrue(Files.isReadable(run.cpuUsageFile()));
            assertTrue(Files.isReadable(run.memoryCurrentFile()));
            assertEquals(List.of(), driver.problems());
        }
    }

    @Test
    void killAllKillsTheRunAndItsSetsidGrandchildThenCloseRemovesTheDirectories() throws Exception {
        RunCgroup run = driver.create("kill", Limits.defaults());
        Process shell = startInside(run);
        Path procs = layout.v1OwnDirs().get("memory").resolve(RUNS).resolve("kill/cgroup.procs");
        assertTrue(poll(() -> sleepers(procs).size() == 2), "two sleeps never appeared in " + procs);
        List<Integer> pids = sleepers(procs);
        assertFalse(run.isEmpty());

        run.killAll();

        assertTrue(run.isEmpty());
        assertTrue(shell.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        assertEquals(128 + Syscalls.SIGKILL, shell.exitValue());
        for (int pid : pids) {
            assertTrue(poll(() -> gone(pid)), "pid " + pid + " survived killAll");
        }
        CgroupStats stats = run.readStats();
        assertTrue(stats.pidsPeak() >= 2, stats.toString());
        assertTrue(stats.cpuUsageMicros() > 0, stats.toString());
        run.close();
        for (Path tasks : run.attachFiles()) {
            assertFalse(Files.exists(tasks.getParent()), tasks.getParent() + " left behind");
        }
    }

    @Test
    void cleanupStaleKillsAndRemovesWhatACrashedServiceLeft() throws Exception {
        driver.create("stale-1", Limits.defaults());
        RunCgroup busy = driver.create("stale-2", Limits.defaults());
        Process shell = startInside(busy);
        Path procs = layout.v1OwnDirs().get("pids").resolve(RUNS).resolve("stale-2/cgroup.procs");
        assertTrue(poll(() -> sleepers(procs).size() == 2), "two sleeps never appeared in " + procs);

        CgroupV1Driver restarted = (CgroupV1Driver) detector.driver(RUNS);
        assertEquals(2, restarted.cleanupStale());

        assertTrue(shell.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        for (Path own : layout.v1DistinctDirs()) {
            try (var left = Files.list(own.resolve(RUNS))) {
                assertEquals(List.of(), left.filter(Files::isDirectory).toList());
            }
        }
    }

    /** A harmless sleep that moves itself into the run, and a setsid'd grandchild that inherits it. */
    private Process startInside(RunCgroup run) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                "/bin/sh", "-c", "for f in \"$@\"; do echo 0 > \"$f\"; done; setsid sleep 100 & exec sleep 100", "sh"));
        run.attachFiles().forEach(tasks -> command.add(tasks.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        started.add(process);
        return process;
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

    private static String read(Path file) throws IOException {
        return Files.readString(file).trim();
    }
}
