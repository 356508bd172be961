package dev.proctor.compat.piston;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.proctor.auth.Caller;
import dev.proctor.compat.common.CompatCallers;
import dev.proctor.compat.common.JobAwait;
import dev.proctor.compat.common.StoredJob;
import dev.proctor.core.Rejection;
import dev.proctor.jobs.Job;
import dev.proctor.jobs.JobService;
import dev.proctor.jobs.JobsConfig;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Piston's API v2 over Proctor jobs: /runtimes from the profiles, /execute as one job of the calling client,
 * waited for and answered in Piston's shape. The caller's Proctor key comes in the Authorization header or
 * in the base URL ({@code /piston/k/KEY/api/v2}).
 */
@Path("/piston/api/v2")
@Produces(MediaType.APPLICATION_JSON)
public class PistonResource {

    static final String NOT_JSON = "requests must be of type application/json";

    @Inject
    CompatCallers callers;

    @Inject
    PistonRuntimes runtimes;

    @Inject
    JobService jobs;

    @Inject
    JobAwait await;

    @Inject
    JobsConfig jobsConfig;

    @Inject
    ObjectMapper json;

    @Context
    HttpHeaders headers;

    @Context
    ContainerRequestContext request;

    @GET
    @Path("/runtimes")
    public ArrayNode runtimes() {
        caller();
        ArrayNode out = json.createArrayNode();
        for (PistonRuntimes.Runtime r : runtimes.available()) {
            ObjectNode n = out.addObject();
            n.put("language", r.language());
            n.put("version", r.version());
            n.set("aliases", json.valueToTree(r.aliases()));
            if (r.runtime() != null) {
                n.put("runtime", r.runtime());
            }
        }
        return out;
    }

    /**
     * Piston answers 415 to anything but JSON. A JSON body labelled text/plain (or not labelled) is read too:
     * piston-client 1.0.2 sends its JSON with fetch's default text/plain type.
     */
    @POST
    @Path("/execute")
    @Consumes(MediaType.WILDCARD)
    public ObjectNode execute(byte[] body) {
        Caller caller = caller();
        MediaType type = headers.getMediaType();
        boolean json = type != null && type.isCompatible(MediaType.APPLICATION_JSON_TYPE);
        boolean plain = type == null || type.isCompatible(MediaType.TEXT_PLAIN_TYPE);
        if (!json && !plain) {
            throw error(415, NOT_JSON);
        }
        JsonNode req;
        try {
            req = this.json.readTree(body);
        } catch (java.io.IOException | RuntimeException e) {
            throw error(json ? 400 : 415, json ? "the request body is not valid JSON" : NOT_JSON);
        }
        if (req == null || !req.isObject()) {
            throw error(json ? 400 : 415, json ? "the request body must be a JSON object" : NOT_JSON);
        }
        PistonExecution exec = PistonExecution.parse(req, runtimes);
        Job job = jobs.submit(caller, exec.toJob(this.json), null).job();
        Duration timeout = Duration.ofSeconds(jobsConfig.maxWaitSeconds());
        job = await.await(caller, job.id, timeout);
        if (!JobAwait.finished(job)) {
            throw error(
                    500,
                    "the job did not finish within " + timeout.toSeconds() + " s; it runs on as Proctor job " + job.id);
        }
        return PistonExecution.render(StoredJob.of(job, this.json), exec.runtime(), this.json);
    }

    private Caller caller() {
        Object inPath = request.getProperty(PistonFilter.KEY_PROPERTY);
        String key = inPath != null
                ? (String) inPath
                : CompatCallers.fromAuthorization(headers.getHeaderString(HttpHeaders.AUTHORIZATION));
        return callers.resolve(key)
                .orElseThrow(() -> error(
                        401,
                        key == null
                                ? "send a Proctor API key: Authorization: Bearer <key>, or a base URL of /piston/k/<key>"
                                : "unknown or revoked API key"));
    }

    static WebApplicationException error(int status, String message) {
        return new WebApplicationException(Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("message", message))
                .build());
    }

    @ServerExceptionMapper
    public Response pistonAnswer(WebApplicationException e) {
        if (e.getResponse().hasEntity()) {
            return e.getResponse();
        }
        int status = e.getResponse().getStatus();
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("message", status == 415 ? NOT_JSON : e.getMessage()))
                .build();
    }

    @ServerExceptionMapper
    public Response problem(Rejection e) {
        int status = e.reason() == Rejection.Reason.TOO_MANY || e.reason() == Rejection.Reason.UNAVAILABLE ? 503 : 400;
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("message", PistonExecution.pistonMessage(e)))
                .build();
    }
}
