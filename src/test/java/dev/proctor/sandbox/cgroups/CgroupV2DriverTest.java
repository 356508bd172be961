package dev.proctor.sandbox.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.accounting.CgroupStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The v2 driver against a fake cgroupfs in a temp dir: the live v2 path cannot run on the v1 hosts
 * this project is built on, so what is checked here is which files get which values, and that
 * stats are read from the right files.
 */
class CgroupV2DriverTest {

    private static final String SELF = Long.toString(ProcessHandle.current().pid());

    @TempDir
    Path root;

    private Path own;
    private FakeCgroupFs fs;

    /**
     * The control files the fake kernel makes in every new cgroup: those of the cpu, memory and pids controllers,
     * with io's ({@code io.max}) when {@code io}.
     */
    private static Map<String, String> controlFiles(boolean io) {
        Map<String, String> files = new LinkedHashMap<>();
        for (String name : List.of(
                "cgroup.procs",
                "cgroup.kill",
                "cgroup.subtree_control",
                "memory.max",
                "memory.swap.max",
                "memory.oom.group",
                "pids.max",
                "cpu.max")) {
            files.put(name, "");
        }
        if (io) {
            files.put("io.max", "");
        }
        files.put("cgroup.controllers", io ? "cpu io memory pids\n" : "cpu memory pids\n");
        files.put("cgroup.events", "populated 0\nfrozen 0\n");
        return files;
    }

