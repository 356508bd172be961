package dev.proctor.api;

import dev.proctor.api.dto.JobPage;
import dev.proctor.api.dto.JobRequest;
import dev.proctor.api.dto.JobView;
import dev.proctor.auth.Caller;
import dev.proctor.auth.CallerContext;
import dev.proctor.jobs.Job;
import dev.proctor.jobs.JobService;
import dev.proctor.jobs.JobWaiters;
import dev.proctor.jobs.JobsConfig;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.resteasy.reactive.RestResponse;

/** Submit, read, list and cancel jobs. */
@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {

    @Inject
    JobService jobs;

    @Inject
    JobWaiters waiters;

    @Inject
    CallerContext context;

    @Inject
    JobsConfig config;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public RestResponse<JobView> submit(JobRequest request,
                                        @HeaderParam("Idempotency-Key") String idempotencyKey,
                                        @QueryParam("wait") @DefaultValue("false") boolean wait,
                                        @QueryParam("timeout_s") Integer timeoutSeconds) {
        Caller caller = context.caller();
        int timeout = timeoutSeconds == null ? config.maxWaitSeconds() : timeoutSeconds;
        if (timeout < 0 || timeout > config.maxWaitSeconds()) {
            throw ProblemException.invalid("timeout_s", "timeout_s must be 0 to " + config.maxWaitSeconds());
        }
        JobService.Submitted s = jobs.submit(caller, request, idempotencyKey);
        Job job = s.job();
        if (wait && !finished(job)) {
            job = await(caller, job.id, timeout);
        }
        URI location = URI.create("/api/v1/jobs/" + job.id);
        if (finished(job)) {
            return RestResponse.ResponseBuilder.ok(jobs.view(job, true)).location(location).build();
        }
        return RestResponse.ResponseBuilder.<JobView>accepted().entity(jobs.view(job, true)).location(location)
                .build();
    }

    private Job await(Caller caller, UUID id, int timeoutSeconds) {
        CompletableFuture<Void> done = waiters.register(id);
        try {
            // it may have finished between submit and register
            Job now = jobs.get(caller, id);
            if (finished(now)) {
                return now;
            }
            done.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // answer with the current state
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            waiters.unregister(id, done);
        }
        return jobs.get(caller, id);
    }

    private static boolean finished(Job j) {
        return "done".equals(j.state) || "cancelled".equals(j.state);
    }

    @GET
    @Path("/{id}")
    public JobView get(@PathParam("id") String id) {
        return jobs.view(jobs.get(context.caller(), parseId(id)), true);
    }

    @POST
    @Path("/{id}/cancel")
    public JobView cancel(@PathParam("id") String id) {
        return jobs.view(jobs.cancel(context.caller(), parseId(id)), true);
    }

    @GET
    public JobPage list(@QueryParam("state") String state, @QueryParam("verdict") String verdict,
                        @QueryParam("profile") String profile, @QueryParam("created_after") String after,
                        @QueryParam("created_before") String before, @QueryParam("cursor") String cursor,
                        @QueryParam("limit") @DefaultValue("50") int limit) {
        if (limit < 1 || limit > 500) {
            throw ProblemException.invalid("limit", "limit must be 1 to 500");
        }
        return jobs.list(context.caller(), state, verdict, profile, time(after, "created_after"),
                time(before, "created_before"), cursor, limit);
    }

    private static OffsetDateTime time(String s, String field) {
        if (s == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(s);
        } catch (DateTimeParseException e) {
            throw ProblemException.invalid(field, field + " must be an RFC 3339 time, e.g. 2025-01-31T12:00:00Z");
        }
    }

    static UUID parseId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("no job " + id);
        }
    }
}
