package dev.proctor.sandbox.cgroups;

import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.accounting.CgroupStats;
import dev.proctor.sandbox.accounting.CpuStatParser;
import dev.proctor.sandbox.accounting.IoStatParser;
import dev.proctor.sandbox.accounting.KeyValueParser;
import dev.proctor.sandbox.accounting.MemoryEventsParser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/** The v2 cgroup of one run: a single directory. */
final class CgroupV2Run implements RunCgroup {

    private static final Logger LOG = Logger.getLogger(CgroupV2Run.class);
    static final Duration KILL_TIMEOUT = Duration.ofSeconds(5);
    static final Duration RMDIR_TIMEOUT = Duration.ofSeconds(2);

    private final Path dir;
    private final CgroupFs fs;
    /** Whether the memory controller governs the run: without it there is no memory.* file at all. */
    private final boolean memory;

    /** The files named in every run's launch spec, resolved once. */
    private final Path cpuStat;

    private final Path memoryCurrent;

    private Limits limits;

    /** Written into io.max with the first limits (the io controller enabled): the same for every run. */
    private final DiskReadLimit diskReads;

    /** The driver's problems, where a device whose io.max line the kernel refuses is reported (once). */
    private final List<String> problems;

    CgroupV2Run(Path dir, CgroupFs fs, boolean memory, DiskReadLimit diskReads, List<String> problems) {
        this.dir = dir;
        this.problems = problems;
        this.diskReads = diskReads;
        this.fs = fs;
        this.memory = memory;
        this.cpuStat = dir.resolve("cpu.stat");
        this.memoryCurrent = memory ? dir.resolve("memory.current") : null;
    }

    @Override
    public Limits limits() {
        return limits;
    }

    @Override
    public void limit(Limits next) {
        if (limits == null) {
            fs.write(dir.resolve("memory.swap.max"), "0");
            // one OOM kill takes the whole run: no half-dead job left to limp on
            fs.write(dir.resolve("memory.oom.group"), "1");
            for (String device : diskReads.limits() ? diskReads.devices() : List.<String>of()) {
                try {
                    fs.write(dir.resolve("io.max"), diskReads.v2Line(device));
                } catch (CgroupException e) {
                    // a device whose queue the kernel will not throttle: the others keep their lines
                    DiskReadLimit.refused(problems, device, e.getMessage());
                }
            }
        }
        if (limits == null || limits.memoryBytes() != next.memoryBytes()) {
            fs.write(dir.resolve("memory.max"), Long.toString(next.memoryBytes()));
        }
        if (limits == null || limits.maxPids() != next.maxPids()) {
            fs.write(dir.resolve("pids.max"), Integer.toString(next.maxPids()));
        }
        long quota = CgroupV1Driver.quotaMicros(next);
        if (limits == null || CgroupV1Driver.quotaMicros(limits) != quota) {
            fs.write(dir.resolve("cpu.max"), quota + " " + CgroupV1Driver.CFS_PERIOD_MICROS);
        }
        limits = next;
    }

    /**
     * Never: on v2, cpu.stat usage_usec, pids.peak and memory.events cannot be reset, the launcher
     * compares the absolute CPU counter with the run's limit, and memory.peak resets only for the
     * descriptor that wrote it. A v2 run gets a fresh cgroup (made ahead by the pool).
     */
    @Override
    public Recycled recycle(long residualBytes, int maxUses, boolean reclaim) {
        return Recycled.NO;
    }

    @Override
    public List<Path> attachFiles() {
        return List.of();
    }

    @Override
    public Path cgroupDir() {
        return dir;
    }

    @Override
    public Path cpuUsageFile() {
        return cpuStat;
    }

    /** memory.current; null without the memory controller. */
    @Override
    public Path memoryCurrentFile() {
        return memoryCurrent;
    }

    @Override
    public CgroupStats readStats() {
        CpuStatParser.CpuStat cpu = CpuStatParser.parseV2(fs.read(dir.resolve("cpu.stat")));
        // with the controller, memory.events must be there: a missing OOM count would hide an MLE
        MemoryEventsParser.MemoryEvents events = memory
                ? MemoryEventsParser.parse(fs.read(dir.resolve("memory.events")))
                : new MemoryEventsParser.MemoryEvents(-1, -1);
        // memory.peak (5.19) and pids.peak (6.1) are newer than cgroup.kill (5.14): -1 when absent
        long memoryPeak = fs.readIfExists(dir.resolve("memory.peak"))
                .map(KeyValueParser::single)
                .orElse(-1L);
        long pidsPeak = fs.readIfExists(dir.resolve("pids.peak"))
                .map(KeyValueParser::single)
                .orElse(-1L);
        IoStatParser.IoBytes io = fs.readIfExists(dir.resolve("io.stat"))
                .map(IoStatParser::parse)
                .orElse(new IoStatParser.IoBytes(-1, -1));
        return new CgroupStats(
                cpu.usageMicros(),
                cpu.userMicros(),
                cpu.systemMicros(),
                memoryPeak,
                events.oomKills(),
                events.limitHits(),
                pidsPeak,
                cpu.throttledPeriods(),
                cpu.throttledMicros(),
                io.readBytes(),
                io.writeBytes());
    }

    /** cgroup.kill SIGKILLs every process of the cgroup and its descendants, frozen or not, atomically. */
    @Override
    public void killAll() {
        if (isEmpty()) {
            return;
        }
        fs.write(dir.resolve("cgroup.kill"), "1");
        if (!CgroupFs.pollUntil(this::isEmpty, KILL_TIMEOUT)) {
            throw new CgroupException(dir.resolve("cgroup.events") + " still says populated 1 "
                    + KILL_TIMEOUT.toMillis() + " ms after cgroup.kill: a task stuck in uninterruptible sleep?");
        }
    }

    /** cgroup.events "populated 0": no process in the cgroup or below it. */
    @Override
    public boolean isEmpty() {
        return fs.readIfExists(dir.resolve("cgroup.events"))
                .map(text -> KeyValueParser.get(text, "populated") == 0)
                .orElse(true);
    }

    @Override
    public void close() {
        try {
            destroy();
        } catch (RuntimeException e) {
            LOG.errorf("run cgroup %s not removed: %s", dir, e.getMessage());
        }
    }

    /** {@link #close()} that throws. */
    void destroy() {
        killAll();
        // a task that was just killed can keep its cgroup busy for a few milliseconds
        if (!CgroupFs.pollUntil(() -> fs.rmdir(dir), RMDIR_TIMEOUT)) {
            throw new CgroupException("rmdir " + dir + " failed: Device or resource busy for "
                    + RMDIR_TIMEOUT.toMillis() + " ms after every process was killed");
        }
    }
}
