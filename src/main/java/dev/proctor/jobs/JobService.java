package dev.proctor.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.auth.Caller;
import dev.proctor.auth.Quota;
import dev.proctor.core.ByteFields;
import dev.proctor.core.Rejection;
import dev.proctor.grading.JobResult;
import dev.proctor.grading.JobSpec;
import dev.proctor.grading.Verdict;
import dev.proctor.profiles.ProfileRegistry;
import dev.proctor.profiles.ProfileToolchains;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** Submitting, reading, listing and cancelling jobs; every read is scoped to the caller's client. */
@ApplicationScoped
public class JobService {

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    @Inject
    Event<JobQueued> queued;

    @Inject
    JobsConfig config;

    @Inject
    ProfileRegistry profiles;

    @Inject
    ProfileToolchains toolchains;

    @Inject
    dev.proctor.problems.ProblemJobs problemJobs;

    @Inject
    JobRows rows;

    @Inject
    JobWaiters waiters;

    @Inject
    LocalSlots slots;

    @Inject
    RunningHere runningHere;

    /**
     * The stored job, and whether this request created it (false: same Idempotency-Key seen before); {@code
     * finished}, when the submitter asked to wait and created it: completed when it finishes (see {@link
     * JobWaiters#register}), registered before the job could be claimed.
     */
    public record Submitted(Job job, boolean created, CompletableFuture<JobWaiters.Stored> finished) {
        Submitted(Job job, boolean created) {
            this(job, created, null);
        }
    }

    public Submitted submit(Caller caller, JobRequest request, String idempotencyKey) {
        return submit(caller, request, idempotencyKey, false);
    }

    /** {@code await}: the caller will wait for the job's end (see {@link Submitted#finished}). */
    public Submitted submit(Caller caller, JobRequest request, String idempotencyKey, boolean await) {
        return submit(caller, request, idempotencyKey, await, 0);
    }

