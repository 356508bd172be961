package dev.proctor.sandbox.cgroups;

import dev.proctor.sandbox.accounting.CgroupStats;
import dev.proctor.sandbox.accounting.CpuAcctParser;
import dev.proctor.sandbox.accounting.CpuStatParser;
import dev.proctor.sandbox.accounting.KeyValueParser;
import dev.proctor.sandbox.accounting.OomControlParser;
import dev.proctor.sandbox.linux.Syscalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/** The v1 cgroups of one run: one directory per hierarchy (co-mounted ones shared). */
final class CgroupV1Run implements RunCgroup {

    private static final Logger LOG = Logger.getLogger(CgroupV1Run.class);
    static final int KILL_ROUNDS = 20;
    static final Duration FREEZE_TIMEOUT = Duration.ofSeconds(1);
    static final Duration EXIT_WAIT = Duration.ofMillis(200);
    static final Duration RMDIR_TIMEOUT = Duration.ofSeconds(2);

    private final Map<String, Path> dirs;
    private final Set<Path> distinct;
    private final CgroupFs fs;

    /** @param dirs controller → the run's directory in that controller's hierarchy */
    CgroupV1Run(Map<String, Path> dirs, CgroupFs fs) {
        this.dirs = new LinkedHashMap<>(dirs);
        this.distinct = new LinkedHashSet<>(dirs.values());
        this.fs = fs;
    }

    @Override
    public List<Path> attachFiles() {
        return distinct.stream().map(dir -> dir.resolve("tasks")).toList();
    }

    @Override
    public Path cgroupDir() {
        return null;
    }

    @Override
    public Path cpuUsageFile() {
        return dirs.get("cpuacct").resolve("cpuacct.usage");
    }

    @Override
    public Path memoryCurrentFile() {
        return dirs.get("memory").resolve("memory.usage_in_bytes");
    }

    @Override
    public CgroupStats readStats() {
        Path cpuacct = dirs.get("cpuacct");
        Path memory = dirs.get("memory");
        CpuAcctParser.CpuTimes cpu = CpuAcctParser.parse(
                fs.read(cpuacct.resolve("cpuacct.usage")),
                fs.read(cpuacct.resolve("cpuacct.stat")),
                fs.readIfExists(cpuacct.resolve("cpuacct.usage_user")).orElse(null),
                fs.readIfExists(cpuacct.resolve("cpuacct.usage_sys")).orElse(null));
        CpuStatParser.CpuStat throttling =
                CpuStatParser.parseV1(fs.read(dirs.get("cpu").resolve("cpu.stat")));
        long pidsPeak = fs.readIfExists(dirs.get("pids").resolve("pids.peak"))
                .map(KeyValueParser::single)
                .orElse(-1L);
        return new CgroupStats(
                cpu.totalMicros(),
                cpu.userMicros(),
                cpu.systemMicros(),
                KeyValueParser.single(fs.read(memory.resolve("memory.max_usage_in_bytes"))),
                OomControlParser.parse(fs.read(memory.resolve("memory.oom_control")))
                        .oomKills(),
                KeyValueParser.single(fs.read(memory.resolve("memory.failcnt"))),
                pidsPeak,
                throttling.throttledPeriods(),
                throttling.throttledMicros(),
                -1,
                -1);
    }

    /**
     * Freezes the run so nothing can fork between reading cgroup.procs and the SIGKILLs (a fork
     * bomb otherwise outruns the loop), kills every listed process, thaws so the kills are
     * delivered, and repeats until every hierarchy is empty.
     */
    @Override
    public void killAll() {
        for (int round = 0; round < KILL_ROUNDS; round++) {
            if (isEmpty()) {
                return;
            }
            boolean frozen = freeze();
            for (Path dir : distinct) {
                for (int pid : fs.pids(dir.resolve("cgroup.procs"))) {
                    Syscalls.kill(pid, Syscalls.SIGKILL);
                }
            }
            if (frozen) {
                thaw();
            }
            CgroupFs.pollUntil(this::isEmpty, EXIT_WAIT);
        }
        if (!isEmpty()) {
            throw new CgroupException("processes remain in " + distinct + " after " + KILL_ROUNDS
                    + " SIGKILL rounds (pids " + remainingPids() + "): a task stuck in uninterruptible sleep?");
        }
    }

    @Override
    public boolean isEmpty() {
        return distinct.stream()
                .allMatch(dir -> fs.pids(dir.resolve("cgroup.procs")).isEmpty());
    }

    @Override
    public void close() {
        try {
            destroy();
        } catch (RuntimeException e) {
            LOG.errorf("run cgroup %s not removed: %s", distinct, e.getMessage());
        }
    }

    /** {@link #close()} that throws: kills, then removes every directory. */
    void destroy() {
        killAll();
        List<Path> busy = new ArrayList<>(distinct);
        // a task that was just killed can keep its cgroup busy for a few milliseconds
        CgroupFs.pollUntil(
                () -> {
                    busy.removeIf(fs::rmdir);
                    return busy.isEmpty();
                },
                RMDIR_TIMEOUT);
        if (!busy.isEmpty()) {
            throw new CgroupException("rmdir " + busy + " failed: Device or resource busy for "
                    + RMDIR_TIMEOUT.toMillis() + " ms after every process was killed");
        }
    }

    private boolean freeze() {
        Path freezer = dirs.get("freezer");
        if (freezer == null || !Files.isDirectory(freezer)) {
            return false;
        }
        Path state = freezer.resolve("freezer.state");
        fs.write(state, "FROZEN");
        // FREEZING until every task stopped; go on after the bound anyway, the kills still land
        CgroupFs.pollUntil(() -> fs.read(state).trim().equals("FROZEN"), FREEZE_TIMEOUT);
        return true;
    }

    private void thaw() {
        fs.write(dirs.get("freezer").resolve("freezer.state"), "THAWED");
    }

    private List<Integer> remainingPids() {
        List<Integer> pids = new ArrayList<>();
        distinct.forEach(dir -> pids.addAll(fs.pids(dir.resolve("cgroup.procs"))));
        return pids;
    }
}
