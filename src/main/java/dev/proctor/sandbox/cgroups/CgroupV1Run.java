package dev.proctor.sandbox.cgroups;

import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.accounting.CgroupStats;
import dev.proctor.sandbox.accounting.CpuAcctParser;
import dev.proctor.sandbox.accounting.CpuStatParser;
import dev.proctor.sandbox.accounting.IoStatParser;
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

/**
 * The v1 cgroups of a run: one directory per hierarchy (co-mounted ones shared). Reusable run after
 * run ({@link #recycle}): the counters the kernel lets us reset are reset, the others are read as a
 * baseline that {@link #readStats()} subtracts.
 */
final class CgroupV1Run implements RunCgroup {

    private static final Logger LOG = Logger.getLogger(CgroupV1Run.class);
    static final int KILL_ROUNDS = 20;
    static final Duration FREEZE_TIMEOUT = Duration.ofSeconds(1);
    static final Duration EXIT_WAIT = Duration.ofMillis(200);
    static final Duration RMDIR_TIMEOUT = Duration.ofSeconds(2);

    private final Map<String, Path> dirs;
    private final Set<Path> distinct;
    private final CgroupFs fs;
    /** The driver's list of what works less well than it should (memsw missing), shared by its runs. */
    private final List<String> problems;
    /** The limits written, null before the first {@link #limit}. */
    private Limits limits;
    /** The counters when the cgroup was last handed out: what {@link #readStats()} subtracts. */
    private CgroupStats handOut = CgroupStats.FRESH;
    /** Whether {@link #killAll} found the cgroup empty since it was last handed out (cleared at hand-out). */
    private boolean emptied;
    /**
     * The counters as {@link #readStats()} read them once {@link #killAll} had found the cgroup empty at
     * its run's end, kept for {@link #recycle}; null when there was no such read since the last hand-out.
     * An empty cgroup's counters stay as they are until it is handed out again: nothing runs in it to add
     * to them, and only a run's own pid 1 joins it (a cgroup whose launch broke off, whose pid 1 may still
     * be on its way in, is discarded, never recycled). So the counters the kernel cannot reset (OOM kills,
     * throttling, the pids peak) and memory.failcnt are taken from here as the next run's baseline, not
     * read (or reset) again: three reads and a write per run. Throttling is the exception after a run that
     * may have used up its quota: the kernel can still count periods then ({@link #endThrottling}).
     */
    private CgroupStats atRest;

    /**
     * CPU time below which a run cannot have used up its CFS quota in any period: the quota less what the
     * CPUs may hold of it at once ({@link CgroupV1Driver#bandwidthReserveMicros}). A run that used more
     * may have left its group throttled ({@link #recycle}).
     */
    private final long bandwidthReserveMicros;

    /** Written into the blkio cgroup (when there is one) with the first limits: the same for every run. */
    private final DiskReadLimit diskReads;

    private int uses = 1;
    /** Whether cpuacct.usage_user and usage_sys exist (ns), found on first read; else cpuacct.stat (ticks). */
    private Boolean nanosecondSplit;

    /** The files read or written for every run, kept open for the cgroup's life ({@link ControlFile}). */
    private final ControlFile cpuacctUsage;

    private final ControlFile cpuacctUsageUser;
    private final ControlFile cpuacctUsageSys;
    private final ControlFile cpuacctUsageAll;
    private final ControlFile cpuacctStat;
    private final ControlFile cpuStat;
    private final ControlFile cpuQuota;
    private final ControlFile memoryUsage;
    private final ControlFile memoryMaxUsage;
    private final ControlFile memoryFailcnt;
    private final ControlFile memoryOomControl;
    private final ControlFile memoryStat;
    private final ControlFile memoryForceEmpty;
    private final ControlFile pidsCurrent;
    private final ControlFile pidsPeak;
    /** blkio.throttle.io_service_bytes: bytes the run read from (and wrote to) block devices; null without blkio. */
    private final ControlFile blkioServiceBytes;