    /**
     * As {@link #submit(Caller, JobRequest, String, boolean)}; {@code runHereWithinMs}: when the caller waits and
     * the job is inserted claimed into a free slot of this node, it runs on this thread if its limits bound its
     * runs' wall time well within this many milliseconds (see {@link #runHereBoundMs}): the submission then returns
     * with the job finished and {@link Submitted#finished} completed, a runner thread's wake-up saved. 0: never.
     */
    public Submitted submit(
            Caller caller, JobRequest request, String idempotencyKey, boolean await, long runHereWithinMs) {
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 255)) {
            throw Rejection.invalid("Idempotency-Key", "Idempotency-Key must be 1 to 255 characters");
        }
        if (idempotencyKey != null) {
            Job seen = rows.byKey(caller.clientId(), idempotencyKey);
            if (seen != null) {
                return new Submitted(seen, false);
            }
        }
        // read with the caller's key in the same request when it was; else now
        Quota quota = caller.quota() != null ? caller.quota() : rows.quota(caller.clientId());
        if (quota == null) {
            throw Rejection.unauthenticated("the key's client no longer exists", "Authorization");
        }
        JobSpec validated = new JobValidator(config, profiles::find).validate(request, quota);
        if (request.problem() == null && request.version() != null) {
            throw Rejection.invalid("version", "version needs problem");
        }
        JobSpec spec = request.problem() != null ? againstProblem(caller, request, validated) : validated;
        requireAvailable(spec.profile(), "profile");
        if (spec.checker() != null && spec.checker().profile() != null) {
            requireAvailable(spec.checker().profile(), "checker.profile");
        }
        String specJson;
        try {
            specJson = json.writeValueAsString(spec);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("job spec does not serialise", e);
        }
        // a free slot of this node, offered to the insert: a job inserted into it is claimed already
        LocalSlots.Slot slot = slots.reserve();
        boolean claimed = false;
        try {
            Submitted submitted = insert(caller.clientId(), quota, spec, specJson, idempotencyKey, await, slot);
            claimed = submitted.created() && submitted.job().state == JobState.RUNNING;
            if (claimed) {
                long bound = await ? runHereBoundMs(spec) : -1;
                slot.run(submitted.job().id, specJson, spec, bound >= 0 && bound <= runHereWithinMs);
            } else if (submitted.created()) {
                queued.fire(new JobQueued(submitted.job().id));
            }
            return submitted;
        } finally {
            if (slot != null && !claimed) {
                slot.release();
            }
        }
    }

    /** A run's allowance beyond its wall-time limit (setting up, accounting, a busy machine) in {@link #runHereBoundMs}. */
    static final long RUN_ALLOWANCE_MS = 1000;

    /**
     * How long grading {@code spec} can take at most, from its limits: each run's wall-time limit plus {@link
     * #RUN_ALLOWANCE_MS}; -1 when its limits do not bound it (a job against a problem, an interactor or a checker
     * program, whose runs the request does not list).
     */
    static long runHereBoundMs(JobSpec spec) {
        if (spec.problem() != null
                || spec.interactor() != null
                || spec.checker() == null
                || spec.checker().type() == dev.proctor.grading.CheckerType.PROGRAM) {
            return -1;
        }
        long ms = 0;
        if (spec.compileLimits() != null) {
            if (spec.compileLimits().wallTimeMs() == null) {
                return -1;
            }
            ms += spec.compileLimits().wallTimeMs() + RUN_ALLOWANCE_MS;
        }
        for (JobSpec.SpecTest t : spec.tests()) {
            if (t.limits() == null || t.limits().wallTimeMs() == null) {
                return -1;
            }
            ms += t.limits().wallTimeMs() + RUN_ALLOWANCE_MS;
        }
        return ms;
    }

    /** A job graded against a stored problem: its tests come from the package, never from the request. */
    private JobSpec againstProblem(Caller caller, JobRequest request, JobSpec spec) {
        if (request.tests() != null && !request.tests().isEmpty()) {
            throw Rejection.invalid("tests", "a job against a problem takes its tests from the problem");
        }
        if (request.interactor() != null) {
            throw Rejection.invalid("interactor", "a job against a problem takes its validator from the problem");
        }
        if (request.stdin() != null || request.checker() != null) {
            throw Rejection.invalid(
                    request.stdin() != null ? "stdin" : "checker",
                    "a job against a problem takes its input and its validator from the problem");
        }
        return spec.withProblem(problemJobs.resolve(caller, request.problem(), request.version(), spec.profile()));
    }

    /** A profile whose image is not built here is refused now rather than failed by the grader later. */
    private void requireAvailable(String name, String field) {
        profiles.find(name).flatMap(toolchains::unavailable).ifPresent(why -> {
            throw Rejection.unavailable("profile-unavailable", why, field, null);
        });
    }

    private Submitted insert(
            long clientId,
            Quota quota,
            JobSpec spec,
            String specJson,
            String idempotencyKey,
            boolean await,
            LocalSlots.Slot slot) {
        Job job = new Job();
        job.id = UUID.randomUUID();
        CompletableFuture<JobWaiters.Stored> finished = await ? waiters.register(job.id) : null;
        boolean handedOut = false;
        try {
            Submitted s = insert(job, clientId, quota, spec, specJson, idempotencyKey, slot);
            if (finished != null && s.created()) {
                handedOut = true;
                return new Submitted(s.job(), true, finished);
            }
            return s;
        } finally {
            if (finished != null && !handedOut) {
                // a refusal or a replay of an earlier job leaves no waiter behind
                waiters.unregister(job.id, finished);
            }
        }
    }

    /** {@code slot}: this node's free slot, the job inserted claimed into it if the queue is empty; or null. */
    private Submitted insert(
            Job job,
            long clientId,
            Quota quota,
            JobSpec spec,
            String specJson,
            String idempotencyKey,
            LocalSlots.Slot slot) {
        job.clientId = clientId;
        job.state = JobState.QUEUED;
        job.profile = spec.profile();
        job.request = specJson;
        job.idempotencyKey = idempotencyKey;
        job.callbackUrl = spec.callbackUrl();
        job.webhookState = spec.callbackUrl() == null ? null : "pending";
        long leaseWrittenAt = System.nanoTime();
        JobRows.Inserted inserted = rows.insert(
                job,
                config.maxQueued(),
                quota.maxConcurrentJobs(),
                slot == null ? null : slot.node(),
                slot == null ? null : slot.lease());
        if (inserted.createdAt() != null) {
            job.createdAt = inserted.createdAt();
            if (inserted.claimed()) {
                job.state = JobState.RUNNING;
                job.leaseOwner = slot.node();
                job.attempts = 1;
                job.startedAt = inserted.createdAt();
                // polls of the job are answered from this node's memory while it runs here
                runningHere.started(
                        job, RequestMetadata.ofRendered(json, inserted.metadata()), leaseWrittenAt, slot.lease());
            }
            return new Submitted(job, true);
        }
        if (inserted.queued() >= config.maxQueued()) {
            throw Rejection.unavailable("queue-full", "the queue is full; retry later", null, 5);
        }
        if (inserted.active() >= quota.maxConcurrentJobs()) {
            throw Rejection.tooMany(
                    "too-many-jobs",
                    "your quota allows " + quota.maxConcurrentJobs() + " jobs queued or running at once",
                    1);
        }
        // the same Idempotency-Key, inserted meanwhile by a concurrent request
        return new Submitted(rows.byKey(clientId, idempotencyKey), false);
    }

    /**
     * Job {@code id} as its row reads, when this node runs it and can vouch for the row (see {@link RunningHere}),
     * else null (read it with {@link #get}); 404 when the caller may not see it. Never blocks.
     */
    public Job runningHere(Caller caller, UUID id) {
        Job here = runningHere.row(id);
        if (here != null) {
            requireVisible(caller, here, id);
        }
        return here;
    }

    /**
     * Job {@code id} as stored when it finished on this node lately, while this node can vouch for it (see {@link
     * RunningHere}), else null (read it with {@link #get}); 404 when the caller may not see it. Never blocks.
     */
    public JobWaiters.Stored finishedHere(Caller caller, UUID id) {
        JobWaiters.Stored here = runningHere.finishedRow(id);
        if (here != null) {
            requireVisible(caller, here.job(), id);
        }
        return here;
    }

    /** 404 for another client's job unless the caller is an admin (never 403: ids are not confirmed). */
    private static void requireVisible(Caller caller, Job job, UUID id) {
        if (!caller.admin() && job.clientId != caller.clientId()) {
            throw Rejection.notFound("no job " + id);
        }
    }

    /**
     * The job if the caller may see it; 404 for anyone else's (never 403: ids are not confirmed). A job this node
     * runs is answered from its memory while the node can vouch for its row (see {@link RunningHere}).
     */
    public Job get(Caller caller, UUID id) {
        Job here = runningHere(caller, id);
        if (here != null) {
            return here;
        }
        Job job = rows.get(id);
        if (job == null) {
            throw Rejection.notFound("no job " + id);
        }
        requireVisible(caller, job, id);
        if (!job.state.finished() && waiters.isWaiting(id) && !Objects.equals(slots.nodeId(), job.leaseOwner)) {
            // a request here waits for a job this node does not run: make sure its end is announced (a job
            // inserted claimed by another node does not announce it unless asked); if it ended before the ask,
            // the answer is the row as it is now
            JobState asked = rows.followDone(id);
            if (asked != null && asked.finished()) {
                return rows.get(id);
            }
        }
        return job;
    }

    public Job cancel(Caller caller, UUID id) {
        get(caller, id);
        // from now on its polls read the row: none may read "running" from memory once the cancel is committed
        runningHere.cancelled(id);
        QuarkusTransaction.requiringNew().run(() -> {
            // the row through jobs_pkey: COLLATE "C" (byte equality, as the default's) keeps the planner from
            // proving jobs_client_active's predicate and scanning all of it, as a generic plan did for the finish
            // (queue.ResultRows.FINISH)
            int n = em.createNativeQuery("""
                    UPDATE jobs SET state = 'cancelled', finished_at = now(), lease_owner = NULL,
                        lease_expires_at = NULL, verdict = NULL
                    WHERE id = ?1 AND state COLLATE "C" IN ('queued', 'running')""").setParameter(1, id).executeUpdate();
            if (n == 0) {
                throw Rejection.conflict("already-finished", "job " + id + " has already finished", null);
            }
        });
        return get(caller, id);
    }

    /** Deletes a finished job with its runs (facades whose API deletes); 409 while it is queued or running. */
    public void delete(Caller caller, UUID id) {
        get(caller, id);
        // no poll here may answer it from memory once it is gone (other nodes hear of it at its commit: V40)
        runningHere.cancelled(id);
        QuarkusTransaction.requiringNew().run(() -> {
            int n = em.createNativeQuery("DELETE FROM jobs WHERE id = ?1 AND state IN ('done', 'cancelled')")
                    .setParameter(1, id)
                    .executeUpdate();
            if (n == 0) {
                throw Rejection.conflict("not-finished", "job " + id + " is still queued or running", null);
            }
        });
    }

    public JobPage list(
            Caller caller,
            String state,
            String verdict,
            String profile,
            OffsetDateTime after,
            OffsetDateTime before,
            String cursor,
            int limit,
            ByteFields.Mode mode) {
        StringBuilder q = new StringBuilder("from Job where 1 = 1");
        Map<String, Object> p = new HashMap<>();
        if (!caller.admin()) {
            q.append(" and clientId = :client");
            p.put("client", caller.clientId());
        }
        if (state != null) {
            try {
                p.put("state", JobState.parse(state));
            } catch (IllegalArgumentException e) {
                throw Rejection.invalid("state", "state must be queued, running, done or cancelled");
            }
            q.append(" and state = :state");
        }
        if (verdict != null) {
            try {
                p.put("verdict", Verdict.parse(verdict));
            } catch (IllegalArgumentException e) {
                throw Rejection.invalid("verdict", "verdict must be one of " + Verdict.wireNames());
            }
            q.append(" and verdict = :verdict");
        }
        if (profile != null) {
            q.append(" and profile = :profile");
            p.put("profile", profile);
        }
        if (after != null) {
            q.append(" and createdAt >= :after");
            p.put("after", after);
        }
        if (before != null) {
            q.append(" and createdAt < :before");
            p.put("before", before);
        }
        if (cursor != null) {
            Object[] c = decodeCursor(cursor);
            q.append(" and (createdAt < :cAt or (createdAt = :cAt and id < :cId))");
            p.put("cAt", c[0]);
            p.put("cId", c[1]);
        }
        q.append(" order by createdAt desc, id desc");
        List<Job> jobs = QuarkusTransaction.requiringNew()
                .call(() -> Job.<Job>find(q.toString(), p).page(0, limit + 1).list());
        String next = null;
        if (jobs.size() > limit) {
            jobs = jobs.subList(0, limit);
            Job last = jobs.get(limit - 1);
            next = encodeCursor(last.createdAt, last.id);
        }
        List<JobView> views = new ArrayList<>();
        for (Job j : jobs) {
            views.add(view(j, false, mode));
        }
        return new JobPage(views, next);
    }

    static String encodeCursor(OffsetDateTime at, UUID id) {
        String s = at.toString() + "|" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static Object[] decodeCursor(String cursor) {
        try {
            String s = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int bar = s.indexOf('|');
            return new Object[] {OffsetDateTime.parse(s.substring(0, bar)), UUID.fromString(s.substring(bar + 1))};
        } catch (RuntimeException e) {
            throw Rejection.invalid("cursor", "cursor is not one this service returned");
        }
    }

    /** The client view with byte fields as text where they are UTF-8; {@code full} includes each test. */
    public JobView view(Job j, boolean full) {
        return view(j, full, ByteFields.Mode.AUTO);
    }

    /** The client view; {@code full} includes each test's detail; byte fields rendered by {@code mode}. */
    public JobView view(Job j, boolean full, ByteFields.Mode mode) {
        return view(j, JobResult.parse(j.result), full, mode);
    }

    /** The client view of {@code j} with {@code result} already at hand (a finished job's event carries it). */
    public JobView view(Job j, JobResult result, boolean full, ByteFields.Mode mode) {
        return view(j, result, metadata(j), full, mode);
    }

    /** Jobs in {@link #recentMetadata} at most; it is emptied when full. */
    static final int RECENT_METADATA_MAX = 256;

    /** The longest metadata (characters of its JSON) kept in {@link #recentMetadata}. */
    static final long RECENT_METADATA_MAX_CHARS = 1024;

    /** Stands for "no metadata" in {@link #recentMetadata}. */
    private static final JsonNode NO_METADATA = com.fasterxml.jackson.databind.node.NullNode.getInstance();

    /**
     * The metadata of the requests of jobs viewed lately, by job id: a job polled every few milliseconds has its
     * stored request (every file and test of it) scanned for its metadata once, not on every poll. A job's request
     * never changes and its id is never given to another job, so an entry cannot go stale; only small metadata is
     * kept, so the map's size stays bounded.
     */
    private final Map<UUID, JsonNode> recentMetadata = new ConcurrentHashMap<>();

    /** How many jobs' metadata is kept (for tests). */
    int recentMetadataSize() {
        return recentMetadata.size();
    }

    /** The metadata of {@code j}'s request, as every view shows it (null: none). */
    JsonNode metadata(Job j) {
        JsonNode known = recentMetadata.get(j.id);
        if (known != null) {
            return known == NO_METADATA ? null : known;
        }
        JsonNode here = runningHere.metadata(j.id);
        if (here != RequestMetadata.UNREAD) {
            // as PostgreSQL renders it: the request at hand is the submitted text, not the stored one
            return here;
        }
        RequestMetadata.Read read = RequestMetadata.read(json, j.request);
        if (read.chars() <= RECENT_METADATA_MAX_CHARS && j.id != null) {
            if (recentMetadata.size() >= RECENT_METADATA_MAX) {
                recentMetadata.clear();
            }
            recentMetadata.put(j.id, read.metadata() == null ? NO_METADATA : read.metadata());
        }
        return read.metadata();
    }

    /** The client view of a finished job as stored by this node: its result and its request's metadata at hand. */
    public JobView view(JobWaiters.Stored stored, boolean full, ByteFields.Mode mode) {
        JsonNode metadata = stored.metadata() == RequestMetadata.UNREAD ? metadata(stored.job()) : stored.metadata();
        return view(stored.job(), stored.result(), metadata, full, mode);
    }

    private JobView view(Job j, JobResult result, JsonNode metadata, boolean full, ByteFields.Mode mode) {
        return new JobView(
                j.id,
                "/api/v1/jobs/" + j.id,
                j.state,
                j.verdict,
                j.score,
                j.profile,
                result == null ? null : JobView.Compile.of(result.compile(), mode),
                result == null || !full
                        ? null
                        : result.tests().stream()
                                .map(t -> JobView.Test.of(t, mode))
                                .toList(),
                result == null ? null : result.usage(),
                metadata,
                j.error,
                j.createdAt,
                j.startedAt,
                j.finishedAt,
                j.attempts,
                j.leaseOwner != null ? j.leaseOwner : result == null ? null : result.node(),
                result == null || !full ? null : result.groups());
    }
}
