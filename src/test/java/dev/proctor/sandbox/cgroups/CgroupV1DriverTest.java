package dev.proctor.sandbox.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
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
        CgroupStats stats =
                new CgroupV1Run(dirs, new CgroupFs(), new ArrayList<>(), 10_000, DiskReadLimit.NONE).readStats();

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

    /**
     * A run that may have used up its quota (more CPU than the quota less the CPUs' reserve) has the
     * quota written again at its recycling, which ends a throttling it left, and the throttling counters
     * read after that as the next run's baseline: periods the kernel counted after the run's final read
     * are not the next run's. A run far below its quota costs neither the write nor the read.
     */
    @Test
    void aRunThatMayHaveUsedUpItsQuotaHasItsThrottlingEndedAndReadAgainAtRecycling() throws IOException {
        Map<String, String> files = FakeCgroupFs.v1ControlFiles();
        files.put("memory.usage_in_bytes", "0\n");
        FakeCgroupFs fs = new FakeCgroupFs(root, files);
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (String controller : List.of("cpu", "cpuacct", "memory", "pids")) {
            dirs.put(controller, root.resolve(controller + "/run-1"));
            fs.mkdir(Files.createDirectories(root.resolve(controller)).resolve("run-1"));
        }
        // 0.5 CPU: a 50 ms quota; 2 CPUs of 5 ms slices may hold 10 ms of it
        CgroupV1Run run = new CgroupV1Run(dirs, fs, new ArrayList<>(), 10_000, DiskReadLimit.NONE);
        run.limit(new Limits(Duration.ofSeconds(1), Duration.ofSeconds(2), 64 * Limits.MIB, 10, 0, Limits.MIB, 0.5));
        Path quota = root.resolve("cpu/run-1/cpu.cfs_quota_us");
        Path cpuStat = root.resolve("cpu/run-1/cpu.stat");
        Path usage = root.resolve("cpuacct/run-1/cpuacct.usage");

        // a run of 45 ms, throttled in 3 periods by its end
        Files.writeString(usage, "45000000\n");
        Files.writeString(cpuStat, "nr_periods 9\nnr_throttled 3\nthrottled_time 7000000\n");
        run.killAll();
        assertEquals(3, run.readStats().throttledPeriods());
        // the kernel counts 2 more periods after that, with no task waiting
        Files.writeString(cpuStat, "nr_periods 11\nnr_throttled 5\nthrottled_time 7000000\n");
        Files.writeString(quota, "");
        assertEquals(RunCgroup.Recycled.READY, run.recycle(512 * 1024, 10, false));
        assertEquals("50000", Files.readString(quota), "the quota was not written again");

        // a run of 2 ms: nothing throttled
        Files.writeString(usage, "2000000\n");
        run.killAll();
        CgroupStats small = run.readStats();
        assertEquals(0, small.throttledPeriods(), small.toString());
        assertEquals(0, small.throttledMicros(), small.toString());
        Files.writeString(quota, "");
        assertEquals(RunCgroup.Recycled.READY, run.recycle(512 * 1024, 10, false));
        assertEquals("", Files.readString(quota), "the quota was written after a run far below it");
    }

    /** Every write a driver makes, "FILE (relative to the tree) VALUE", in order: a rule per device goes to one file. */
    private static FakeCgroupFs recording(Path root, Map<String, String> files, List<String> written) {
        return new FakeCgroupFs(root, files) {
            @Override
            void write(Path file, String value) {
                written.add(root.relativize(file) + " " + value);
                super.write(file, value);
            }
        };
    }

    @Test
    void aRunsDiskReadsAreThrottledOnEveryDeviceOnceWhenItsCgroupIsMade() throws IOException {
        Map<String, String> files = FakeCgroupFs.v1ControlFiles();
        files.put("blkio.throttle.read_bps_device", "");
        files.put("blkio.throttle.read_iops_device", "");
        files.put("blkio.throttle.io_service_bytes", "Total 0\n");
        List<String> written = new ArrayList<>();
        FakeCgroupFs fs = recording(root, files, written);
        Map<String, Path> own = new LinkedHashMap<>();
        for (String controller : List.of("cpu", "cpuacct", "memory", "pids", "freezer", "blkio")) {
            own.put(controller, Files.createDirectories(root.resolve(controller)));
        }
        DiskReadLimit limit = new DiskReadLimit(4 * Limits.MIB, 100, List.of("8:0", "254:0"));
        CgroupV1Driver driver = new CgroupV1Driver(own, "proctor-runs", fs, limit);

        RunCgroup run = driver.create("run-1", Limits.defaults());

        String dir = "blkio/proctor-runs/run-1/";
        assertEquals(
                List.of(
                        dir + "blkio.throttle.read_bps_device 8:0 4194304",
                        dir + "blkio.throttle.read_iops_device 8:0 100",
                        dir + "blkio.throttle.read_bps_device 254:0 4194304",
                        dir + "blkio.throttle.read_iops_device 254:0 100"),
                written.stream().filter(w -> w.startsWith("blkio/")).toList());
        // pid 1 joins the blkio cgroup with the others: every read of the run is in it
        assertEquals(6, run.attachFiles().size());
        assertEquals(root.resolve(dir + "tasks"), run.attachFiles().get(5));
        // other limits for a later run: the rules stay as they are
        written.clear();
        run.limit(new Limits(
                Duration.ofSeconds(2), Duration.ofSeconds(4), 32 * Limits.MIB, 8, Limits.MIB, Limits.MIB, 1.0));
        assertEquals(
                List.of(), written.stream().filter(w -> w.startsWith("blkio/")).toList());
        assertEquals(
                List.of(),
                driver.problems().stream().filter(p -> p.startsWith("disk")).toList());

        // without a limit (or on a host without blkio) nothing is written there
        written.clear();
        new CgroupV1Driver(own, "proctor-runs", fs, DiskReadLimit.NONE).create("run-2", Limits.defaults());
        assertEquals(
                List.of(), written.stream().filter(w -> w.startsWith("blkio/")).toList());
    }

    @Test
    void aDeviceWhoseRuleTheKernelRefusesIsReportedOnceAndTheOthersKeepTheirs() throws IOException {
        Map<String, String> files = FakeCgroupFs.v1ControlFiles();
        files.put("blkio.throttle.read_bps_device", "");
        files.put("blkio.throttle.read_iops_device", "");
        List<String> written = new ArrayList<>();
        FakeCgroupFs fs = new FakeCgroupFs(root, files) {
            @Override
            void write(Path file, String value) {
                if (value.startsWith("7:0 ")) {
                    throw new CgroupException("write '" + value + "' to " + file + " failed: No such device");
                }
                written.add(root.relativize(file) + " " + value);
                super.write(file, value);
            }
        };
        Map<String, Path> own = new LinkedHashMap<>();
        for (String controller : List.of("cpu", "cpuacct", "memory", "pids", "freezer", "blkio")) {
            own.put(controller, Files.createDirectories(root.resolve(controller)));
        }
        CgroupV1Driver driver =
                new CgroupV1Driver(own, "proctor-runs", fs, new DiskReadLimit(Limits.MIB, 0, List.of("7:0", "8:0")));

        driver.create("run-1", Limits.defaults());
        driver.create("run-2", Limits.defaults());

        assertEquals(
                List.of(
                        "blkio/proctor-runs/run-1/blkio.throttle.read_bps_device 8:0 1048576",
                        "blkio/proctor-runs/run-1/blkio.throttle.read_iops_device 8:0 0",
                        "blkio/proctor-runs/run-2/blkio.throttle.read_bps_device 8:0 1048576",
                        "blkio/proctor-runs/run-2/blkio.throttle.read_iops_device 8:0 0"),
                written.stream().filter(w -> w.startsWith("blkio/")).toList());
        // (the fake tree has no memsw files either: that problem is said beside it)
        List<String> problems =
                driver.problems().stream().filter(p -> p.startsWith("disk")).toList();
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("disk reads from device 7:0 not throttled: "), problems.get(0));
    }

    /**
     * blkio.throttle.io_service_bytes cannot be reset: a reused cgroup's counts are every run's so far, and each
     * run is given its own share (the counts at its end less those at its hand-out).
     */
    @Test
    void eachRunOfAReusedCgroupIsGivenItsOwnDiskReadsAndWrites() throws IOException {
        Map<String, String> files = FakeCgroupFs.v1ControlFiles();
        files.put("memory.usage_in_bytes", "0\n");
        files.put("blkio.throttle.io_service_bytes", "Total 0\n");
        FakeCgroupFs fs = new FakeCgroupFs(root, files);
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (String controller : List.of("cpu", "cpuacct", "memory", "pids", "blkio")) {
            dirs.put(controller, root.resolve(controller + "/run-1"));
            fs.mkdir(Files.createDirectories(root.resolve(controller)).resolve("run-1"));
        }
        CgroupV1Run run = new CgroupV1Run(dirs, fs, new ArrayList<>(), 10_000, DiskReadLimit.NONE);
        run.limit(Limits.defaults());
        Path bytes = root.resolve("blkio/run-1/blkio.throttle.io_service_bytes");

        Files.writeString(bytes, serviceBytes(4096, 0, 1000, 512));
        run.killAll();
        CgroupStats first = run.readStats();
        assertEquals(5096, first.ioReadBytes());
        assertEquals(512, first.ioWriteBytes());
        assertEquals(RunCgroup.Recycled.READY, run.recycle(512 * 1024, 10, false));

        Files.writeString(bytes, serviceBytes(4096 + 65536, 0, 1000, 512 + 7));
        run.killAll();
        CgroupStats second = run.readStats();
        assertEquals(65536, second.ioReadBytes());
        assertEquals(7, second.ioWriteBytes());
    }

    /** What the kernel shows for two devices (8:0 and 254:0), with its other lines. */
    private static String serviceBytes(long read8, long write8, long read254, long write254) {
        StringBuilder b = new StringBuilder();
        for (String[] d : List.of(
                new String[] {"8:0", Long.toString(read8), Long.toString(write8)},
                new String[] {"254:0", Long.toString(read254), Long.toString(write254)})) {
            long r = Long.parseLong(d[1]);
            long w = Long.parseLong(d[2]);
            b.append(d[0]).append(" Read ").append(r).append('\n');
            b.append(d[0]).append(" Write ").append(w).append('\n');
            b.append(d[0]).append(" Sync ").append(r + w).append('\n');
            b.append(d[0]).append(" Async 0\n");
            b.append(d[0]).append(" Discard 0\n");
            b.append(d[0]).append(" Total ").append(r + w).append('\n');
        }
        return b.append("Total ")
                .append(read8 + write8 + read254 + write254)
                .append('\n')
                .toString();
    }

    @Property(tries = 500)
    void cpuCountCountsEveryCpuOfAKernelCpuList(
            @ForAll @Size(max = 12) List<@IntRange(min = 0, max = 40) Integer> gaps,
            @ForAll @Size(max = 12) List<@IntRange(min = 0, max = 40) Integer> widths) {
        StringBuilder list = new StringBuilder();
        int next = 0;
        int expected = 0;
        for (int i = 0; i < Math.min(gaps.size(), widths.size()); i++) {
            int first = next + gaps.get(i);
            int last = first + widths.get(i);
            list.append(list.isEmpty() ? "" : ",").append(first == last ? first : first + "-" + last);
            expected += last - first + 1;
            next = last + 2;
        }
        assertEquals(expected, CgroupV1Driver.cpuCount(list.toString()), list::toString);
    }

    @Test
    void theBandwidthReserveIsCpusTimesTheSliceOrMoreThanAnyQuotaWhenUnknown() {
        assertEquals(10_000, CgroupV1Driver.bandwidthReserveMicros(Optional.of("0-1\n"), Optional.of("5000\n")));
        assertEquals(35_000, CgroupV1Driver.bandwidthReserveMicros(Optional.of("0-3,8,10-11\n"), Optional.empty()));
        for (Optional<String> cpus : List.of(Optional.<String>empty(), Optional.of("x"), Optional.of("3-1"))) {
            assertTrue(
                    CgroupV1Driver.bandwidthReserveMicros(cpus, Optional.of("5000")) > 1_000_000_000L, cpus::toString);
        }
        assertTrue(CgroupV1Driver.bandwidthReserveMicros(Optional.of("0-1"), Optional.of("0")) > 1_000_000_000L);
        assertThrows(IllegalArgumentException.class, () -> CgroupV1Driver.cpuCount("2-"));
    }
}
