package dev.proctor.sandbox.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.accounting.CgroupStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The v1 driver without a kernel: stats from files recorded on this host, limits into a fake tree. */
class CgroupV1DriverTest {

    private static final Path RECORDED = Path.of("src/test/resources/cgroup/v1");

    @TempDir
    Path root;

    @Test
    void readsStatsFromRecordedKernelFiles() {
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (String controller : List.of("cpu", "cpuacct", "memory", "pids", "freezer")) {
            dirs.put(controller, RECORDED.resolve(controller));
        }
        CgroupStats stats = new CgroupV1Run(dirs, new CgroupFs(), new ArrayList<>()).readStats();

        // recorded after a shell loop, dd and a python process OOM-killed at a 32 MiB limit
        assertEquals(new CgroupStats(1_814_679, 436_000, 1_247_856, 33_554_432, 1, 0, 7, 36, 1_699_584, -1, -1), stats);
    }

    @Test
    void withoutSwapAccountingSwappinessIsZeroAndTheDriverSaysSo() throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        for (String name : List.of(
                "tasks",
                "cgroup.procs",
                "memory.oom_control",
                "memory.limit_in_bytes",
                "memory.swappiness",
                "pids.max",
                "cpu.cfs_period_us",
                "cpu.cfs_quota_us")) {
            files.put(name, "");
        }
        FakeCgroupFs fs = new FakeCgroupFs(root, files);
        Map<String, Path> own = new LinkedHashMap<>();
        for (String controller : List.of("cpu", "cpuacct", "memory", "pids", "freezer")) {
            own.put(controller, Files.createDirectories(root.resolve(controller)));
        }
        CgroupV1Driver driver = new CgroupV1Driver(own, "proctor-runs", fs);

        RunCgroup run = driver.create(
                "run-1",
                new Limits(
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        64 * Limits.MIB,
                        10,
                        Limits.MIB,
                        Limits.MIB,
                        0.005));

        Path memory = root.resolve("memory/proctor-runs/run-1");
        assertEquals("0", Files.readString(memory.resolve("memory.swappiness")));
        assertEquals("0", Files.readString(memory.resolve("memory.oom_control")));
        assertFalse(Files.exists(memory.resolve("memory.memsw.limit_in_bytes")));
        assertEquals(List.of(CgroupV1Driver.MEMSW_MISSING), driver.problems());
        // the kernel refuses quotas under 1 ms
        assertEquals("1000", Files.readString(root.resolve("cpu/proctor-runs/run-1/cpu.cfs_quota_us")));
        assertEquals(5, run.attachFiles().size());
        assertNull(run.cgroupDir());
        assertEquals(1, driver.cleanupStale());
        assertFalse(Files.exists(memory));
    }
}
