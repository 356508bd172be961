package dev.proctor.jobs;

import dev.proctor.grading.JobResult;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Requests waiting for a job to finish (?wait=true). The node that ran the job completes them in-process as
 * soon as its result is committed, with the stored job at hand; any other node's through the done
 * notification of PostgreSQL, without it (the waiter reads the job then).
 */
@ApplicationScoped
public class JobWaiters {

    /**
     * A finished job as stored, when the finishing node has it: its row ({@link Job#request} and
     * {@link Job#result} included) and its result already parsed.
     */
    public record Stored(Job job, JobResult result) {}

    private final Map<UUID, CompletableFuture<Stored>> waiting = new ConcurrentHashMap<>();

    /**
     * Completed when job {@code id} finishes: with the stored job when this node ran it, else with null. Register
     * before the job can finish (before it is inserted) or read it once after registering.
     */
    public CompletableFuture<Stored> register(UUID id) {
        return waiting.computeIfAbsent(id, k -> new CompletableFuture<>());
    }

    /** Whether a request of this node waits for job {@code id}. */
    public boolean isWaiting(UUID id) {
        return waiting.containsKey(id);
    }

    public void unregister(UUID id, CompletableFuture<Stored> f) {
        waiting.remove(id, f);
    }

    /** The job finished on another node (its NOTIFY), or here without its row at hand. */
    public void finished(UUID id) {
        finished(id, null);
    }

    /** The job finished; {@code stored} is null when the finishing node is not this one. */
    public void finished(UUID id, Stored stored) {
        CompletableFuture<Stored> f = waiting.remove(id);
        if (f != null) {
            f.complete(stored);
        }
    }

    /** A waiting request's deadline; ordered by time, then by registration. */
    private record Deadline(long nanos, long seq) implements Comparable<Deadline> {
        @Override
        public int compareTo(Deadline o) {
            int c = Long.compare(nanos - o.nanos, 0);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final ConcurrentSkipListMap<Deadline, CompletableFuture<Stored>> deadlines = new ConcurrentSkipListMap<>();
    private final AtomicLong seq = new AtomicLong();
    /** When the timeout thread wakes next (System.nanoTime), unless {@link #idle}. */
    private volatile long wakeAt;
    /** The timeout thread waits for a deadline (or is not started yet). */
    private volatile boolean idle = true;

    private volatile boolean closed;
    private Thread timeouts;

    /**
     * Completes {@code f} with null after {@code seconds} unless it is completed before. One thread for every
     * waiting request, woken only at the earliest deadline still pending when it last looked, or by a deadline
     * earlier than that: a request answered before its timeout costs no wake-up (a timer per request, as
     * {@code completeOnTimeout}'s, woke its thread about twice a job: scheduled, cancelled).
     */
    public void timeout(CompletableFuture<Stored> f, int seconds) {
        Deadline d = new Deadline(System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds), seq.incrementAndGet());
        deadlines.put(d, f);
        // on the completing thread, without a wake-up
        f.whenComplete((r, e) -> deadlines.remove(d, f));
        if (idle || d.nanos - wakeAt < 0) {
            LockSupport.unpark(timeoutThread());
        }
    }

    private synchronized Thread timeoutThread() {
        if (timeouts == null) {
            timeouts = new Thread(this::expire, "proctor-wait-timeouts");
            timeouts.setDaemon(true);
            timeouts.start();
        }
        return timeouts;
    }

    private void expire() {
        while (!closed) {
            long now = System.nanoTime();
            Map.Entry<Deadline, CompletableFuture<Stored>> first;
            while ((first = deadlines.firstEntry()) != null && first.getKey().nanos - now <= 0) {
                if (deadlines.remove(first.getKey(), first.getValue())) {
                    first.getValue().complete(null);
                }
            }
            // announced before looking again: a deadline added meanwhile is seen here, or its adder sees the
            // announced time and wakes this thread
            if (first == null) {
                idle = true;
                if (deadlines.isEmpty()) {
                    LockSupport.park(this);
                }
            } else {
                long at = first.getKey().nanos;
                wakeAt = at;
                idle = false;
                Map.Entry<Deadline, CompletableFuture<Stored>> now2 = deadlines.firstEntry();
                if (now2 == null || now2.getKey().nanos - at >= 0) {
                    LockSupport.parkNanos(this, at - System.nanoTime());
                }
            }
        }
    }

    @PreDestroy
    void close() {
        closed = true;
        Thread t;
        synchronized (this) {
            t = timeouts;
        }
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