    @BeforeEach
    void ownCgroupHoldsTheService() throws IOException {
        fs = new FakeCgroupFs(root, controlFiles(false));
        own = root.resolve("system.slice/proctor.service");
        Files.createDirectories(own);
        Files.writeString(own.resolve("cgroup.procs"), SELF + "\n");
        Files.writeString(own.resolve("cgroup.subtree_control"), "");
        Files.writeString(own.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
    }

    @Test
    void openMovesTheServiceIntoItsLeafAndEnablesControllers() throws IOException {
        CgroupV2Driver driver = CgroupV2Driver.open(own, "proctor-runs", fs);

        assertEquals(
                SELF,
                Files.readString(own.resolve("proctor-service/cgroup.procs")).trim());
        assertEquals("", Files.readString(own.resolve("cgroup.procs")));
        assertEquals("+cpu +memory +pids", Files.readString(own.resolve("cgroup.subtree_control")));
        assertEquals("+cpu +memory +pids", Files.readString(own.resolve("proctor-runs/cgroup.subtree_control")));
        assertEquals(own.resolve("proctor-runs"), driver.runsDir());
        assertEquals("v2", driver.version());
    }

    @Test
    void openRefusesToMoveProcessesThatAreNotItsOwn() throws IOException {
        Files.writeString(own.resolve("cgroup.procs"), SELF + "\n4242\n");
        CgroupException e = assertThrows(CgroupException.class, () -> CgroupV2Driver.open(own, "proctor-runs", fs));
        assertTrue(e.getMessage().contains("[4242]"), e.getMessage());
        assertTrue(e.getMessage().contains("delegated cgroup"), e.getMessage());
    }

    @Test
    void createWritesEveryLimit() throws IOException {
        CgroupV2Driver driver = CgroupV2Driver.open(own, "proctor-runs", fs);
        Limits limits = new Limits(
                Duration.ofSeconds(1), Duration.ofSeconds(3), 64 * Limits.MIB, 32, Limits.MIB, 64 * Limits.MIB, 1.5);

        RunCgroup run = driver.create("run-1", limits);

        Path dir = own.resolve("proctor-runs/run-1");
        assertEquals(dir, run.cgroupDir());
        assertEquals(List.of(), run.attachFiles());
        assertEquals(Long.toString(64 * Limits.MIB), Files.readString(dir.resolve("memory.max")));
        assertEquals("0", Files.readString(dir.resolve("memory.swap.max")));
        assertEquals("1", Files.readString(dir.resolve("memory.oom.group")));
        assertEquals("32", Files.readString(dir.resolve("pids.max")));
        assertEquals("150000 100000", Files.readString(dir.resolve("cpu.max")));
        assertEquals(dir.resolve("cpu.stat"), run.cpuUsageFile());
        assertEquals(dir.resolve("memory.current"), run.memoryCurrentFile());
    }

    /** Every io.max line and subtree_control write a driver makes, in order (a line per device goes to one file). */
    private FakeCgroupFs recording(List<String> written) {
        return new FakeCgroupFs(root, controlFiles(true)) {
            @Override
            void write(Path file, String value) {
                String name = file.getFileName().toString();
                if (name.equals("io.max") || name.equals("cgroup.subtree_control")) {
                    written.add(root.relativize(file) + " " + value);
                }
                if (!name.equals("cgroup.subtree_control")) {
                    super.write(file, value);
                    return;
                }
                // as the kernel: "+c" enables c beside those enabled, which the file then lists by name
                java.util.Set<String> on =
                        new java.util.LinkedHashSet<>(List.of(read(file).trim().split("\\s+")));
                on.remove("");
                for (String change : value.trim().split("\\s+")) {
                    if (change.startsWith("+")) {
                        on.add(change.substring(1));
                    } else if (change.startsWith("-")) {
                        on.remove(change.substring(1));
                    }
                }
                super.write(file, String.join(" ", on));
            }
        };
    }

    @Test
    void whereTheIoControllerIsOfferedEveryRunsDiskReadsAreThrottledOnEveryDevice() {
        List<String> written = new java.util.ArrayList<>();
        FakeCgroupFs io = recording(written);
        DiskReadLimit limit = new DiskReadLimit(4 * Limits.MIB, 0, List.of("8:0", "254:0"));

        CgroupV2Driver driver = CgroupV2Driver.open(own, "proctor-runs", io, limit);
        driver.create("run-1", Limits.defaults());

        String base = root.relativize(own).toString();
        assertEquals(
                List.of(
                        base + "/cgroup.subtree_control +cpu +memory +pids",
                        base + "/proctor-runs/cgroup.subtree_control +cpu +memory +pids",
                        base + "/cgroup.subtree_control +io",
                        base + "/proctor-runs/cgroup.subtree_control +io",
                        base + "/proctor-runs/run-1/io.max 8:0 rbps=4194304 riops=max",
                        base + "/proctor-runs/run-1/io.max 254:0 rbps=4194304 riops=max"),
                written);

        // opened again (a restart): io is on already, nothing enabled twice
        written.clear();
        CgroupV2Driver.open(own, "proctor-runs", io, limit).create("run-2", Limits.defaults());
        assertEquals(
                List.of(
                        base + "/proctor-runs/run-2/io.max 8:0 rbps=4194304 riops=max",
                        base + "/proctor-runs/run-2/io.max 254:0 rbps=4194304 riops=max"),
                written);
    }

    /**
     * A device whose io.max line the kernel refuses (no throttling queue) is left out of every run's cgroup and
     * reported once for the driver's life, as on v1; the other devices keep their lines in every cgroup.
     */
    @Test
    void aDeviceTheKernelWillNotThrottleIsReportedOnceAndTheOthersKeepTheirLines() {
        List<String> written = new java.util.ArrayList<>();
        FakeCgroupFs recording = recording(written);
        FakeCgroupFs refusing7 = new FakeCgroupFs(root, controlFiles(true)) {
            @Override
            void write(Path file, String value) {
                if (file.getFileName().toString().equals("io.max") && value.startsWith("7:0 ")) {
                    throw new CgroupException("write '" + value + "' to " + file + " failed: No such device");
                }
                recording.write(file, value); // the same tree: the recording fake writes the file
            }
        };
        CgroupV2Driver driver = CgroupV2Driver.open(
                own, "proctor-runs", refusing7, new DiskReadLimit(Limits.MIB, 0, List.of("7:0", "8:0")));

        driver.create("run-1", Limits.defaults());
        driver.create("run-2", Limits.defaults());

        String base = root.relativize(own).toString();
        assertEquals(
                List.of(
                        base + "/proctor-runs/run-1/io.max 8:0 rbps=1048576 riops=max",
                        base + "/proctor-runs/run-2/io.max 8:0 rbps=1048576 riops=max"),
                written.stream().filter(w -> w.contains("io.max")).toList());
        assertEquals(1, driver.problems().size(), driver.problems().toString());
        assertTrue(
                driver.problems().get(0).startsWith("disk reads from device 7:0 not throttled: "),
                driver.problems().get(0));
    }

    @Test
    void whereTheIoControllerCannotBeEnabledRunsGoOnWithoutThrottling() {
        List<String> written = new java.util.ArrayList<>();
        FakeCgroupFs refusing = new FakeCgroupFs(root, controlFiles(true)) {
            @Override
            void write(Path file, String value) {
                if (value.equals("+io")) {
                    throw new CgroupException("write '+io' to " + file + " failed: Device or resource busy");
                }
                written.add(file.getFileName() + " " + value);
                super.write(file, value);
            }
        };

        CgroupV2Driver.open(own, "proctor-runs", refusing, new DiskReadLimit(Limits.MIB, 10, List.of("8:0")))
                .create("run-1", Limits.defaults());

        assertTrue(written.contains("pids.max " + Limits.defaults().maxPids()), written.toString());
        assertTrue(written.stream().noneMatch(w -> w.startsWith("io.max")), written.toString());
    }

    @Test
    void whereTheIoControllerIsNotOfferedRunsGoOnWithoutThrottling() throws IOException {
        Files.writeString(own.resolve("cgroup.controllers"), "cpu memory pids\n");
        List<String> written = new java.util.ArrayList<>();
        FakeCgroupFs io = recording(written);

        CgroupV2Driver.open(own, "proctor-runs", io, new DiskReadLimit(Limits.MIB, 10, List.of("8:0")))
                .create("run-1", Limits.defaults());

        assertTrue(written.stream().noneMatch(w -> w.contains("io")), written.toString());
    }

    @Test
    void createRemovesTheCgroupWhenALimitIsRefused() {
        // a kernel without swap accounting has no memory.swap.max
        FakeCgroupFs noSwap = new FakeCgroupFs(
                root,
                Map.of(
                        "cgroup.procs",
                        "",
                        "cgroup.subtree_control",
                        "",
                        "memory.max",
                        "",
                        "cgroup.events",
                        "populated 0\n"));
        CgroupV2Driver driver = CgroupV2Driver.open(own, "proctor-runs", noSwap);

        CgroupException e = assertThrows(CgroupException.class, () -> driver.create("run-2", Limits.defaults()));

        assertTrue(e.getMessage().contains("memory.swap.max failed: No such file or directory"), e.getMessage());
        assertFalse(Files.exists(own.resolve("proctor-runs/run-2")));
    }

    @Test
    void readsStatsFromTheKernelFiles() throws IOException {
        RunCgroup run = CgroupV2Driver.open(own, "proctor-runs", fs).create("run-3", Limits.defaults());
        for (String name : List.of("cpu.stat", "memory.events", "memory.peak", "pids.peak", "io.stat")) {
            Files.copy(fixture(name), run.cgroupDir().resolve(name));
        }

        CgroupStats stats = run.readStats();

        assertEquals(
                new CgroupStats(
                        1_834_212, 1_201_377, 632_835, 33_554_432, 1, 118, 7, 36, 1_699_584, 91_889_664, 613_781_504),
                stats);
    }

    @Test
    void statsTheKernelLacksAreMinusOne() throws IOException {
        RunCgroup run = CgroupV2Driver.open(own, "proctor-runs", fs).create("run-4", Limits.defaults());
        Files.copy(fixture("cpu.stat"), run.cgroupDir().resolve("cpu.stat"));
        Files.copy(fixture("memory.events"), run.cgroupDir().resolve("memory.events"));

        CgroupStats stats = run.readStats();

        assertEquals(-1, stats.memoryPeakBytes());
        assertEquals(-1, stats.pidsPeak());
        assertEquals(-1, stats.ioReadBytes());
    }

    @Test
    void killAllUsesCgroupKillAndCloseRemovesTheCgroup() throws IOException {
        RunCgroup run = CgroupV2Driver.open(own, "proctor-runs", fs).create("run-5", Limits.defaults());
        Path dir = run.cgroupDir();
        Files.writeString(dir.resolve("cgroup.events"), "populated 1\nfrozen 0\n");
        assertFalse(run.isEmpty());

        run.killAll();

        assertTrue(run.isEmpty());
        run.close();
        assertFalse(Files.exists(dir));
    }

    @Test
    void cleanupStaleKillsAndRemovesEveryRun() throws IOException {
        CgroupV2Driver driver = CgroupV2Driver.open(own, "proctor-runs", fs);
        driver.create("old-1", Limits.defaults());
        RunCgroup busy = driver.create("old-2", Limits.defaults());
        Files.writeString(busy.cgroupDir().resolve("cgroup.events"), "populated 1\nfrozen 0\n");

        assertEquals(2, driver.cleanupStale());

        assertEquals(List.of(), fs.children(own.resolve("proctor-runs")));
    }

    /** The unified hierarchy of a hybrid host: no controllers, only the core files in a new cgroup. */
    private FakeCgroupFs coreFilesOnly() {
        return new FakeCgroupFs(
                root,
                Map.of(
                        "cgroup.procs",
                        "",
                        "cgroup.kill",
                        "",
                        "cgroup.subtree_control",
                        "",
                        "cgroup.controllers",
                        "",
                        "cgroup.events",
                        "populated 0\nfrozen 0\n",
                        "cpu.stat",
                        "usage_usec 0\n"));
    }

    @Test
    void withoutControllersNothingIsMovedOrEnabledAndLimitsAreRefusedNotFaked() throws IOException {
        CgroupV2Driver driver = CgroupV2Driver.withoutControllers(own, "proctor-runs", coreFilesOnly());

        assertEquals(SELF, Files.readString(own.resolve("cgroup.procs")).trim());
        assertEquals("", Files.readString(own.resolve("cgroup.subtree_control")));
        assertFalse(driver.limitsRuns());
        CgroupException e = assertThrows(CgroupException.class, () -> driver.create("run-6", Limits.defaults()));
        assertTrue(e.getMessage().contains("controllers are not enabled"), e.getMessage());
        assertFalse(Files.exists(own.resolve("proctor-runs/run-6")));
    }

    @Test
    void withoutControllersARunIsAccountedAndKilledButHasNoMemoryFiles() throws IOException {
        CgroupV2Driver driver = CgroupV2Driver.withoutControllers(own, "proctor-runs", coreFilesOnly());
        RunCgroup run = driver.createWithoutLimits("run-7");
        Files.copy(fixture("cpu.stat"), run.cgroupDir().resolve("cpu.stat"), StandardCopyOption.REPLACE_EXISTING);

        CgroupStats stats = run.readStats();

        assertEquals(1_834_212, stats.cpuUsageMicros());
        assertEquals(-1, stats.memoryPeakBytes());
        assertEquals(-1, stats.oomKills());
        assertEquals(-1, stats.memoryLimitHits());
        assertEquals(null, run.memoryCurrentFile());
        Files.writeString(run.cgroupDir().resolve("cgroup.events"), "populated 1\nfrozen 0\n");
        run.close();
        assertFalse(Files.exists(run.cgroupDir()));
        assertThrows(
                IllegalStateException.class,
                () -> CgroupV2Driver.open(own, "proctor-runs", fs).createWithoutLimits("run-8"));
    }

    private static Path fixture(String name) {
        return Path.of("src/test/resources/cgroup/v2", name);
    }
}
