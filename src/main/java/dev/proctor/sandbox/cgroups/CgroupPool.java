package dev.proctor.sandbox.cgroups;

import dev.proctor.sandbox.Limits;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Takes the creation and removal of run cgroups off a run's critical path. Every run still gets a
 * cgroup of its own that no other run ever used (counters are never carried over): the pool only
 * creates the next one ahead of time, with the same limits as the last run that asked, and
 * removes finished ones in the background.
 */
public final class CgroupPool implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(CgroupPool.class);
    /** Spare cgroups kept per distinct limits; a job's tests share limits, so one or two suffice. */
    private static final int SPARES_PER_LIMITS = 2;
    /** Distinct limits remembered; older ones' spares are removed. */
    private static final int MAX_LIMITS = 8;

    private final CgroupDriver driver;
    private final String namePrefix;
    private final AtomicLong sequence = new AtomicLong();
    private final Map<Limits, Deque<RunCgroup>> spares = new LinkedHashMap<>(16, 0.75f, true);
    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cgroup-pool");
        t.setDaemon(true);
        return t;
    });

    public CgroupPool(CgroupDriver driver, String namePrefix) {
        this.driver = driver;
        this.namePrefix = namePrefix;
    }

    /** A fresh cgroup with these limits: a spare made ahead of time, or one made now. */
    public RunCgroup take(Limits limits) {
        RunCgroup spare;
        synchronized (spares) {
            Deque<RunCgroup> queue = spares.computeIfAbsent(limits, l -> new ArrayDeque<>());
            spare = queue.pollFirst();
            evictOldLimits();
        }
        submit(() -> refill(limits));
        return spare != null ? spare : driver.create(nextName(), limits);
    }

    /** Kills what is left in the cgroup and removes it, in the background. */
    public void release(RunCgroup cgroup) {
        if (!submit(cgroup::close)) {
            cgroup.close();
        }
    }

    private void refill(Limits limits) {
        synchronized (spares) {
            Deque<RunCgroup> queue = spares.get(limits);
            if (queue == null || queue.size() >= SPARES_PER_LIMITS) {
                return;
            }
        }
        RunCgroup made = driver.create(nextName(), limits);
        synchronized (spares) {
            Deque<RunCgroup> queue = spares.get(limits);
            if (queue != null && queue.size() < SPARES_PER_LIMITS) {
                queue.addLast(made);
                return;
            }
        }
        made.close();
    }

    private void evictOldLimits() {
        while (spares.size() > MAX_LIMITS) {
            Map.Entry<Limits, Deque<RunCgroup>> eldest =
                    spares.entrySet().iterator().next();
            spares.remove(eldest.getKey());
            for (RunCgroup c : eldest.getValue()) {
                submit(c::close);
            }
        }
    }

    private boolean submit(Runnable task) {
        try {
            background.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warnf("background cgroup work failed: %s", e.getMessage());
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private String nextName() {
        return namePrefix + "-c" + sequence.incrementAndGet();
    }

    /** Finishes pending removals and removes every spare. */
    @Override
    public void close() {
        List<RunCgroup> left = new ArrayList<>();
        synchronized (spares) {
            spares.values().forEach(left::addAll);
            spares.clear();
        }
        background.shutdown();
        try {
            if (!background.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("cgroup removals still pending at shutdown; start-up cleanup will finish them");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        left.forEach(RunCgroup::close);
    }
}