    private final List<ControlFile> controlFiles = new ArrayList<>();
    /** Every hierarchy's tasks file, pids first: named in every run's launch spec, made once. */
    private final List<Path> attachFiles;

    /**
     * @param dirs      controller → the run's directory in that controller's hierarchy
     * @param problems  where a missing memsw is reported (once)
     * @param bandwidthReserveMicros  see {@link CgroupV1Driver#bandwidthReserveMicros}
     */
    CgroupV1Run(
            Map<String, Path> dirs,
            CgroupFs fs,
            List<String> problems,
            long bandwidthReserveMicros,
            DiskReadLimit diskReads) {
        this.dirs = new LinkedHashMap<>(dirs);
        this.diskReads = diskReads;
        // the pids hierarchy first: pid 1 joins it before any other, so a task anywhere in the run is in it
        this.distinct = new LinkedHashSet<>();
        if (dirs.containsKey("pids")) {
            distinct.add(dirs.get("pids"));
        }
        distinct.addAll(dirs.values());
        this.fs = fs;
        this.problems = problems;
        this.bandwidthReserveMicros = bandwidthReserveMicros;
        Path cpuacct = dirs.get("cpuacct");
        Path memory = dirs.get("memory");
        Path pids = dirs.get("pids");
        this.cpuacctUsage = control(cpuacct, "cpuacct.usage");
        this.cpuacctUsageUser = control(cpuacct, "cpuacct.usage_user");
        this.cpuacctUsageSys = control(cpuacct, "cpuacct.usage_sys");
        this.cpuacctUsageAll = control(cpuacct, "cpuacct.usage_all");
        this.cpuacctStat = control(cpuacct, "cpuacct.stat");
        this.cpuStat = control(dirs.get("cpu"), "cpu.stat");
        this.cpuQuota = control(dirs.get("cpu"), "cpu.cfs_quota_us");
        this.memoryUsage = control(memory, "memory.usage_in_bytes");
        this.memoryMaxUsage = control(memory, "memory.max_usage_in_bytes");
        this.memoryFailcnt = control(memory, "memory.failcnt");
        this.memoryOomControl = control(memory, "memory.oom_control");
        this.memoryStat = control(memory, "memory.stat");
        this.memoryForceEmpty = control(memory, "memory.force_empty");
        this.pidsCurrent = control(pids, "pids.current");
        this.pidsPeak = control(pids, "pids.peak");
        this.blkioServiceBytes = control(dirs.get("blkio"), "blkio.throttle.io_service_bytes");
        this.attachFiles = distinct.stream().map(dir -> dir.resolve("tasks")).toList();
    }

    /** A control file of this run kept open until {@link #destroy}; null when the controller is not mounted. */
    private ControlFile control(Path dir, String name) {
        if (dir == null) {
            return null;
        }
        ControlFile file = fs.control(dir.resolve(name));
        controlFiles.add(file);
        return file;
    }

    @Override
    public Limits limits() {
        return limits;
    }

