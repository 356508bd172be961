package dev.proctor.sandbox.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Detection from recorded /proc tables: this host's (v1, separate cpu and cpuacct) and made-up ones. */
class CgroupDetectorTest {

    private static final Path V1 = Path.of("src/test/resources/cgroup/v1/proc");
    private static final Path V2 = Path.of("src/test/resources/cgroup/v2/proc");

    @TempDir
    Path tmp;

    @Test
    void thisHostIsV1WithSeparateCpuAndCpuacctAndMemoryInItsOwnCgroup() {
        CgroupLayout layout = new CgroupDetector(V1.resolve("mountinfo"), V1.resolve("cgroup")).layout();

        assertEquals(CgroupVersion.V1, layout.version());
        assertEquals(List.of(), layout.problems());
        assertEquals(Path.of("/sys/fs/cgroup/cpu"), layout.v1OwnDirs().get("cpu"));
        assertEquals(Path.of("/sys/fs/cgroup/cpuacct"), layout.v1OwnDirs().get("cpuacct"));
        assertEquals(
                Path.of("/sys/fs/cgroup/memory/process_api/95f39acf9bc8b8691005f62f7e0263a9"),
                layout.v1OwnDirs().get("memory"));
        // and blkio, which this host mounts (optional: disk reads are throttled where it is)
        assertEquals(Path.of("/sys/fs/cgroup/blkio"), layout.v1OwnDirs().get("blkio"));
        assertEquals(6, layout.v1DistinctDirs().size());
        assertNull(layout.v2OwnDir());
    }

    @Test
    void blkioIsUsedWhereItIsMountedAndItsAbsenceIsNoProblem() throws IOException {
        String required = "30 23 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                + "31 23 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
                + "32 23 0:28 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
                + "33 23 0:29 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n";
        String own = "5:cpu,cpuacct:/svc\n4:memory:/svc\n3:pids:/svc\n2:freezer:/svc\n0::/svc\n";
        CgroupLayout without = detect(required, own);
        assertEquals(List.of(), without.problems());
        assertFalse(without.v1OwnDirs().containsKey("blkio"));

        CgroupLayout with = detect(
                required + "34 23 0:30 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio\n", own + "6:blkio:/svc\n");
        assertEquals(List.of(), with.problems());
        assertEquals(Path.of("/sys/fs/cgroup/blkio/svc"), with.v1OwnDirs().get("blkio"));

        // mounted, but the service's own cgroup in it unknown: left out, still no problem
        CgroupLayout unknown =
                detect(required + "34 23 0:30 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio\n", own);
        assertEquals(List.of(), unknown.problems());
        assertFalse(unknown.v1OwnDirs().containsKey("blkio"));
    }

    @Test
    void theUnifiedHierarchyOfAHybridHostIsFoundBesideTheV1Layout() throws IOException {
        CgroupDetector detector = new CgroupDetector(V1.resolve("mountinfo"), V1.resolve("cgroup"));
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/unified")), detector.unifiedOwnDir());
        CgroupDetector nested = detector(
                "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n", "4:memory:/svc\n0::/svc/worker\n");
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/unified/svc/worker")), nested.unifiedOwnDir());
        assertEquals(
                Optional.empty(),
                detector("31 23 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", "4:memory:/svc\n")
                        .unifiedOwnDir());
    }

    @Test
    void coMountedCpuAndCpuacctShareOneDirectory() throws IOException {
        CgroupLayout layout = detect(
                "30 23 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                        + "31 23 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
                        + "32 23 0:28 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
                        + "33 23 0:29 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n",
                "5:cpu,cpuacct:/svc\n4:memory:/svc\n3:pids:/svc\n2:freezer:/svc\n0::/svc\n");

        assertEquals(List.of(), layout.problems());
        assertEquals(
                Path.of("/sys/fs/cgroup/cpu,cpuacct/svc"), layout.v1OwnDirs().get("cpuacct"));
        assertEquals(layout.v1OwnDirs().get("cpu"), layout.v1OwnDirs().get("cpuacct"));
        assertEquals(4, layout.v1DistinctDirs().size());
    }

    @Test
    void everyMissingPieceIsReportedAtOnce() throws IOException {
        CgroupLayout layout = detect(
                "30 23 0:26 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu,cpuacct\n"
                        + "31 23 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
                "5:cpu,cpuacct:/\n0::/\n");

        List<String> problems = layout.problems();
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("no 'memory' line"), problems.get(0));
        assertTrue(problems.get(1).startsWith("cgroup v1 controller 'pids' not mounted"), problems.get(1));
        assertTrue(problems.get(2).startsWith("cgroup v1 controller 'freezer' not mounted"), problems.get(2));
    }

    @Test
    void aContainerMountRootIsStrippedFromTheOwnPath() throws IOException {
        CgroupLayout layout = detect(
                "31 23 0:27 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
                "4:memory:/docker/abc/worker\n");

        assertEquals(Path.of("/sys/fs/cgroup/memory/worker"), layout.v1OwnDirs().get("memory"));
    }

    @Test
    void unifiedHostIsV2() {
        CgroupLayout layout = new CgroupDetector(V2.resolve("mountinfo"), V2.resolve("cgroup")).layout();

        assertEquals(CgroupVersion.V2, layout.version());
        assertEquals(List.of(), layout.problems());
        assertEquals(Path.of("/sys/fs/cgroup/system.slice/proctor.service"), layout.v2OwnDir());
    }

    @Test
    void afterARestartTheV2BaseIsTheParentOfTheServiceLeaf() throws IOException {
        CgroupLayout layout = detect(
                "31 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n",
                "0::/system.slice/proctor.service/proctor-service\n");

        assertEquals(Path.of("/sys/fs/cgroup/system.slice/proctor.service"), layout.v2OwnDir());
    }

    @Test
    void v2ControllersMissingFromTheOwnCgroupAreProblems() throws IOException {
        Path own = Files.createDirectories(tmp.resolve("cg/svc"));
        Files.writeString(own.resolve("cgroup.controllers"), "memory\n");
        CgroupDetector detector =
                detector("31 23 0:26 / " + tmp.resolve("cg") + " rw - cgroup2 cgroup2 rw\n", "0::/svc\n");

        List<String> problems = detector.problems();

        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("cgroup v2 controller 'cpu' not in "), problems.get(0));
        assertTrue(problems.get(1).startsWith("cgroup v2 controller 'pids' not in "), problems.get(1));
    }

    @Test
    void escapedMountPointsAreDecoded() throws IOException {
        CgroupLayout layout =
                detect("31 23 0:27 / /sys/fs/my\\040cgroups rw - cgroup cgroup rw,memory\n", "4:memory:/\n");

        assertEquals(Path.of("/sys/fs/my cgroups"), layout.v1OwnDirs().get("memory"));
        assertTrue(Set.of("cpu", "cpuacct", "pids", "freezer").stream()
                .allMatch(c -> layout.problems().stream().anyMatch(p -> p.contains("'" + c + "'"))));
    }

    private CgroupLayout detect(String mountinfo, String cgroup) throws IOException {
        return detector(mountinfo, cgroup).layout();
    }

    private CgroupDetector detector(String mountinfo, String cgroup) throws IOException {
        Path mounts = Files.writeString(tmp.resolve("mountinfo"), mountinfo);
        Path procCgroup = Files.writeString(tmp.resolve("cgroup"), cgroup);
        return new CgroupDetector(mounts, procCgroup);
    }
}
