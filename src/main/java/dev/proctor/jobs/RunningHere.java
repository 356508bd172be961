package dev.proctor.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.grading.JobResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The jobs this node runs, as their rows read while they run: a poll of one of them ({@code GET
 * /api/v1/jobs/{id}}, the facades' reads) is answered from here, without a round trip to PostgreSQL, for as long as
 * this node can vouch that the row is still what it was when the job started here.
 *
 * <p>While a job runs under this node's lease, its row changes only through this node (its result, at the end),
 * through a cancel (any node's: PostgreSQL announces it on proctor_cancel at its commit), or through the requeue of
 * an expired lease. So an entry is answered only while
 * <ul>
 *   <li>the job has not begun to end here ({@link #ended}: before its result is written) and has not been
 *   cancelled ({@link #cancelled}: before a cancel through this node is committed, when a cancel's notification
 *   arrives, even before the job started here, and when a renewal finds the lease lost);</li>
 *   <li>the queue listener has held its connection since before the job started here ({@link #listening}, {@link
 *   #deaf}, also at shutdown before the hand-back): a cancel notification sent while it was away is lost, so every
 *   entry from before a lost connection is passed over;</li>
 *   <li>its lease is known to be held: a margin ({@link #MAX_MARGIN} at most) short of the lease's length from the
 *   last time it was written (the claim or insert, then each renewal), measured from before the statement that
 *   wrote it, so the requeue of an expired lease cannot have happened yet.</li>
 * </ul>
 * Passed over means read from PostgreSQL, as before. The one window left is a cancel committed by another node and
 * not yet heard here: the notification's trip, under a millisecond on a healthy connection; should it be lost on
 * a connection that fails silently, the next renewal (every few seconds) finds the lease gone. A poll through this
 * node in that window still reads "running"; a cancel through this node is seen by its own polls at once.
 *
 * <p>A job this node has just finished is answered from here too, as the row its result's statement returned
 * ({@link #finished}): a client polling for the end gets it without a read, as a {@code wait=true} request does.
 * A finished row changes only by its deletion (a facade's DELETE, the retention purge, an operator), and every
 * deletion of a job finished within the last minute is announced on proctor_cancel at its commit (V40). So such
 * an entry is answered only while
 * <ul>
 *   <li>the queue listener has held its connection since before the entry was made, and no cancel or deletion
 *   of the job was announced or made through this node since ({@link #cancelled});</li>
 *   <li>it is younger than {@link #FINISHED_MAX_AGE} and half the retention period, well within that minute;</li>
 *   <li>it is among the {@link #FINISHED_MAX} latest, and its stored result is at most {@link
 *   #FINISHED_MAX_RESULT_CHARS} characters (a bound on the memory held).</li>
 * </ul>
 * The window left is the same as a cancel's: a deletion committed by another node and not yet heard here.
 */
@ApplicationScoped
public class RunningHere {

    /**
     * How long before the lease runs out an entry stops being answered: a third of the lease, at most 5 s (a
     * renewal is due every few seconds; the margin only absorbs a late one).
     */
    static final Duration MAX_MARGIN = Duration.ofSeconds(5);

    /**
     * One job's row as it reads while it runs here; {@code metadata} as PostgreSQL renders its request's (null:
     * none); {@code epoch}: the listener's connection it was started under; {@code heldUntil}: {@link #clock}
     * time until which its lease is known to be held.
     */
    private record Entry(Job row, JsonNode metadata, long epoch, long heldUntil) {
        Entry heldUntil(long t) {
            return new Entry(row, metadata, epoch, Math.max(heldUntil, t));
        }
    }

    private final Map<UUID, Entry> jobs = new ConcurrentHashMap<>();

    /** The most cancel notices kept ({@link #cancelled}). */
    static final int CANCELLED_MAX = 4096;

    /**
     * Jobs cancelled lately, whether they ran here or not: a cancel whose notification arrives between a claim's
     * commit and {@link #started} is not missed.
     */
    private final Set<UUID> cancelled = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
            return size() > CANCELLED_MAX;
        }
    });

    private final LongSupplier clock;

    /** Odd while the listener is connected; each connection and each loss counts one up. */
    private volatile long epoch;

    private Counter answered = null;

    private Counter answeredFinished = null;

    /** How long after its end a job finished here is answered from memory at most. */
    static final Duration FINISHED_MAX_AGE = Duration.ofSeconds(10);

    /** How many finished jobs are held at most: the latest. */
    static final int FINISHED_MAX = 256;

    /** The longest stored result (characters of its JSON) of a finished job held. */
    static final int FINISHED_MAX_RESULT_CHARS = 64 * 1024;

    /** A finished job as stored here; {@code epoch}: the listener's connection then; {@code at}: {@link #clock}. */
    private record Finished(JobWaiters.Stored stored, long epoch, long at) {}

    /** Jobs finished here lately, oldest first; guarded by itself. */
    private final LinkedHashMap<UUID, Finished> finished = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Finished> eldest) {
            return size() > FINISHED_MAX;
        }
    };

    /** {@link #FINISHED_MAX_AGE}, or half the retention period when that is shorter. */
    private volatile long finishedMaxAgeNanos = FINISHED_MAX_AGE.toNanos();

    /** Reads a claimed request's metadata (replaced by the service's own mapper when injected). */
    private ObjectMapper json = new ObjectMapper();

    public RunningHere() {
        this(System::nanoTime);
    }

    RunningHere(LongSupplier clock) {
        this.clock = clock;
    }

    @Inject
    void wire(MeterRegistry metrics, ObjectMapper json, JobsConfig config) {
        answered = metrics.counter("proctor.jobs.reads_answered_here");
        answeredFinished = metrics.counter("proctor.jobs.finished_reads_answered_here");
        retention(config.retention());
        this.json = json;
    }

    /** The queue listener LISTENs again (a new connection): entries started from now on can be vouched for. */
    public synchronized void listening() {
        if ((epoch & 1) == 0) {
            epoch++;
        }
    }

    /** The queue listener lost its connection (or stops): no entry from before can be vouched for any more. */
    public synchronized void deaf() {
        if ((epoch & 1) == 1) {
            epoch++;
        }
        jobs.clear();
        synchronized (finished) {
            finished.clear();
        }
    }

    /** Finished jobs are held for at most half of {@code retention} (they are purged after it). */
    void retention(Duration retention) {
        finishedMaxAgeNanos = Math.min(FINISHED_MAX_AGE.toNanos(), retention.toNanos() / 2);
    }

    /**
     * Job {@code row} runs here from now on, its lease written by a statement sent at {@link System#nanoTime}
     * {@code leaseWrittenAt} for {@code lease}. {@code row} is copied; what it holds is what a read of the row
     * would (its request as PostgreSQL renders it: its metadata is read from it here).
     */
    public void started(Job row, long leaseWrittenAt, Duration lease) {
        if ((epoch & 1) == 0 || row.state != JobState.RUNNING) {
            return;
        }
        // read once here, not on every poll (a poll is answered on the event loop; the request may be large)
        started(row, RequestMetadata.read(json, row.request).metadata(), leaseWrittenAt, lease);
    }

    /**
     * As {@link #started(Job, long, Duration)}, with its request's metadata as PostgreSQL renders it ({@code
     * row}'s request, as submitted, may differ in the order of keys or the spelling of numbers).
     */
    void started(Job row, JsonNode metadata, long leaseWrittenAt, Duration lease) {
        long e = epoch;
        if ((e & 1) == 0 || row.state != JobState.RUNNING) {
            return;
        }
        jobs.put(row.id, new Entry(copy(row), metadata, e, heldUntil(leaseWrittenAt, lease)));
        if (epoch != e || wasCancelled(row.id)) {
            // lost meanwhile (deaf() may have cleared before this put), or cancelled before it
            jobs.remove(row.id);
        }
    }

    /**
     * Job {@code id} is being cancelled (through this node, before the cancel is committed), was cancelled (its
     * notification, from any node) or is no longer this node's (a renewal found its lease lost): its row is read
     * from PostgreSQL from now on, even if it only starts here after this.
     */
    public void cancelled(UUID id) {
        synchronized (cancelled) {
            cancelled.add(id);
        }
        jobs.remove(id);
        synchronized (finished) {
            finished.remove(id);
        }
    }

    /**
     * Job {@code row.id} has finished here: its result's statement committed and returned {@code row} with {@code
     * result}; {@code metadata} must be its request's as PostgreSQL renders it (as {@link #ended} returned it), so
     * that its view is a read's; not held when that is {@link RequestMetadata#UNREAD}.
     */
    public void finished(Job row, JobResult result, JsonNode metadata) {
        long e = epoch;
        if ((e & 1) == 0
                || row.state != JobState.DONE
                || result == null
                || metadata == RequestMetadata.UNREAD
                || row.result == null
                || row.result.length() > FINISHED_MAX_RESULT_CHARS) {
            return;
        }
        // not its request (every file and test of it, megabytes at most): the view takes only its metadata, at hand
        Job kept = copy(row);
        kept.request = null;
        JobWaiters.Stored held = new JobWaiters.Stored(kept, result, metadata);
        synchronized (finished) {
            finished.put(row.id, new Finished(held, e, clock.getAsLong()));
        }
        if (epoch != e || wasCancelled(row.id)) {
            synchronized (finished) {
                finished.remove(row.id);
            }
        }
    }

    /** Job {@code id} as stored when it finished here, while this node can vouch for it; else null. */
    JobWaiters.Stored finishedRow(UUID id) {
        Finished f;
        synchronized (finished) {
            f = finished.get(id);
        }
        if (f == null || f.epoch != epoch || clock.getAsLong() - f.at >= finishedMaxAgeNanos) {
            return null;
        }
        if (answeredFinished != null) {
            answeredFinished.increment();
        }
        return f.stored;
    }

    /**
     * Whether an entry of finished job {@code id} is kept, answered or not (for tests: one too old stays until
     * pushed out; only a cancel, a deletion or a lost listener removes it).
     */
    boolean keepsFinished(UUID id) {
        synchronized (finished) {
            return finished.containsKey(id);
        }
    }

    /** How many finished jobs are held, whether still answered or not (for tests). */
    int finishedSize() {
        synchronized (finished) {
            return finished.size();
        }
    }

    private boolean wasCancelled(UUID id) {
        synchronized (cancelled) {
            return cancelled.contains(id);
        }
    }

    /** A renewal sent at {@code renewedAt} ({@link System#nanoTime}) found these leases held for {@code lease}. */
    public void renewed(Collection<UUID> held, long renewedAt, Duration lease) {
        long until = heldUntil(renewedAt, lease);
        for (UUID id : held) {
            jobs.computeIfPresent(id, (k, e) -> e.heldUntil(until));
        }
    }

    /**
     * Job {@code id} ends here (its result is about to be written): its row is read from PostgreSQL again. Returns
     * its request's metadata as PostgreSQL renders it (null: none), or {@link RequestMetadata#UNREAD} when it was
     * not held.
     */
    public JsonNode ended(UUID id) {
        Entry e = jobs.remove(id);
        return e == null ? RequestMetadata.UNREAD : e.metadata;
    }

    /** A copy of job {@code id}'s row as it reads while it runs here, or null when this node cannot vouch for it. */
    Job row(UUID id) {
        Entry e = usable(id);
        if (e == null) {
            return null;
        }
        if (answered != null) {
            answered.increment();
        }
        return copy(e.row);
    }

    /**
     * The metadata of job {@code id}'s request as PostgreSQL renders it (null: none), when the job runs here (even
     * if its row can no longer be vouched for: the request never changes); {@link RequestMetadata#UNREAD} when not
     * known here (read it from the row's request).
     */
    JsonNode metadata(UUID id) {
        Entry e = jobs.get(id);
        return e == null ? RequestMetadata.UNREAD : e.metadata;
    }

    /** Whether job {@code id}'s row would be answered from here now (for tests: no read counted). */
    boolean holds(UUID id) {
        return usable(id) != null;
    }

    /** Whether the queue listener is connected: jobs started now can be held (for tests). */
    boolean isListening() {
        return (epoch & 1) == 1;
    }

    /** How many jobs are held (for tests). */
    int size() {
        return jobs.size();
    }

    private Entry usable(UUID id) {
        Entry e = jobs.get(id);
        if (e == null || e.epoch != epoch || clock.getAsLong() - e.heldUntil >= 0) {
            return null;
        }
        return e;
    }

    private static long heldUntil(long writtenAt, Duration lease) {
        long margin = Math.min(MAX_MARGIN.toNanos(), lease.toNanos() / 3);
        return writtenAt + Math.max(0, lease.toNanos() - margin);
    }

    private static Job copy(Job r) {
        Job j = new Job();
        j.id = r.id;
        j.clientId = r.clientId;
        j.state = r.state;
        j.verdict = r.verdict;
        j.score = r.score;
        j.profile = r.profile;
        j.request = r.request;
        j.result = r.result;
        j.idempotencyKey = r.idempotencyKey;
        j.attempts = r.attempts;
        j.leaseOwner = r.leaseOwner;
        j.leaseExpiresAt = r.leaseExpiresAt;
        j.error = r.error;
        j.callbackUrl = r.callbackUrl;
        j.webhookState = r.webhookState;
        j.createdAt = r.createdAt;
        j.startedAt = r.startedAt;
        j.finishedAt = r.finishedAt;
        return j;
    }
}