    /**
     * Writes memory (swap 0), pids and CPU bandwidth limits; on a cgroup that has limits already, only
     * the values that differ, in an order the kernel accepts (memsw is never below the memory limit).
     */
    @Override
    public void limit(Limits next) {
        Path memory = dirs.get("memory");
        Path memsw = memory.resolve("memory.memsw.limit_in_bytes");
        boolean swapLimited = Files.exists(memsw);
        String bytes = Long.toString(next.memoryBytes());
        if (limits == null) {
            // oom_kill_disable is inherited from the parent: make sure the OOM killer is on
            fs.write(memory.resolve("memory.oom_control"), "0");
            fs.write(dirs.get("cpu").resolve("cpu.cfs_period_us"), Long.toString(CgroupV1Driver.CFS_PERIOD_MICROS));
            if (!swapLimited) {
                fs.write(memory.resolve("memory.swappiness"), "0");
                if (!problems.contains(CgroupV1Driver.MEMSW_MISSING)) {
                    problems.add(CgroupV1Driver.MEMSW_MISSING);
                }
            }
            throttleDiskReads();
        }
        if (limits == null || limits.memoryBytes() != next.memoryBytes()) {
            // memsw = memory + swap: equal to the memory limit means no swap at all
            boolean raising = limits != null && next.memoryBytes() > limits.memoryBytes();
            if (raising && swapLimited) {
                fs.write(memsw, bytes);
            }
            fs.write(memory.resolve("memory.limit_in_bytes"), bytes);
            if (!raising && swapLimited) {
                fs.write(memsw, bytes);
            }
        }
        if (limits == null || limits.maxPids() != next.maxPids()) {
            fs.write(dirs.get("pids").resolve("pids.max"), Integer.toString(next.maxPids()));
        }
        long quota = CgroupV1Driver.quotaMicros(next);
        if (limits == null || CgroupV1Driver.quotaMicros(limits) != quota) {
            fs.write(dirs.get("cpu").resolve("cpu.cfs_quota_us"), Long.toString(quota));
        }
        limits = next;
    }

    /**
     * The run's reads from each device throttled ({@link DiskReadLimit}). A device whose queue the kernel
     * will not throttle (it refuses the rule) is reported once among the driver's problems and left out
     * ({@link DiskReadLimit#refused}); the others keep their rules.
     */
    private void throttleDiskReads() {
        Path blkio = dirs.get("blkio");
        if (blkio == null || !diskReads.limits()) {
            return;
        }
        for (String device : diskReads.devices()) {
            try {
                fs.write(blkio.resolve("blkio.throttle.read_bps_device"), diskReads.v1Bytes(device));
                fs.write(blkio.resolve("blkio.throttle.read_iops_device"), diskReads.v1Ops(device));
            } catch (CgroupException e) {
                DiskReadLimit.refused(problems, device, e.getMessage());
            }
        }
    }

    /**
     * Makes the cgroup ready for another run, or says it cannot be: it must be empty (every process
     * killed); its resettable counters are reset (cpuacct.usage, memory.failcnt, the
     * memory.max_usage_in_bytes watermark) and the others read as the next run's baseline (memory.failcnt
     * and those others taken from the last run's final read where there was one: {@link #atRest}), a
     * throttling the last run may have left ended first ({@link #endThrottling}); its pids
     * peak must be at most {@link CgroupStats#PIDS_FLOOR}; it must have served fewer than
     * {@code maxUses} runs; and at most {@code residualBytes} may stay charged to it. Above that, a
     * page cache (or tmpfs pages) the run left makes it go rather than be emptied (memory.force_empty
     * would evict files the next runs read again from disk); anything else (per-CPU charge batches,
     * kernel memory the kernel frees a moment after the run, once an RCU grace period has passed) is
     * {@link Recycled#LATER} unless {@code reclaim}, and dropped with memory.force_empty if it is.
     * {@link Recycled#NO}, never an exception, when the cgroup must be removed instead.
     */
    @Override
    public Recycled recycle(long residualBytes, int maxUses, boolean reclaim) {
        if (uses >= maxUses) {
            return Recycled.NO;
        }
        try {
            // found empty since its hand-out (the engine's killAll at the run's end): nothing has joined it since
            if (!emptied) {
                killAll();
            }
            if (KeyValueParser.single(memoryUsage.read()) > residualBytes) {
                long cache = KeyValueParser.get(memoryStat.read(), "cache");
                if (cache != 0) {
                    return Recycled.NO;
                }
                if (!reclaim) {
                    return Recycled.LATER;
                }
                memoryForceEmpty.write("0");
                if (KeyValueParser.single(memoryUsage.read()) > residualBytes) {
                    return Recycled.NO;
                }
            }
            // the supervisor measures the run's CPU against its limit from 0 (and usage_user, usage_sys with it)
            cpuacctUsage.write("0");
            if (atRest == null) {
                memoryFailcnt.write("0");
            }
            // the watermark restarts from what is charged now, at most residualBytes
            memoryMaxUsage.write("0");
            // the last run's CPU as its final read saw it (unknown without one)
            boolean mayBeThrottled = atRest == null
                    || atRest.cpuUsageMicros() - handOut.cpuUsageMicros()
                            > CgroupV1Driver.quotaMicros(limits) - bandwidthReserveMicros;
            if (mayBeThrottled) {
                endThrottling();
            }
            CgroupStats now = readBaselineAfterReset(atRest, mayBeThrottled);
            if (now.pidsPeak() > CgroupStats.PIDS_FLOOR) {
                return Recycled.NO;
            }
            handOut = now;
            atRest = null;
            emptied = false;
            uses++;
            return Recycled.READY;
        } catch (CgroupException | IllegalArgumentException e) {
            LOG.debugf("run cgroup %s not reused: %s", distinct, e.getMessage());
            return Recycled.NO;
        }
    }

