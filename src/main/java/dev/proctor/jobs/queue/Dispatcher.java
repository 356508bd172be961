package dev.proctor.jobs.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.grading.GradeResult;
import dev.proctor.grading.Grader;
import dev.proctor.grading.JobSpec;
import dev.proctor.jobs.JobQueued;
import dev.proctor.jobs.JobWaiters;
import dev.proctor.jobs.LocalSlots;
import dev.proctor.jobs.RunningHere;
import dev.proctor.persistence.DatabaseFaults;
import dev.proctor.sandbox.Cancellation;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Claims queued jobs for this node and runs them, at most {@code slots} at once. Woken by
 * {@link QueueListener}; holds a lease per job, renewed while it runs; writes the result once,
 * guarded by the lease, so a runner whose job was requeued elsewhere cannot write twice.
 */
@ApplicationScoped
public class Dispatcher implements LocalSlots {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class);

    @Inject
    NodeConfig config;

    @Inject
    JobStore store;

    @Inject
    Grader grader;

    @Inject
    dev.proctor.problems.ProblemJobs problemJobs;

    @Inject
    JobWaiters waiters;

    @Inject
    ResultWriter results;

    @Inject
    ObjectMapper json;

    @Inject
    MeterRegistry metrics;

    @Inject
    RunningHere runningHere;

    private String nodeId;
    private int slots;
    private Semaphore free;
    private ExecutorService runners;
    private ScheduledExecutorService timers;
    private QueueListener listener;
    private final Object wake = new Object();
    private boolean wakeRequested;
    private volatile boolean stopping;
    private final Map<UUID, Cancellation> running = new ConcurrentHashMap<>();
    /**
     * Jobs this node accepted and woke its claims for, until their NOTIFY comes back; bounded, since a
     * notification that arrives first, or never (a lost listener connection), leaves its id here.
     */
    private final Set<UUID> wokenFor = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
            return size() > WOKEN_FOR_MAX;
        }
    });

    private static final int WOKEN_FOR_MAX = 1024;

    void start(@Observes StartupEvent event) {
        nodeId = config.id()
                .orElseGet(() -> hostname() + "-" + UUID.randomUUID().toString().substring(0, 8));
        slots = config.slots().orElse(Runtime.getRuntime().availableProcessors());
        free = new Semaphore(slots);
        store.registerNode(nodeId, hostname(), slots);
        metrics.gauge("proctor.jobs.running.local", running, Map::size);
        timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "proctor-lease"));
        long renew = config.renewInterval().toMillis();
        timers.scheduleWithFixedDelay(this::renewAndFlush, renew, renew, TimeUnit.MILLISECONDS);
        listener = new QueueListener(
                this::wake,
                this::newsOf,
                this::cancelLocal,
                waiters::finished,
                runningHere::listening,
                runningHere::deaf,
                config.pollInterval().toMillis());
        Thread lt = daemon(listener, "proctor-queue-listener");
        lt.start();
        if (!config.dispatch()) {
            LOG.infof("node %s: dispatch disabled (proctor.node.dispatch=false)", nodeId);
            return;
        }
        runners = Executors.newFixedThreadPool(slots, r -> daemon(r, "proctor-runner"));
        daemon(this::claimLoop, "proctor-dispatcher").start();
        LOG.infof("node %s: dispatching with %d slots", nodeId, slots);
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** A job accepted by this node: claimed without waiting for the NOTIFY to come back from PostgreSQL. */
    void onQueued(@Observes JobQueued queued) {
        synchronized (wokenFor) {
            wokenFor.add(queued.id());
        }
        wake();
    }

    /**
     * Whether the NOTIFY of a queued job should wake the claims: not when this node accepted the job and woke
     * them already (a claim then would find the job gone and cost a round trip for nothing).
     */
    private boolean newsOf(UUID queued) {
        synchronized (wokenFor) {
            return !wokenFor.remove(queued);
        }
    }

    void wake() {
        synchronized (wake) {
            wakeRequested = true;
            wake.notifyAll();
        }
    }

    private void claimLoop() {
        while (!stopping) {
            try {
                synchronized (wake) {
                    while (!wakeRequested && !stopping) {
                        wake.wait();
                    }
                    wakeRequested = false;
                }
                while (!stopping) {
                    free.acquire();
                    JobStore.Claim claim;
                    long leaseWrittenAt = System.nanoTime();
                    try {
                        claim = stopping ? null : store.claim(nodeId, config.lease());
                    } catch (RuntimeException e) {
                        free.release();
                        throw e;
                    }
                    if (claim == null) {
                        free.release();
                        break;
                    }
                    Cancellation cancel = new Cancellation();
                    running.put(claim.id(), cancel);
                    // polls of the job are answered from this node's memory while it runs here
                    runningHere.started(claim.row(), leaseWrittenAt, config.lease());
                    runners.execute(() -> runJob(claim, cancel));
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (DatabaseFaults.unreachable(e)) {
                    LOG.warnf(
                            "claiming failed, the database is unreachable (%s); retrying at the next wake-up",
                            DatabaseFaults.reason(e));
                } else {
                    LOG.warnf(e, "claiming failed; retrying at the next wake-up");
                }
            }
        }
    }

    /**
     * A free slot for a job about to be inserted (see {@link LocalSlots}): none while stopping, when dispatch is
     * off or every slot is busy.
     */
    @Override
    public LocalSlots.Slot reserve() {
        if (runners == null || stopping || !free.tryAcquire()) {
            return null;
        }
        if (stopping) {
            free.release();
            return null;
        }
        return new ReservedSlot();
    }

    /** One permit of {@link #free}, held until its job ends or it is released unused. */
    private final class ReservedSlot implements LocalSlots.Slot {

        private boolean ended;

        @Override
        public String node() {
            return nodeId;
        }

        @Override
        public Duration lease() {
            return config.lease();
        }

        @Override
        public void run(UUID id, String request, JobSpec spec, boolean here) {
            synchronized (this) {
                if (ended) {
                    throw new IllegalStateException("slot already used");
                }
                ended = true;
            }
            JobStore.Claim claim = new JobStore.Claim(id, request, null);
            Cancellation cancel = new Cancellation();
            running.put(id, cancel);
            if (here) {
                // the slot's permit is released by runJob, as on a runner; stop() waits for it like for a runner
                runJob(claim, spec, cancel);
                return;
            }
            try {
                runners.execute(() -> runJob(claim, spec, cancel));
            } catch (RuntimeException e) {
                // shutting down: the job stays running under this node's lease, handed back or requeued
                running.remove(id);
                runningHere.ended(id);
                free.release();
                LOG.warnf("job %s: not started here (%s); its lease will expire and it is requeued", id, e);
            }
        }

        @Override
        public synchronized void release() {
            if (!ended) {
                ended = true;
                // no wake-up: a claim loop woken meanwhile waits on this permit, and a job queued instead of
                // claimed here wakes it itself (JobQueued)
                free.release();
            }
        }
    }

    private void runJob(JobStore.Claim claim, Cancellation cancel) {
        runJob(claim, null, cancel);
    }

    /** {@code parsed}: the job's request as parsed by this node at its submission, or null (read it). */
    private void runJob(JobStore.Claim claim, JobSpec parsed, Cancellation cancel) {
        long start = System.nanoTime();
        Runnable answer = null;
        try {
            GradeResult r;
            JobSpec spec = parsed;
            try {
                if (spec == null) {
                    spec = json.readValue(claim.request(), JobSpec.class);
                }
                r = spec.problem() != null ? problemJobs.grade(spec, cancel) : grader.grade(spec, cancel);
            } catch (Exception e) {
                LOG.errorf(e, "job %s could not be graded", claim.id());
                r = GradeResult.failed("grading failed: " + e.getMessage());
            }
            if (cancel.isCancelled()) {
                return;
            }
            // from now on its polls read the row: none may read "running" from memory once the result is written
            JsonNode rendered = runningHere.ended(claim.id());
            answer = results.write(claim, nodeId, r.withNode(nodeId), spec, rendered, start);
        } catch (RuntimeException e) {
            LOG.errorf(e, "job %s: result not written; its lease will expire and it is requeued", claim.id());
        } finally {
            // no wake: a claim loop short of slots waits on them, not on a wake-up, and one that found the
            // queue empty is woken by the next job queued
            runningHere.ended(claim.id());
            running.remove(claim.id());
            free.release();
        }
        // the slot is free again (a queued job can start) before this thread renders and writes the answers of
        // the requests waiting for this job
        if (answer != null) {
            answer.run();
        }
    }

    /**
     * Whether every job run on a request's own thread (see {@link LocalSlots.Slot#run(UUID, String, JobSpec,
     * boolean)}) has ended by {@code deadline} ({@link System#nanoTime}): each holds a permit of {@link #free}
     * until then, as a runner's job does.
     */
    private boolean inlineEnded(long deadline) throws InterruptedException {
        while (free.availablePermits() < slots) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            Thread.sleep(Math.min(20, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
        }
        return true;
    }

    void cancelLocal(UUID id) {
        runningHere.cancelled(id);
        Cancellation c = running.get(id);
        if (c != null) {
            c.cancel();
        }
    }

    /** Renews the leases of running jobs and of results waiting to be written, then writes those. */
    private void renewAndFlush() {
        renew();
        results.flush();
    }

    private void renew() {
        try {
            // a snapshot: a job claimed after the renewal query is not "lost"
            java.util.Set<UUID> runningNow = java.util.Set.copyOf(running.keySet());
            java.util.Set<UUID> held = new java.util.HashSet<>(runningNow);
            held.addAll(results.waitingIds());
            long renewedAt = System.nanoTime();
            var kept = store.renew(nodeId, held, config.lease(), runningNow.size());
            runningHere.renewed(kept, renewedAt, config.lease());
            for (UUID id : held) {
                if (!kept.contains(id)) {
                    // cancelled, or requeued after our lease expired: stop spending a slot on it
                    cancelLocal(id);
                    results.drop(id);
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("lease renewal failed: %s", e.getMessage());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        wake();
        // the jobs still running here are handed back below: their rows are read from PostgreSQL from now on
        runningHere.deaf();
        try {
            // from now on no claim starts: the fleet (and the dashboard) see the node draining
            store.markDraining(nodeId);
        } catch (RuntimeException e) {
            LOG.warnf("could not mark node %s draining: %s", nodeId, e.getMessage());
        }
        if (listener != null) {
            listener.stop();
        }
        if (runners != null) {
            runners.shutdown();
            try {
                long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
                boolean ended = runners.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)
                        && inlineEnded(deadline);
                if (!ended) {
                    running.values().forEach(Cancellation::cancel);
                    runners.awaitTermination(5, TimeUnit.SECONDS);
                    inlineEnded(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (timers != null) {
            timers.shutdownNow();
        }
        results.flush();
        try {
            int handed = store.handBack(nodeId);
            if (handed > 0) {
                LOG.infof("node %s: handed %d unfinished jobs back to the queue", nodeId, handed);
            }
        } catch (RuntimeException e) {
            LOG.warnf("could not hand jobs back (their leases will expire): %s", e.getMessage());
        }
    }
}
