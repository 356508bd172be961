package dev.proctor.jobs.queue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.proctor.grading.GradeResult;
import dev.proctor.grading.JobSpec;
import dev.proctor.grading.Verdict;
import dev.proctor.jobs.Job;
import dev.proctor.jobs.JobFinished;
import dev.proctor.jobs.JobWaiters;
import dev.proctor.jobs.RunningHere;
import dev.proctor.persistence.DatabaseFaults;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Writes a finished job's result, once. Two failures are told apart:
 * <ul>
 * <li>PostgreSQL <em>rejects</em> the result (a data or constraint error): the job ends at once as
 * internal_error with the database's reason, counted in {@code proctor.jobs.result_write_failed};
 * running it again would fail the same way, so it is not requeued;</li>
 * <li>PostgreSQL is <em>unreachable</em>: the result waits in this node ({@code proctor.jobs.results_waiting}),
 * its lease still renewed, and is written by {@link #flush()} once the database answers: not rerun.</li>
 * </ul>
 */
@ApplicationScoped
class ResultWriter {

    private static final Logger LOG = Logger.getLogger(ResultWriter.class);

    @Inject
    JobStore store;

    @Inject
    Event<JobFinished> finishedEvents;

    @Inject
    JobWaiters waiters;

    @Inject
    RunningHere runningHere;

    @Inject
    MeterRegistry metrics;

    /** A result not yet written; {@code rejected} set once PostgreSQL refused it. */
    private static final class Pending {
        final UUID id;
        /** The job's stored request, as claimed. */
        final String request;

        final String node;
        final GradeResult result;
        final JobSpec spec;
        /** Its request's metadata as PostgreSQL renders it, as {@link RunningHere#ended} returned it. */
        final JsonNode rendered;

        final long startNanos;
        String rejected;
        /** Answers this node's requests waiting for the job, once it is stored. */
        Runnable answer = NOTHING;

        Pending(
                JobStore.Claim claim,
                String node,
                GradeResult result,
                JobSpec spec,
                JsonNode rendered,
                long startNanos) {
            this.id = claim.id();
            this.request = claim.request();
            this.node = node;
            this.result = result;
            this.spec = spec;
            this.rendered = rendered;
            this.startNanos = startNanos;
        }
    }

    private final Map<UUID, Pending> waiting = new ConcurrentHashMap<>();

    /** The meters of every finished job, looked up once rather than by name and tags on each job. */
    private final Map<Verdict, Counter> finishedCounters = new ConcurrentHashMap<>();

    private Timer duration;

    @PostConstruct
    void gauges() {
        metrics.gauge("proctor.jobs.results_waiting", waiting, Map::size);
        duration = metrics.timer("proctor.jobs.duration");
    }

    /**
     * Writes the result now, or keeps it until the database can be reached again; {@code spec}: the job's request
     * (null when it could not be read), handed to whoever follows the job's end. Returns what answers the requests
     * of this node waiting for the job (nothing when its result waits), for the runner to call once it freed the
     * job's slot: the answer is rendered and written on that thread. {@code rendered}: the metadata of its request
     * as PostgreSQL renders it, as {@link RunningHere#ended} returned it; once stored, the job is answered from
     * memory when that was known (see {@link RunningHere#finished}).
     */
    Runnable write(
            JobStore.Claim claim, String node, GradeResult result, JobSpec spec, JsonNode rendered, long startNanos) {
        Pending p = new Pending(claim, node, result, spec, rendered, startNanos);
        if (!attempt(p)) {
            waiting.put(p.id, p);
            LOG.warnf("job %s: PostgreSQL unreachable; its result waits in this node to be written", p.id);
            return NOTHING;
        }
        return p.answer;
    }

    private static final Runnable NOTHING = () -> {};

    /** Jobs whose results wait: their leases are renewed with the running ones. */
    Set<UUID> waitingIds() {
        return Set.copyOf(waiting.keySet());
    }

    /** The job was cancelled or requeued meanwhile: its result is not wanted any more. */
    void drop(UUID id) {
        if (waiting.remove(id) != null) {
            LOG.infof("job %s: lease lost while its result waited; result dropped", id);
        }
    }

    /** Tries the waiting results, oldest first; stops at the first that still finds the database away. */
    void flush() {
        List<Pending> all = new ArrayList<>(waiting.values());
        all.sort(Comparator.comparingLong(p -> p.startNanos));
        for (Pending p : all) {
            if (!attempt(p)) {
                return;
            }
            waiting.remove(p.id, p);
            LOG.infof("job %s: result written after the database came back", p.id);
            p.answer.run();
        }
    }

    /** True when done with the job (written, ended as internal_error, or no longer ours); false: try later. */
    private boolean attempt(Pending p) {
        try {
            if (p.rejected == null) {
                Job stored = store.finish(p.id, p.node, p.result);
                if (stored != null) {
                    stored.request = p.request;
                    finished(p, p.result, JobWaiters.Stored.of(stored, p.result.result(), p.spec));
                }
                return true;
            }
        } catch (RuntimeException e) {
            if (DatabaseFaults.unreachable(e)) {
                return false;
            }
            p.rejected = DatabaseFaults.reason(e);
            LOG.errorf(e, "job %s: PostgreSQL rejected its result; ending it as internal_error", p.id);
            metrics.counter("proctor.jobs.result_write_failed").increment();
        }
        return failInstead(p);
    }

    /** Ends the job as internal_error with the rejection's reason; runs kept when they can be. */
    private boolean failInstead(Pending p) {
        String error = "the result could not be stored: " + p.rejected;
        try {
            if (failWithRunsOrWithout(p, error)) {
                finished(p, GradeResult.failed(error).withNode(p.node), null);
            }
            return true;
        } catch (RuntimeException e) {
            if (DatabaseFaults.unreachable(e)) {
                return false;
            }
            // nothing more can be written: the lease expires and the requeue job decides
            LOG.errorf(e, "job %s: not even its internal_error could be stored", p.id);
            return true;
        }
    }

    private boolean failWithRunsOrWithout(Pending p, String error) {
        try {
            return store.fail(p.id, p.node, error, p.result.runs());
        } catch (RuntimeException e) {
            if (DatabaseFaults.unreachable(e) || p.result.runs().isEmpty()) {
                throw e;
            }
            LOG.warnf("job %s: its runs were refused too (%s); ending it without them", p.id, DatabaseFaults.reason(e));
            return store.fail(p.id, p.node, error, List.of());
        }
    }

    /**
     * {@code stored}: what is now in the database (the result, or the internal_error that replaced it); {@code row}:
     * the job as stored, when at hand.
     */
    private void finished(Pending p, GradeResult stored, JobWaiters.Stored row) {
        finishedCounters
                .computeIfAbsent(stored.verdict(), v -> metrics.counter("proctor.jobs.finished", "verdict", v.wire()))
                .increment();
        duration.record(System.nanoTime() - p.startNanos, TimeUnit.NANOSECONDS);
        // the result is stored: whoever else follows a finished job (webhooks, facades) runs on its own
        // threads, and a failure there is its own, not the job's; a job nobody follows is not announced
        JobFinished event = new JobFinished(p.id, stored, p.spec);
        if (event.followed()) {
            finishedEvents.fireAsync(event);
        }
        if (row != null) {
            // polls through this node are answered with it from now on (its end is committed), its metadata as
            // a read renders it (the waiting requests' answer keeps the request's own)
            runningHere.finished(row.job(), row.result(), p.rendered);
        }
        // requests waiting on this node are answered with the stored job at hand, by the caller of write (the
        // runner, after it freed the slot) or of flush
        p.answer = () -> waiters.finished(p.id, row);
    }
}
