package dev.proctor.api;

import dev.proctor.auth.Caller;
import dev.proctor.auth.CallerContext;
import dev.proctor.core.ByteFields;
import dev.proctor.core.Rejection;
import dev.proctor.grading.JobResult;
import dev.proctor.jobs.Job;
import dev.proctor.jobs.JobPage;
import dev.proctor.jobs.JobRequest;
import dev.proctor.jobs.JobService;
import dev.proctor.jobs.JobView;
import dev.proctor.jobs.JobWaiters;
import dev.proctor.jobs.JobsConfig;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.core.CurrentRequestManager;
import org.jboss.resteasy.reactive.server.core.ResteasyReactiveRequestContext;

/** Submit, read, list and cancel jobs. */
@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {

    static final String ENCODING_DOC = "base64: every byte field (stdout, stderr, compile output) as base64; "
            + "default: a JSON string where the bytes are valid UTF-8, else base64 (see each field's *_encoding)";

    @Inject
    JobService jobs;

    @Inject
    JobWaiters waiters;

    @Inject
    CallerContext context;

    @Inject
    JobsConfig config;

    /**
     * Submits a job; with {@code wait=true} the answer waits for its end (at most {@code timeout_s}) without
     * holding a worker thread meanwhile: the node that runs the job completes it with the stored job in hand, any
     * other node through PostgreSQL's notification.
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Blocking
    public CompletionStage<RestResponse<JobView>> submit(
            JobRequest request,
            @HeaderParam("Idempotency-Key") String idempotencyKey,
            @QueryParam("wait") String waitParam,
            @QueryParam("timeout_s") String timeoutParam,
            @QueryParam("encoding") @Parameter(description = ENCODING_DOC) String encoding) {
        Caller caller = context.caller();
        ByteFields.Mode mode = mode(encoding);
        boolean wait = bool(waitParam, "wait");
        int timeout = timeoutParam == null ? config.maxWaitSeconds() : integer(timeoutParam, "timeout_s");
        if (timeout < 0 || timeout > config.maxWaitSeconds()) {
            throw Rejection.invalid("timeout_s", "timeout_s must be 0 to " + config.maxWaitSeconds());
        }
        // a job of this node's free slot whose limits end it well within the timeout runs on this thread
        JobService.Submitted s = jobs.submit(caller, request, idempotencyKey, wait, timeout * 1000L / 2);
        Job job = s.job();
        // made absolute here: the answer of a waiting request is built on another thread, outside this request
        URI location = RestResponse.ResponseBuilder.ok()
                .location(URI.create("/api/v1/jobs/" + job.id))
                .build()
                .getLocation();
        if (!wait || finished(job)) {
            return CompletableFuture.completedFuture(answer(job, null, mode, location));
        }
        CompletableFuture<JobWaiters.Stored> done = s.finished();
        if (done == null) {
            // an earlier request's job (same Idempotency-Key): it may have finished before this registration
            done = waiters.register(job.id);
            Job now = jobs.get(caller, job.id);
            if (finished(now)) {
                waiters.unregister(job.id, done);
                return CompletableFuture.completedFuture(answer(now, null, mode, location));
            }
        }
        JobWaiters.Stored ranHere = done.getNow(null);
        if (ranHere != null) {
            // run by this thread (see JobService.submit): answered here, nothing suspended
            waiters.unregister(job.id, done);
            return CompletableFuture.completedFuture(answer(ranHere, mode, location));
        }
        CompletableFuture<JobWaiters.Stored> registered = done;
        UUID id = job.id;
        // a copy: requests waiting on one job each keep their own timeout
        CompletionStage<RestResponse<JobView>> answered = done.copy()
                .completeOnTimeout(null, timeout, TimeUnit.SECONDS)
                .handle((stored, failure) -> {
                    if (stored != null) {
                        // finished here, the stored job at hand: the view is made and written by the thread that
                        // finished it (no database, no worker woken)
                        waiters.unregister(id, registered);
                        return CompletableFuture.completedFuture(answer(stored, mode, location));
                    }
                    // elsewhere, or the timeout: read the job, on a worker (not the listener's or the timer's)
                    return CompletableFuture.supplyAsync(
                            () -> {
                                waiters.unregister(id, registered);
                                return answer(jobs.get(caller, id), null, mode, location);
                            },
                            Infrastructure.getDefaultWorkerPool());
                })
                .thenCompose(answer -> answer);
        answeredByCompletingThread();
        return answered;
    }

    /** Quarkus REST resumes a suspended request on the executor it last ran on; this one is the completing thread. */
    private static final Executor COMPLETING_THREAD = Runnable::run;

    /**
     * The rest of this request (the answer's serialisation and its write) runs on the thread that completes the
     * returned stage: the runner that finished the job, or the worker that read it; not handed to one more worker
     * (a wake-up and an idle gap per job). The switch happens when the resource method returns, on this thread.
     */
    private static void answeredByCompletingThread() {
        ResteasyReactiveRequestContext request = CurrentRequestManager.get();
        request.suspend();
        request.resume(COMPLETING_THREAD);
    }

    /** 200 with the job finished and stored by this node, its result and metadata at hand. */
    private RestResponse<JobView> answer(JobWaiters.Stored stored, ByteFields.Mode mode, URI location) {
        return answer(stored.job(), jobs.view(stored, true, mode), location);
    }

    /** 200 with the finished job, 202 with one still queued or running. */
    private RestResponse<JobView> answer(Job job, JobResult result, ByteFields.Mode mode, URI location) {
        JobView view = result != null ? jobs.view(job, result, true, mode) : jobs.view(job, true, mode);
        return answer(job, view, location);
    }

    private static RestResponse<JobView> answer(Job job, JobView view, URI location) {
        if (finished(job)) {
            return RestResponse.ResponseBuilder.ok(view).location(location).build();
        }
        return RestResponse.ResponseBuilder.<JobView>accepted()
                .entity(view)
                .location(location)
                .build();
    }

    private static boolean finished(Job j) {
        return j.state.finished();
    }

    /**
     * A job this node runs or has just finished is answered on the event loop, from memory (see {@link
     * dev.proctor.jobs.RunningHere}): no hand-off to a worker and back, no database; any other is read from
     * PostgreSQL on a worker.
     */
    @GET
    @Path("/{id}")
    @NonBlocking
    public CompletionStage<JobView> get(
            @PathParam("id") String id,
            @QueryParam("encoding") @Parameter(description = ENCODING_DOC) String encoding) {
        ByteFields.Mode mode = mode(encoding);
        Caller caller = context.caller();
        UUID jobId = parseId(id);
        Job here = jobs.runningHere(caller, jobId);
        if (here != null) {
            return CompletableFuture.completedFuture(jobs.view(here, true, mode));
        }
        JobWaiters.Stored finished = jobs.finishedHere(caller, jobId);
        if (finished != null) {
            return CompletableFuture.completedFuture(jobs.view(finished, true, mode));
        }
        return CompletableFuture.supplyAsync(
                () -> jobs.view(jobs.get(caller, jobId), true, mode), Infrastructure.getDefaultWorkerPool());
    }

    /**
     * How byte fields (stdout, stderr, compile output) are returned: by default a JSON string where the bytes
     * are valid UTF-8 and base64 elsewhere, each with its {@code _encoding}; {@code encoding=base64}: base64.
     */
    static ByteFields.Mode mode(String encoding) {
        ByteFields.Mode mode = ByteFields.Mode.parse(encoding);
        if (mode == null) {
            throw Rejection.invalid("encoding", "encoding must be base64 or utf8 (the default)");
        }
        return mode;
    }

    @POST
    @Path("/{id}/cancel")
    public JobView cancel(
            @PathParam("id") String id,
            @QueryParam("encoding") @Parameter(description = ENCODING_DOC) String encoding) {
        ByteFields.Mode mode = mode(encoding);
        return jobs.view(jobs.cancel(context.caller(), parseId(id)), true, mode);
    }

    @GET
    public JobPage list(
            @QueryParam("state") String state,
            @QueryParam("verdict") String verdict,
            @QueryParam("profile") String profile,
            @QueryParam("created_after") String after,
            @QueryParam("created_before") String before,
            @QueryParam("cursor") String cursor,
            @QueryParam("limit") String limitParam,
            @QueryParam("encoding") @Parameter(description = ENCODING_DOC) String encoding) {
        ByteFields.Mode mode = mode(encoding);
        int limit = limitParam == null ? 50 : integer(limitParam, "limit");
        if (limit < 1 || limit > 500) {
            throw Rejection.invalid("limit", "limit must be 1 to 500");
        }
        return jobs.list(
                context.caller(),
                state,
                verdict,
                profile,
                time(after, "created_after"),
                time(before, "created_before"),
                cursor,
                limit,
                mode);
    }

    private static OffsetDateTime time(String s, String field) {
        if (s == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(s);
        } catch (DateTimeParseException e) {
            throw Rejection.invalid(field, field + " must be an RFC 3339 time, e.g. 2025-01-31T12:00:00Z");
        }
    }

    private static boolean bool(String s, String field) {
        if (s == null || s.equals("false") || s.equals("0")) {
            return false;
        }
        if (s.equals("true") || s.equals("1") || s.isEmpty()) {
            return true;
        }
        throw Rejection.invalid(field, field + " must be true or false");
    }

    private static int integer(String s, String field) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw Rejection.invalid(field, field + " must be an integer");
        }
    }

    static UUID parseId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw Rejection.notFound("no job " + id);
        }
    }
}
