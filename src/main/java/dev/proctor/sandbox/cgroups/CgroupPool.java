package dev.proctor.sandbox.cgroups;

import dev.proctor.sandbox.Limits;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Takes the creation and removal of run cgroups off a run's critical path, and most of it off the
 * machine: a finished run's cgroup is recycled for a later run ({@link RunCgroup#recycle}: emptied,
 * counters reset or read as the next run's baseline) instead of being removed, where the cgroup
 * version keeps the next run's accounting its own (v1). A cgroup that cannot be recycled (v2; a run
 * left memory charged to it, had more tasks than {@link dev.proctor.sandbox.accounting.CgroupStats#PIDS_FLOOR},
 * its reset failed, or it served {@link #MAX_USES} runs) is removed and a fresh one made ahead in
 * its place. The pool holds at most {@link #MAX_IDLE} idle cgroups; every cgroup lives below the
 * engine's runs directory, so the driver's clean-up finds idle ones too.
 */
public final class CgroupPool implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(CgroupPool.class);
    /** Idle cgroups made ahead of need when none is idle; a job's tests share limits, so two suffice. */
    private static final int SPARES = 2;
    /** Idle cgroups kept at most (more than the runs ever at once is never needed); the rest are removed. */
    static final int MAX_IDLE = 8;
    /** Runs a cgroup serves before it is replaced: bounds what the kernel may keep per cgroup. */
    static final int MAX_USES = 1000;
    /**
     * Memory still charged to a finished run's cgroup above which it is replaced rather than reused: the
     * next run's memory peak counts from it. What a trivial run leaves (kernel objects freed after it,
     * per-CPU charge batches) stays below it; a page cache the run brought in, or pages of its work
     * directory's tmpfs, do not, and stay cached in the removed cgroup (no eviction, as with a fresh one).
     */
    static final long RESIDUAL_BYTES = 512 * 1024;
    /**
     * How long a cgroup with more than {@link #RESIDUAL_BYTES} charged right after its run rests before
     * it is checked again: most of such a residue is kernel memory the kernel frees once an RCU grace
     * period has passed (a moment later the same cgroups showed 8-400 KiB), and reclaiming it at once
     * (memory.force_empty) was half of the pool's CPU. Only what is still there after the last of
     * {@link #RECHECKS} rests is reclaimed.
     */
    static final Duration RECHECK_DELAY = Duration.ofMillis(20);
    /**
     * How many times a cgroup still charged after its run is checked again before it is replaced, each
     * after twice the rest before it ({@link #RECHECK_DELAY}, 40 ms, ... 320 ms: 620 ms in all); only the
     * last reclaims. Reclaiming cannot free what waits for an RCU grace period, and on a busy machine a
     * grace period can outlast the first rest: the page tables of a process that mapped 2 GiB (4 MiB of
     * them, still charged right after it exited, ~100 KiB left 20 ms later here) are the likely reason
     * such a cgroup was once replaced in CI instead of reused, after a single rest and its reclaim.
     */
    static final int RECHECKS = 5;
    /**
     * How long a finished run's cgroup rests before a later run recycles it: a residue the kernel frees a
     * moment after the run is gone by then.
     */
    static final Duration RELEASE_DELAY = Duration.ofMillis(10);
    /**
     * Released cgroups are recycled by the threads of later runs: each, once its run is under way, while it
     * waits for the run's reply ({@link #recycleDue}), and {@link #take} when no cgroup is idle. Those
     * threads would only sleep then, or make a cgroup; no thread is woken for it. The pool's own thread,
     * woken per batch of released cgroups and then waiting out the batch's delay on a timer, was 0.29 ms of
     * CPU per run here, of which its reads and writes were ~0.03 ms.
     */
    private static final int DUE_PER_CALL = 2;

    private final CgroupDriver driver;
    private final String namePrefix;
    private final AtomicLong sequence = new AtomicLong();
    /** Cgroups ready for a run, oldest first: the oldest has rested longest. */
    private final Deque<RunCgroup> idle = new ArrayDeque<>();

    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cgroup-pool");
        t.setDaemon(true);
        return t;
    });

    private final Duration recheckDelay;
    /** Released cgroups with their release time, oldest first (guarded by itself). */
    private final Deque<Released> released = new ArrayDeque<>();

    /** A cgroup released at {@code at} ({@link System#nanoTime()}). */
    private record Released(RunCgroup cgroup, long at) {}

    public CgroupPool(CgroupDriver driver, String namePrefix) {
        this(driver, namePrefix, RECHECK_DELAY);
    }

    /** {@code recheckDelay}: see {@link #RECHECK_DELAY} (tests choose their own). */
    CgroupPool(CgroupDriver driver, String namePrefix, Duration recheckDelay) {
        this.driver = driver;
        this.namePrefix = namePrefix;
        this.recheckDelay = recheckDelay;
    }

    /**
     * A cgroup with these limits that no process is in and whose counters start from the run: an idle
     * one (with the same limits if there is one, else with its limits rewritten), or one made now.
     */
    public RunCgroup take(Limits limits) {
        RunCgroup cgroup = pollIdle(limits);
        // none idle: a released one, recycled now whatever its rest, costs less than one made now
        for (int i = 0; cgroup == null && i < DUE_PER_CALL; i++) {
            RunCgroup c = pollReleased(System.nanoTime());
            if (c == null) {
                break;
            }
            cgroup = recycleHere(c);
        }
        if (cgroup != null && idleCount() < SPARES) {
            // cgroups resting after their run (see RECHECK_DELAY) are not idle yet: a spare made now
            // keeps the next take from making one on the run's path
            submit(() -> refill(limits));
        }
        if (cgroup != null && !limits.equals(cgroup.limits())) {
            try {
                cgroup.limit(limits);
            } catch (CgroupException e) {
                LOG.debugf("idle cgroup not reused, its limits could not be changed: %s", e.getMessage());
                removeLater(cgroup);
                cgroup = null;
            }
        }
        if (cgroup == null) {
            cgroup = driver.create(nextName(), limits);
            submit(() -> refill(limits));
        }
        return cgroup;
    }

    /**
     * Takes back the cgroup of a finished run: a later run recycles it ({@link #DUE_PER_CALL}), or kills
     * what is left in it and has it removed when it cannot be.
     */
    public void release(RunCgroup cgroup) {
        synchronized (released) {
            if (!background.isShutdown()) {
                released.addLast(new Released(cgroup, System.nanoTime()));
                return;
            }
        }
        cgroup.close(); // shut down: nothing will recycle it
    }

    /**
     * Recycles up to {@link #DUE_PER_CALL} released cgroups that have rested {@link #RELEASE_DELAY}: called
     * by a run's thread once its run is under way, while it waits for the run's reply. Never throws; a
     * cgroup that cannot be recycled at once is rechecked or removed by the pool's thread, not here.
     */
    public void recycleDue() {
        for (int i = 0; i < DUE_PER_CALL; i++) {
            RunCgroup c = pollReleased(System.nanoTime() - RELEASE_DELAY.toNanos());
            if (c == null) {
                return;
            }
            RunCgroup ready = recycleHere(c);
            if (ready != null && !offer(ready)) {
                removeLater(ready);
            }
        }
    }

    /**
     * Recycles {@code cgroup} on the calling thread: it when it is ready for a run, else null (its recheck
     * after a rest, or its removal and replacement, handed to the pool's thread).
     */
    private RunCgroup recycleHere(RunCgroup cgroup) {
        try {
            RunCgroup.Recycled recycled = cgroup.recycle(RESIDUAL_BYTES, MAX_USES, false);
            if (recycled == RunCgroup.Recycled.READY) {
                return cgroup;
            }
            if (!submit(() -> afterCheck(cgroup, recycled, 1))) {
                cgroup.close();
            }
        } catch (RuntimeException e) {
            LOG.warnf("cgroup recycling failed: %s", e.getMessage());
            removeLater(cgroup);
        }
        return null;
    }

    /** The oldest released cgroup if it was released at or before {@code releasedBy}, else null. */
    private RunCgroup pollReleased(long releasedBy) {
        synchronized (released) {
            Released first = released.peekFirst();
            if (first == null || first.at() - releasedBy > 0) {
                return null;
            }
            released.pollFirst();
            return first.cgroup();
        }
    }

    /**
     * Kills what is left in the cgroup of a run that did not end normally and removes it, in the background;
     * never handed out again (a process of that run may still be joining it).
     */
    public void discard(RunCgroup cgroup) {
        Limits limits = cgroup.limits();
        if (!submit(() -> {
            cgroup.close();
            refill(limits);
        })) {
            cgroup.close();
        }
    }

    private RunCgroup pollIdle(Limits limits) {
        synchronized (idle) {
            for (Iterator<RunCgroup> it = idle.iterator(); it.hasNext(); ) {
                RunCgroup c = it.next();
                if (limits.equals(c.limits())) {
                    it.remove();
                    return c;
                }
            }
            return idle.pollFirst();
        }
    }

    /**
     * What follows a recycling attempt's outcome {@code recycled}: the first attempt's ({@link #recycleHere},
     * which did not make the cgroup ready; {@code next} 1) or a recheck's. A cgroup still charged with more
     * than {@link #RESIDUAL_BYTES} ({@link RunCgroup.Recycled#LATER}) rests and is checked again, the
     * {@code next}th time after {@code 2^(next-1)} times {@link #recheckDelay}, up to {@link #RECHECKS} times;
     * only the last reclaims (memory.force_empty), if the kernel has not freed the residue by then. Any
     * other outcome is settled ({@link #settle}): a ready cgroup goes idle, one that cannot be recycled is
     * replaced. Every cgroup handed out was reset and had its baseline read ({@link RunCgroup.Recycled#READY}).
     */
    private void afterCheck(RunCgroup cgroup, RunCgroup.Recycled recycled, int next) {
        if (recycled == RunCgroup.Recycled.LATER
                && next <= RECHECKS
                && schedule(() -> recheck(cgroup, next), recheckDelay.multipliedBy(1L << (next - 1)))) {
            return;
        }
        settle(cgroup, recycled);
    }

    private void recheck(RunCgroup cgroup, int n) {
        afterCheck(cgroup, cgroup.recycle(RESIDUAL_BYTES, MAX_USES, n == RECHECKS), n + 1);
    }

    private void settle(RunCgroup cgroup, RunCgroup.Recycled recycled) {
        if (recycled == RunCgroup.Recycled.READY && offer(cgroup)) {
            return;
        }
        Limits limits = cgroup.limits();
        cgroup.close();
        refill(limits);
    }

    private int idleCount() {
        synchronized (idle) {
            return idle.size();
        }
    }

    /** Makes a spare ahead of time when fewer than {@link #SPARES} are idle. */
    private void refill(Limits limits) {
        synchronized (idle) {
            if (idle.size() >= SPARES) {
                return;
            }
        }
        RunCgroup made = driver.create(nextName(), limits);
        if (!offer(made)) {
            made.close();
        }
    }

    private boolean offer(RunCgroup cgroup) {
        synchronized (idle) {
            if (idle.size() >= MAX_IDLE) {
                return false;
            }
            idle.addLast(cgroup);
            return true;
        }
    }

    private void removeLater(RunCgroup cgroup) {
        if (!submit(cgroup::close)) {
            cgroup.close();
        }
    }

    private boolean submit(Runnable task) {
        return schedule(task, Duration.ZERO);
    }

    private boolean schedule(Runnable task, Duration delay) {
        Runnable logged = () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warnf("background cgroup work failed: %s", e.getMessage());
            }
        };
        try {
            if (delay.isZero()) {
                background.execute(logged);
            } else {
                background.schedule(logged, delay.toNanos(), TimeUnit.NANOSECONDS);
            }
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private String nextName() {
        return namePrefix + "-c" + sequence.incrementAndGet();
    }

    /** Whether this cgroup is idle, ready for a run (for tests). */
    boolean isIdle(RunCgroup cgroup) {
        synchronized (idle) {
            return idle.contains(cgroup);
        }
    }

    /** Finishes pending recycling and removals, then removes every idle cgroup. */
    @Override
    public void close() {
        background.shutdown();
        try {
            if (!background.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("cgroup removals still pending at shutdown; start-up cleanup will finish them");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (RunCgroup c = pollReleased(System.nanoTime()); c != null; c = pollReleased(System.nanoTime())) {
            c.close();
        }
        List<RunCgroup> left;
        synchronized (idle) {
            left = new ArrayList<>(idle);
            idle.clear();
        }
        left.forEach(RunCgroup::close);
    }
}