    @Override
    public List<Path> attachFiles() {
        return attachFiles;
    }

    @Override
    public Path cgroupDir() {
        return null;
    }

    @Override
    public Path cpuUsageFile() {
        return cpuacctUsage.path();
    }

    @Override
    public Path memoryCurrentFile() {
        return memoryUsage.path();
    }

    /** The run's own share of the counters: what they say now, less what they said at hand-out. */
    @Override
    public CgroupStats readStats() {
        CgroupStats raw = readRawStats();
        atRest = emptied ? raw : null;
        return raw.since(handOut);
    }

    /**
     * Ends a throttling the last run may have left behind, so that the next run neither waits it out nor
     * is charged with it. A run whose tasks used up the quota in kernel mode (exiting, say, while the
     * kernel frees much memory) and never returned to user space leaves its group throttled with no task
     * waiting; the kernel counts the periods until the debt is paid (nr_throttled) at its next period
     * timers, after the run's final read, and a run handed the group meanwhile is held back with it.
     * Measured after a process that mapped 2 GiB exited at a 20 ms quota: 2-4 more periods, and a sleep
     * run handed the group next held 110-300 ms. Writing the quota again refills the group's runtime and
     * unthrottles it at once, without counting a period.
     */
    private void endThrottling() {
        cpuQuota.write(Long.toString(CgroupV1Driver.quotaMicros(limits)));
    }

    private CgroupStats readRawStats() {
        CpuAcctParser.CpuTimes cpu = readCpuTimes(true);
        CpuStatParser.CpuStat throttling = readThrottling();
        IoStatParser.IoBytes io = readIo();
        return new CgroupStats(
                cpu.totalMicros(),
                cpu.userMicros(),
                cpu.systemMicros(),
                KeyValueParser.single(memoryMaxUsage.read()),
                readOomKills(),
                KeyValueParser.single(memoryFailcnt.read()),
                readPidsPeak(),
                throttling.throttledPeriods(),
                throttling.throttledMicros(),
                io.readBytes(),
                io.writeBytes());
    }

    /** Bytes read from and written to block devices by the cgroup's tasks so far; -1 each without blkio. */
    private IoStatParser.IoBytes readIo() {
        return blkioServiceBytes == null
                ? new IoStatParser.IoBytes(-1, -1)
                : IoStatParser.parseV1ServiceBytes(blkioServiceBytes.read());
    }

