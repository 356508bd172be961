package dev.proctor.sandbox.cgroups;

import dev.proctor.sandbox.linux.MountInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds which cgroup version the host gives the service, and the service's own cgroup in each
 * needed hierarchy, from /proc/self/mountinfo and /proc/self/cgroup. Reports every missing piece
 * at once ({@link #problems()}); never falls back to running without a limit.
 */
public final class CgroupDetector {

    /** Where runs go, below the service's own cgroup in every hierarchy. */
    public static final String RUNS_DIR = "proctor-runs";
    /** v2 leaf the service moves itself into (no-internal-process rule). */
    public static final String SERVICE_LEAF = "proctor-service";

    static final List<String> V1_CONTROLLERS = List.of("cpu", "cpuacct", "memory", "pids", "freezer");
    /**
     * v1 controllers used when the host mounts them: without blkio, runs' disk reads are not throttled
     * ({@link #warnings()} says so), everything else holds.
     */
    static final List<String> V1_OPTIONAL_CONTROLLERS = List.of("blkio");

    static final String BLKIO_MISSING = "cgroup v1 controller 'blkio' not mounted: runs' disk reads are not"
            + " throttled (mount it, or boot with cgroup v2 and the io controller)";
    static final String IO_MISSING = "cgroup v2 controller 'io' not available: runs' disk reads are not"
            + " throttled (enable it in the parent cgroups' cgroup.subtree_control)";
    static final List<String> V2_CONTROLLERS = List.of("cpu", "memory", "pids");

    private final Path mountinfo;
    private final Path procCgroup;

    /** Reads the calling process's own tables. */
    public CgroupDetector() {
        this(Path.of("/proc/self/mountinfo"), Path.of("/proc/self/cgroup"));
    }

    /** Reads recorded tables (tests). */
    public CgroupDetector(Path mountinfo, Path procCgroup) {
        this.mountinfo = mountinfo;
        this.procCgroup = procCgroup;
    }

    private record Mount(String root, Path mountPoint, String fsType, Set<String> superOptions) {}

    /** Parses the two tables: which version, where the own cgroups are; no other file is read. */
    public CgroupLayout layout() {
        List<Mount> mounts = parseMountinfo(readProc(mountinfo));
        Map<String, String> ownPaths = parseProcCgroup(readProc(procCgroup));
        List<String> problems = new ArrayList<>();
        boolean v1Controllers = V2_CONTROLLERS.stream().anyMatch(c -> findV1Mount(mounts, c) != null);
        Mount unified = mounts.stream()
                .filter(m -> m.fsType().equals("cgroup2"))
                .findFirst()
                .orElse(null);
        // a controller bound to a v1 hierarchy cannot be used on v2: hybrid hosts are v1 hosts
        if (v1Controllers || unified == null) {
            Map<String, Path> dirs = new LinkedHashMap<>();
            for (String controller : V1_CONTROLLERS) {
                Mount mount = findV1Mount(mounts, controller);
                if (mount == null) {
                    problems.add("cgroup v1 controller '" + controller + "' not mounted (no cgroup mount with"
                            + " option '" + controller + "' in " + mountinfo + "): mount it or boot with cgroup v2");
                    continue;
                }
                Path dir = ownDir(mount, ownPaths.get(controller), controller, problems);
                if (dir != null) {
                    dirs.put(controller, dir);
                }
            }
            for (String controller : V1_OPTIONAL_CONTROLLERS) {
                Mount mount = findV1Mount(mounts, controller);
                // an optional controller the service cannot use is left out, not a problem (warnings say so)
                Path dir =
                        mount == null ? null : ownDir(mount, ownPaths.get(controller), controller, new ArrayList<>());
                if (dir != null) {
                    dirs.put(controller, dir);
                }
            }
            return new CgroupLayout(CgroupVersion.V1, dirs, null, problems);
        }
        Path own = ownDir(unified, ownPaths.get(""), "cgroup2", problems);
        // after a restart the service already sits in its leaf: its base is the leaf's parent
        if (own != null
                && own.getFileName() != null
                && own.getFileName().toString().equals(SERVICE_LEAF)) {
            own = own.getParent();
        }
        return new CgroupLayout(CgroupVersion.V2, Map.of(), own, problems);
    }

    /**
     * This process's own cgroup in the cgroup2 (unified) hierarchy, on a v2 host and on a hybrid one
     * (where it usually offers no controllers, see {@link CgroupV2Driver#withoutControllers});
     * empty when no cgroup2 file system is mounted or the own cgroup lies outside it.
     */
    public Optional<Path> unifiedOwnDir() {
        Mount unified = parseMountinfo(readProc(mountinfo)).stream()
                .filter(m -> m.fsType().equals("cgroup2"))
                .findFirst()
                .orElse(null);
        if (unified == null) {
            return Optional.empty();
        }
        List<String> problems = new ArrayList<>();
        return Optional.ofNullable(
                ownDir(unified, parseProcCgroup(readProc(procCgroup)).get(""), "cgroup2", problems));
    }

    /** Every reason the drivers cannot work here: the layout's problems and the live file checks. */
    public List<String> problems() {
        CgroupLayout layout = layout();
        List<String> problems = new ArrayList<>(layout.problems());
        if (layout.version() == CgroupVersion.V1) {
            for (Path dir : layout.v1DistinctDirs()) {
                if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
                    problems.add("cannot create cgroups in " + dir + ": run the service as root"
                            + " or give it a delegated cgroup");
                }
            }
        } else if (layout.v2OwnDir() != null) {
            problems.addAll(v2Problems(layout.v2OwnDir()));
        }
        return problems;
    }

    /** What works but less well than it should (e.g. swap not limited); the service logs them. */
    public List<String> warnings() {
        CgroupLayout layout = layout();
        List<String> warnings = new ArrayList<>();
        if (layout.version() == CgroupVersion.V1) {
            Path memory = layout.v1OwnDirs().get("memory");
            if (memory != null && !Files.exists(memory.resolve("memory.memsw.limit_in_bytes"))) {
                warnings.add(CgroupV1Driver.MEMSW_MISSING);
            }
            if (!layout.v1OwnDirs().containsKey("blkio")) {
                warnings.add(BLKIO_MISSING);
            }
        } else if (layout.v2OwnDir() != null && !CgroupV2Driver.offers(new CgroupFs(), layout.v2OwnDir(), "io")) {
            warnings.add(IO_MISSING);
        }
        return List.copyOf(warnings);
    }

    /** The driver for this host, with runs below {@value #RUNS_DIR}. */
    public CgroupDriver driver() {
        return driver(RUNS_DIR);
    }

    /**
     * The driver for this host, runs below {@code runsDirName} (tests use their own name so they
     * never clean up the runs of a service working on the same host).
     * @throws CgroupException listing every problem, when there is any
     */
    public CgroupDriver driver(String runsDirName) {
        return driver(runsDirName, DiskReadLimit.NONE);
    }

    /**
     * As {@link #driver(String)}, every run's disk reads throttled to {@code diskReads} where the host's
     * cgroups can (v1 blkio mounted, v2 io available: else {@link #warnings()} says they are not).
     * @throws CgroupException listing every problem, when there is any
     */
    public CgroupDriver driver(String runsDirName, DiskReadLimit diskReads) {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new CgroupException("cgroups unusable: " + String.join("; ", problems));
        }
        CgroupLayout layout = layout();
        return layout.version() == CgroupVersion.V1
                ? new CgroupV1Driver(layout.v1OwnDirs(), runsDirName, new CgroupFs(), diskReads)
                : CgroupV2Driver.open(layout.v2OwnDir(), runsDirName, new CgroupFs(), diskReads);
    }

    /**
     * Kills every process in the runs directory {@code name} below the service's own cgroup(s) and
     * removes it, as an engine that died left it. Unlike {@link #driver(String)} it changes nothing
     * of the own cgroup (no move into a leaf, no controllers enabled): a clean-up must not need that.
     */
    public void removeRunsDir(String name) {
        CgroupLayout layout = layout();
        CgroupFs fs = new CgroupFs();
        if (layout.version() == CgroupVersion.V1) {
            new CgroupV1Driver(layout.v1OwnDirs(), name, fs).removeRunsDir();
        } else if (layout.v2OwnDir() != null) {
            CgroupV2Driver.existing(layout.v2OwnDir().resolve(name), fs).removeRunsDir();
        }
    }

    /**
     * Names of the directories below the service's own cgroup(s) that start with {@code prefix}
     * (the runs directories of engines, live or dead). Empty when cgroups are unusable.
     */
    public List<String> childNames(String prefix) {
        if (!problems().isEmpty()) {
            return List.of();
        }
        CgroupLayout layout = layout();
        java.util.Set<Path> owns = layout.version() == CgroupVersion.V1
                ? new java.util.LinkedHashSet<>(layout.v1OwnDirs().values())
                : java.util.Set.of(layout.v2OwnDir());
        java.util.Set<String> names = new java.util.TreeSet<>();
        CgroupFs fs = new CgroupFs();
        for (Path own : owns) {
            for (Path child : fs.children(own)) {
                String name = child.getFileName().toString();
                if (name.startsWith(prefix)) {
                    names.add(name);
                }
            }
        }
        return List.copyOf(names);
    }

    private static List<String> v2Problems(Path own) {
        List<String> problems = new ArrayList<>();
        String available;
        try {
            available =
                    " " + Files.readString(own.resolve("cgroup.controllers")).trim() + " ";
        } catch (IOException e) {
            return List.of("cannot read " + own.resolve("cgroup.controllers") + ": " + e.getMessage());
        }
        for (String controller : V2_CONTROLLERS) {
            if (!available.contains(" " + controller + " ")) {
                problems.add("cgroup v2 controller '" + controller + "' not in " + own.resolve("cgroup.controllers")
                        + ": enable it in the parent's cgroup.subtree_control (systemd: Delegate=yes)");
            }
        }
        // the root cgroup has no cgroup.kill; any other cgroup lacks it only before Linux 5.14
        if (Files.exists(own.resolve("cgroup.procs"))
                && Files.exists(own.resolve("cgroup.events"))
                && !Files.exists(own.resolve("cgroup.kill"))) {
            problems.add(own.resolve("cgroup.kill") + " missing: Linux 5.14 or newer is needed on cgroup v2");
        }
        if (!Files.isWritable(own)) {
            problems.add("cannot create cgroups in " + own + ": give the service a delegated cgroup");
        }
        return problems;
    }

    private Path ownDir(Mount mount, String ownPath, String what, List<String> problems) {
        if (ownPath == null) {
            problems.add("no '" + what + "' line in " + procCgroup + ": the service's own cgroup is unknown");
            return null;
        }
        String root = mount.root().equals("/") ? "" : mount.root();
        if (!ownPath.equals(root) && !ownPath.startsWith(root + "/")) {
            problems.add("own '" + what + "' cgroup " + ownPath + " is outside the mount " + mount.mountPoint()
                    + " (root " + mount.root() + "): mount the hierarchy the service lives in");
            return null;
        }
        String relative = ownPath.substring(root.length()).replaceFirst("^/+", "");
        return relative.isEmpty() ? mount.mountPoint() : mount.mountPoint().resolve(relative);
    }

    private static Mount findV1Mount(List<Mount> mounts, String controller) {
        return mounts.stream()
                .filter(m -> m.fsType().equals("cgroup") && m.superOptions().contains(controller))
                .findFirst()
                .orElse(null);
    }

    /** mountinfo: id parent maj:min root mountpoint options [optional…] - fstype source superoptions. */
    static List<Mount> parseMountinfo(String text) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] fields = line.trim().split(" ");
            int dash = List.of(fields).indexOf("-");
            if (fields.length < 5 || dash < 0 || fields.length < dash + 4) {
                continue;
            }
            mounts.add(new Mount(
                    MountInfo.unescape(fields[3]),
                    Path.of(MountInfo.unescape(fields[4])),
                    fields[dash + 1],
                    Set.of(fields[dash + 3].split(","))));
        }
        return mounts;
    }

    /**
     * /proc/self/cgroup: {@code id:controllers:path}; returns controller → path, "" for the
     * cgroup2 line (id 0) and "name=systemd"-style named hierarchies under their name.
     */
    static Map<String, String> parseProcCgroup(String text) {
        Map<String, String> paths = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] fields = line.split(":", 3);
            if (fields.length < 3) {
                continue;
            }
            if (fields[0].equals("0") && fields[1].isEmpty()) {
                paths.put("", fields[2]);
            } else {
                for (String controller : fields[1].split(",")) {
                    paths.put(controller, fields[2]);
                }
            }
        }
        return paths;
    }

    private static String readProc(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new CgroupException("read " + file + " failed: " + e.getMessage() + ": is /proc mounted?", e);
        }
    }
}
