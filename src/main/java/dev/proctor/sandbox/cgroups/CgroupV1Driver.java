package dev.proctor.sandbox.cgroups;

import dev.proctor.sandbox.Limits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * cgroup v1 (and hybrid hosts): one directory per run in each of the cpu, cpuacct, memory, pids
 * and freezer hierarchies (and blkio where it is mounted: {@link DiskReadLimit}), at {@code <own
 * cgroup>/<runs dir>/<name>}; co-mounted controllers ("cpu,cpuacct") share one directory.
 */
public final class CgroupV1Driver implements CgroupDriver {

    static final String MEMSW_MISSING = "memory.memsw.* missing: swap is not limited (only"
            + " memory.swappiness=0 is set in each run): boot with swapaccount=1";
    static final Pattern RUN_NAME = Pattern.compile("[a-z0-9-]+");
    /** CFS period: 100 ms, the kernel default; the quota is a share of it. */
    static final long CFS_PERIOD_MICROS = 100_000;
    /** The kernel refuses quotas under 1 ms. */
    static final long CFS_MIN_QUOTA_MICROS = 1_000;

    /** The CFS quota per {@link #CFS_PERIOD_MICROS} for the run's CPU share (v1 cpu.cfs_quota_us, v2 cpu.max). */
    static long quotaMicros(Limits limits) {
        return Math.max(CFS_MIN_QUOTA_MICROS, Math.round(limits.cpus() * CFS_PERIOD_MICROS));
    }

    /** The kernel's default CFS bandwidth slice (sched_cfs_bandwidth_slice_us). */
    static final long DEFAULT_SLICE_MICROS = 5_000;

    /**
     * How much of a period's quota the CPUs may hold at once without using it: a CPU takes its run's
     * runtime from the group's quota a slice at a time (sched_cfs_bandwidth_slice_us) and holds at most one
     * slice, so a group is throttled in a period only once its tasks used the quota less this
     * (online CPUs x slice) in it. A run that used less CPU in all cannot have been throttled. When the
     * kernel's figures cannot be read, a reserve larger than any quota: every run counts as possibly
     * throttled.
     */
    static long bandwidthReserveMicros(Optional<String> onlineCpus, Optional<String> sliceMicros) {
        try {
            int cpus = cpuCount(onlineCpus.orElseThrow().trim());
            long slice = sliceMicros.map(String::trim).map(Long::parseLong).orElse(DEFAULT_SLICE_MICROS);
            if (cpus > 0 && slice > 0) {
                return cpus * slice;
            }
        } catch (RuntimeException e) {
            // unreadable or malformed: below
        }
        return Long.MAX_VALUE / 4;
    }

    /** The number of CPUs in a kernel CPU list ("0-3,8,10-11"); an empty list has none. */
    static int cpuCount(String list) {
        int count = 0;
        if (list.isEmpty()) {
            return 0;
        }
        for (String part : list.split(",", -1)) {
            int dash = part.indexOf('-');
            int first = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
            int last = dash < 0 ? first : Integer.parseInt(part.substring(dash + 1));
            if (first < 0 || last < first) {
                throw new IllegalArgumentException("not a CPU range: '" + part + "'");
            }
            count += last - first + 1;
        }
        return count;
    }

    private final Map<String, Path> ownDirs;
    private final String runsDirName;
    private final CgroupFs fs;
    private final List<String> problems = new CopyOnWriteArrayList<>();
    /** See {@link #bandwidthReserveMicros(Optional, Optional)}: this host's, read once. */
    private final long bandwidthReserveMicros;
    /** Every run's disk reads, throttled in its blkio cgroup (when the host mounts blkio). */
    private final DiskReadLimit diskReads;

    /**
     * @param ownDirs      controller → the service's own cgroup in its hierarchy ({@link CgroupLayout})
     * @param runsDirName  the directory below each own cgroup that holds the runs
     */
    public CgroupV1Driver(Map<String, Path> ownDirs, String runsDirName) {
        this(ownDirs, runsDirName, new CgroupFs());
    }

    CgroupV1Driver(Map<String, Path> ownDirs, String runsDirName, CgroupFs fs) {
        this(ownDirs, runsDirName, fs, DiskReadLimit.NONE);
    }

    CgroupV1Driver(Map<String, Path> ownDirs, String runsDirName, CgroupFs fs, DiskReadLimit diskReads) {
        this.ownDirs = new LinkedHashMap<>(ownDirs);
        this.runsDirName = runsDirName;
        this.fs = fs;
        this.diskReads = diskReads;
        this.bandwidthReserveMicros = bandwidthReserveMicros(
                fs.readIfExists(Path.of("/sys/devices/system/cpu/online")),
                fs.readIfExists(Path.of("/proc/sys/kernel/sched_cfs_bandwidth_slice_us")));
    }

    @Override
    public String version() {
        return CgroupVersion.V1.label();
    }

    /** What works but less well than it should, noticed while creating runs (e.g. memsw missing). */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    @Override
    public RunCgroup create(String name, Limits limits) {
        if (!RUN_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("run name must match [a-z0-9-]+: '" + name + "'");
        }
        Map<String, Path> runDirs = runDirs(name);
        CgroupV1Run run = new CgroupV1Run(runDirs, fs, problems, bandwidthReserveMicros, diskReads);
        List<Path> created = new ArrayList<>();
        try {
            for (Path dir : new LinkedHashSet<>(runDirs.values())) {
                fs.mkdirIfMissing(dir.getParent());
                fs.mkdir(dir);
                created.add(dir);
            }
            run.limit(limits);
            return run;
        } catch (CgroupException e) {
            // nothing ran in them yet: remove what was made so the name can be retried
            created.forEach(fs::rmdir);
            throw e;
        }
    }

    /** controller → the run's directory in that controller's hierarchy. */
    private Map<String, Path> runDirs(String name) {
        Map<String, Path> dirs = new LinkedHashMap<>();
        ownDirs.forEach((controller, own) ->
                dirs.put(controller, own.resolve(runsDirName).resolve(name)));
        return dirs;
    }

    @Override
    public int cleanupStale() {
        Set<String> names = new LinkedHashSet<>();
        for (Path own : new LinkedHashSet<>(ownDirs.values())) {
            fs.children(own.resolve(runsDirName))
                    .forEach(dir -> names.add(dir.getFileName().toString()));
        }
        for (String name : names) {
            new CgroupV1Run(runDirs(name), fs, problems, bandwidthReserveMicros, DiskReadLimit.NONE).destroy();
        }
        return names.size();
    }

    @Override
    public void removeRunsDir() {
        cleanupStale();
        for (Path own : new LinkedHashSet<>(ownDirs.values())) {
            fs.rmdir(own.resolve(runsDirName));
        }
    }
}
