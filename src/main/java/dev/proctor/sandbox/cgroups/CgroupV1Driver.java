package dev.proctor.sandbox.cgroups;

import dev.proctor.sandbox.Limits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * cgroup v1 (and hybrid hosts): one directory per run in each of the cpu, cpuacct, memory, pids
 * and freezer hierarchies, at {@code <own cgroup>/<runs dir>/<name>}; co-mounted controllers
 * ("cpu,cpuacct") share one directory.
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

    private final Map<String, Path> ownDirs;
    private final String runsDirName;
    private final CgroupFs fs;
    private final List<String> problems = new CopyOnWriteArrayList<>();

    /**
     * @param ownDirs      controller → the service's own cgroup in its hierarchy ({@link CgroupLayout})
     * @param runsDirName  the directory below each own cgroup that holds the runs
     */
    public CgroupV1Driver(Map<String, Path> ownDirs, String runsDirName) {
        this(ownDirs, runsDirName, new CgroupFs());
    }

    CgroupV1Driver(Map<String, Path> ownDirs, String runsDirName, CgroupFs fs) {
        this.ownDirs = new LinkedHashMap<>(ownDirs);
        this.runsDirName = runsDirName;
        this.fs = fs;
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
        CgroupV1Run run = new CgroupV1Run(runDirs, fs, problems);
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
            new CgroupV1Run(runDirs(name), fs, problems).destroy();
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
