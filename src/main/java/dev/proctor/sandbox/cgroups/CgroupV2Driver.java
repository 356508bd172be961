package dev.proctor.sandbox.cgroups;

import dev.proctor.sandbox.Limits;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * cgroup v2: runs at {@code <own cgroup>/<runs dir>/<name>}. The kernel lets a cgroup either hold
 * processes or enable controllers for children, not both (no-internal-process rule), so the
 * service first moves itself into the leaf {@code <own>/proctor-service}, then enables
 * {@code +cpu +memory +pids} in {@code <own>} and {@code <own>/<runs dir>} (and {@code +io} where it is
 * offered, for {@link DiskReadLimit}).
 *
 * <p>{@link #withoutControllers} is the same driver on a hierarchy that offers no controllers (the
 * unified hierarchy of a hybrid v1 host): a run still gets a cgroup of its own, born into it by
 * {@code CLONE_INTO_CGROUP}, its CPU accounted ({@code cpu.stat} is a core file), watched through
 * {@code cgroup.events} and killed with {@code cgroup.kill}, but it has no limits, and
 * {@link #create} refuses rather than pretend it set them. The engine never uses it: it refuses a
 * host without the cpu, memory and pids controllers.
 */
public final class CgroupV2Driver implements CgroupDriver {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(CgroupV2Driver.class);

    static final String CONTROLLERS = "+cpu +memory +pids";

    private final Path runsDir;
    private final CgroupFs fs;
    /** Whether cpu, memory and pids are enabled for the runs: false in {@link #withoutControllers}. */
    private final boolean controllers;

    /** Every run's disk reads, throttled in its io.max ({@link DiskReadLimit#NONE} where io is not enabled). */
    private final DiskReadLimit diskReads;

    /** What works but less well than it should, noticed while creating runs (a device whose io.max is refused). */
    private final List<String> problems = new CopyOnWriteArrayList<>();

    private CgroupV2Driver(Path runsDir, CgroupFs fs, boolean controllers, DiskReadLimit diskReads) {
        this.runsDir = runsDir;
        this.fs = fs;
        this.controllers = controllers;
        this.diskReads = diskReads;
    }

    /**
     * Prepares the service's own cgroup as described above and returns the driver.
     *
     * @param ownDir       the service's own cgroup (the parent of proctor-service)
     * @param runsDirName  the directory below it that holds the runs
     */
    public static CgroupV2Driver open(Path ownDir, String runsDirName) {
        return open(ownDir, runsDirName, new CgroupFs());
    }

    static CgroupV2Driver open(Path ownDir, String runsDirName, CgroupFs fs) {
        return open(ownDir, runsDirName, fs, DiskReadLimit.NONE);
    }

    /**
     * As {@link #open(Path, String)}; with the io controller enabled too when {@code diskReads} limits and the
     * own cgroup offers it (else runs' reads are not throttled: {@link CgroupDetector#warnings()} says so).
     */
    static CgroupV2Driver open(Path ownDir, String runsDirName, CgroupFs fs, DiskReadLimit diskReads) {
        if (!enabled(fs, ownDir)) {
            moveSelfToLeaf(fs, ownDir);
            fs.write(ownDir.resolve("cgroup.subtree_control"), CONTROLLERS);
        }
        Path runs = ownDir.resolve(runsDirName);
        fs.mkdirIfMissing(runs);
        if (!enabled(fs, runs)) {
            fs.write(runs.resolve("cgroup.subtree_control"), CONTROLLERS);
        }
        boolean io = diskReads.limits() && offers(fs, ownDir, "io");
        if (io) {
            try {
                for (Path dir : List.of(ownDir, runs)) {
                    if (!subtree(fs, dir).contains("io")) {
                        fs.write(dir.resolve("cgroup.subtree_control"), "+io");
                    }
                }
            } catch (CgroupException e) {
                // runs go on with every other limit; their reads are not throttled, and the log says so
                LOG.warnf("the io controller could not be enabled, disk reads are not throttled: %s", e.getMessage());
                io = false;
            }
        }
        return new CgroupV2Driver(runs, fs, true, io ? diskReads : DiskReadLimit.NONE);
    }

    /** Whether {@code dir}'s parent lets it enable {@code controller} for its children (its cgroup.controllers). */
    static boolean offers(CgroupFs fs, Path dir, String controller) {
        return Arrays.asList(fs.readIfExists(dir.resolve("cgroup.controllers"))
                        .orElse("")
                        .trim()
                        .split("\\s+"))
                .contains(controller);
    }

    private static List<String> subtree(CgroupFs fs, Path dir) {
        return Arrays.asList(
                fs.read(dir.resolve("cgroup.subtree_control")).trim().split("\\s+"));
    }

    /**
     * The driver without controllers (see the class comment), runs below {@code <ownDir>/<runsDirName>}.
     * Moves no process and enables nothing: on a hierarchy without controllers the
     * no-internal-process rule does not apply.
     */
    public static CgroupV2Driver withoutControllers(Path ownDir, String runsDirName) {
        return withoutControllers(ownDir, runsDirName, new CgroupFs());
    }

    static CgroupV2Driver withoutControllers(Path ownDir, String runsDirName, CgroupFs fs) {
        Path runs = ownDir.resolve(runsDirName);
        fs.mkdirIfMissing(runs);
        return new CgroupV2Driver(runs, fs, false, DiskReadLimit.NONE);
    }

    /** A driver over a runs dir that exists already (of a dead engine, to remove it): changes nothing else. */
    static CgroupV2Driver existing(Path runsDir, CgroupFs fs) {
        return new CgroupV2Driver(runsDir, fs, false, DiskReadLimit.NONE);
    }

    /** Moves this JVM (all its threads) out of {@code ownDir} so controllers can be enabled there. */
    private static void moveSelfToLeaf(CgroupFs fs, Path ownDir) {
        String self = Long.toString(ProcessHandle.current().pid());
        if (!fs.pids(ownDir.resolve("cgroup.procs")).contains(Integer.valueOf(self))) {
            return;
        }
        Path leaf = ownDir.resolve(CgroupDetector.SERVICE_LEAF);
        fs.mkdirIfMissing(leaf);
        fs.write(leaf.resolve("cgroup.procs"), self);
        List<Integer> others = fs.pids(ownDir.resolve("cgroup.procs"));
        if (!others.isEmpty()) {
            // other processes are not the service's to move: say so rather than fail later with EBUSY
            throw new CgroupException("cannot enable controllers in " + ownDir.resolve("cgroup.subtree_control")
                    + ": processes " + others + " also live in " + ownDir
                    + ": give the service a delegated cgroup of its own");
        }
    }

    private static boolean enabled(CgroupFs fs, Path dir) {
        return subtree(fs, dir).containsAll(List.of("cpu", "memory", "pids"));
    }

    @Override
    public String version() {
        return CgroupVersion.V2.label();
    }

    /** What works but less well than it should, noticed while creating runs (as {@link CgroupV1Driver#problems()}). */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** Where the runs are created. */
    public Path runsDir() {
        return runsDir;
    }

    /** Whether runs get limits: false for {@link #withoutControllers}. */
    public boolean limitsRuns() {
        return controllers;
    }

    /** @throws CgroupException on a driver {@link #withoutControllers}: it cannot apply limits */
    @Override
    public RunCgroup create(String name, Limits limits) {
        if (!controllers) {
            throw new CgroupException("cannot limit run " + name + ": the cpu, memory and pids controllers are not"
                    + " enabled in " + runsDir + " (a driver without controllers only accounts and kills;"
                    + " createWithoutLimits)");
        }
        Path dir = runDir(name);
        fs.mkdir(dir);
        try {
            CgroupV2Run run = new CgroupV2Run(dir, fs, true, diskReads, problems);
            run.limit(limits);
            return run;
        } catch (CgroupException e) {
            fs.rmdir(dir);
            throw e;
        }
    }

    /**
     * A run cgroup with the core files only, on a driver {@link #withoutControllers}: no memory, pids
     * or CPU limit, memory not accounted (-1 in its stats).
     *
     * @throws IllegalStateException on a driver with controllers: there every run has its limits
     */
    public RunCgroup createWithoutLimits(String name) {
        if (controllers) {
            throw new IllegalStateException("a run below " + runsDir + " must have limits: use create(name, limits)");
        }
        Path dir = runDir(name);
        fs.mkdir(dir);
        return new CgroupV2Run(dir, fs, false, DiskReadLimit.NONE, problems);
    }

    private Path runDir(String name) {
        if (!CgroupV1Driver.RUN_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("run name must match [a-z0-9-]+: '" + name + "'");
        }
        return runsDir.resolve(name);
    }

    @Override
    public int cleanupStale() {
        List<Path> stale = fs.children(runsDir);
        for (Path dir : stale) {
            new CgroupV2Run(dir, fs, controllers, DiskReadLimit.NONE, problems).destroy();
        }
        return stale.size();
    }

    @Override
    public void removeRunsDir() {
        cleanupStale();
        fs.rmdir(runsDir);
    }
}