    /**
     * The counters right after {@link #recycle} reset cpuacct.usage (which zeroes usage_user and usage_sys
     * with it) and, when {@code rest} is null, memory.failcnt, with nothing in the cgroup: only those that
     * cannot be reset are read, or taken from {@code rest} ({@link #atRest}); the throttling counters are
     * read when {@code throttlingEnded} (they may have grown since {@code rest}).
     */
    private CgroupStats readBaselineAfterReset(CgroupStats rest, boolean throttlingEnded) {
        CpuAcctParser.CpuTimes cpu = readCpuTimes(false);
        if (rest != null) {
            CpuStatParser.CpuStat throttling = throttlingEnded ? readThrottling() : null;
            return new CgroupStats(
                    0,
                    cpu.userMicros(),
                    cpu.systemMicros(),
                    0,
                    rest.oomKills(),
                    rest.memoryLimitHits(),
                    rest.pidsPeak(),
                    throttling == null ? rest.throttledPeriods() : throttling.throttledPeriods(),
                    throttling == null ? rest.throttledMicros() : throttling.throttledMicros(),
                    // nothing has run in it since: no task to read or write
                    rest.ioReadBytes(),
                    rest.ioWriteBytes());
        }
        CpuStatParser.CpuStat throttling = readThrottling();
        IoStatParser.IoBytes io = readIo();
        return new CgroupStats(
                0,
                cpu.userMicros(),
                cpu.systemMicros(),
                0,
                readOomKills(),
                0,
                readPidsPeak(),
                throttling.throttledPeriods(),
                throttling.throttledMicros(),
                io.readBytes(),
                io.writeBytes());
    }

    /**
     * The run's CPU, total and split. The total is cpuacct.usage, charged at every context switch to the
     * nanosecond; the split (user, system) is what the kernel counts at its ticks: usage_user and usage_sys,
     * or per CPU in usage_all (the same counters, kernel/sched/cpuacct.c; both halves in one read, Linux
     * 4.16+), else cpuacct.stat (ticks of 10 ms); only ever used as a ratio ({@link CpuSplit}). A kernel
     * without usage_all costs no read for it after the first ({@link ControlFile#readIfExists}).
     * {@code withTotal} false: the total (just reset) is not read, nor the split (reset with it): 0.
     */
    private CpuAcctParser.CpuTimes readCpuTimes(boolean withTotal) {
        String all = withTotal ? cpuacctUsageAll.readIfExists() : null;
        if (all != null) {
            return CpuAcctParser.withSplit(cpuacctUsage.read(), all);
        }
        if (nanosecondSplit == null) {
            nanosecondSplit = Files.exists(cpuacctUsageUser.path()) && Files.exists(cpuacctUsageSys.path());
        }
        if (nanosecondSplit) {
            return withTotal
                    ? CpuAcctParser.parse(cpuacctUsage.read(), null, cpuacctUsageUser.read(), cpuacctUsageSys.read())
                    : new CpuAcctParser.CpuTimes(0, 0, 0);
        }
        return CpuAcctParser.parse(withTotal ? cpuacctUsage.read() : "0", cpuacctStat.read(), null, null);
    }

    private CpuStatParser.CpuStat readThrottling() {
        return CpuStatParser.parseV1(cpuStat.read());
    }

    private long readOomKills() {
        return OomControlParser.parse(memoryOomControl.read()).oomKills();
    }

    private long readPidsPeak() {
        String text = pidsPeak == null ? null : pidsPeak.readIfExists();
        return text == null ? -1L : KeyValueParser.single(text);
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
                emptied = true;
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
        emptied = true;
    }

    /**
     * Whether no process is left. pids.current 0 says so in one read: the launcher's pid 1 joins the pids
     * hierarchy first ({@link #attachFiles()}), its children inherit every hierarchy, and a task stays
     * counted there until it is reaped. Otherwise (a task, or a zombie not yet reaped) every hierarchy's
     * cgroup.procs is read.
     */
    @Override
    public boolean isEmpty() {
        String current = pidsCurrent == null ? null : pidsCurrent.readIfExists();
        if (current != null && KeyValueParser.single(current) == 0) {
            return true;
        }
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

    /** {@link #close()} that throws: kills, closes the control files kept open, then removes every directory. */
    void destroy() {
        try {
            killAll();
        } finally {
            controlFiles.forEach(ControlFile::close);
        }
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
