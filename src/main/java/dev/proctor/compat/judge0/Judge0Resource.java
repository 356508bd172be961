package dev.proctor.compat.judge0;

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
import dev.proctor.profiles.Profile;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Judge0 CE's submission API over Proctor jobs: every submission is one job of the calling client
 * (X-Auth-Token is its Proctor API key), its token the job id.
 */
@Path("/judge0")
@Produces(MediaType.APPLICATION_JSON)
public class Judge0Resource {

    static final String AUTH_TOKEN = "X-Auth-Token";
    static final String AUTH_USER = "X-Auth-User";

    @Inject
    JobService jobs;

    @Inject
    JobAwait await;

    @Inject
    CompatCallers callers;

    @Inject
    Judge0Languages languages;

    @Inject
    Judge0Info info;

    @Inject
    JobsConfig jobsConfig;

    @Inject
    ObjectMapper json;

    @Context
    HttpHeaders headers;

    @Context
    UriInfo uri;

    // --- submissions ----------------------------------------------------------------------------

    @POST
    @Path("/submissions")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(
            JsonNode body,
            @QueryParam("base64_encoded") String base64,
            @QueryParam("wait") String wait,
            @QueryParam("fields") String fields) {
        Caller caller = caller();
        boolean b64 = flag(base64);
        List<String> shown = Judge0View.fields(fields);
        UUID token = submit(caller, Judge0Request.parse(body, b64, languages));
        if (!flag(wait)) {
            return Response.status(201)
                    .entity(json.createObjectNode().put("token", token.toString()))
                    .build();
        }
        Job job = await.await(caller, token, Duration.ofSeconds(jobsConfig.maxWaitSeconds()));
        return Response.status(201).entity(render(job, shown, b64)).build();
    }

    @POST
    @Path("/submissions")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response createFromForm(
            MultivaluedMap<String, String> form,
            @QueryParam("base64_encoded") String base64,
            @QueryParam("wait") String wait,
            @QueryParam("fields") String fields) {
        ObjectNode body = json.createObjectNode();
        form.forEach((k, v) -> body.put(k, v.isEmpty() ? null : v.get(0)));
        return create(body, base64, wait, fields);
    }

    @GET
    @Path("/submissions/{token}")
    public ObjectNode show(
            @PathParam("token") String token,
            @QueryParam("base64_encoded") String base64,
            @QueryParam("fields") String fields) {
        Caller caller = caller();
        List<String> shown = Judge0View.fields(fields);
        return render(jobs.get(caller, id(token)), shown, flag(base64));
    }

    @GET
    @Path("/submissions")
    public ObjectNode index(
            @QueryParam("page") String pageParam,
            @QueryParam("per_page") String perPageParam,
            @QueryParam("base64_encoded") String base64,
            @QueryParam("fields") String fields) {
        Caller caller = caller();
        requireAdmin();
        List<String> shown = Judge0View.fields(fields);
        int page = Math.max(1, integer(pageParam, 1));
        int perPage = Math.min(100, Math.max(1, integer(perPageParam, 20)));
        Judge0Info.Page p = info.page(caller, page, perPage);
        ObjectNode out = json.createObjectNode();
        ArrayNode list = out.putArray("submissions");
        for (Job j : p.jobs()) {
            list.add(render(j, shown, flag(base64)));
        }
        long pages = (p.total() + perPage - 1) / perPage;
        ObjectNode meta = out.putObject("meta");
        meta.put("current_page", page);
        meta.put("next_page", page < pages ? Integer.valueOf(page + 1) : null);
        meta.put("prev_page", page > 1 ? Integer.valueOf(page - 1) : null);
        meta.put("total_pages", pages);
        meta.put("total_count", p.total());
        return out;
    }

    @DELETE
    @Path("/submissions/{token}")
    public ObjectNode delete(
            @PathParam("token") String token,
            @QueryParam("base64_encoded") String base64,
            @QueryParam("fields") String fields) {
        Caller caller = caller();
        requireAdmin();
        List<String> shown = Judge0View.fields(fields);
        Job job = jobs.get(caller, id(token));
        if (!JobAwait.finished(job)) {
            Judge0Status s = Judge0Outcome.of(StoredJob.of(job, json)).status();
            throw error(400, "submission cannot be deleted because its status is " + s.id + " (" + s.description + ")");
        }
        ObjectNode shownBefore = render(job, shown, flag(base64));
        jobs.delete(caller, job.id);
        return shownBefore;
    }

    @POST
    @Path("/submissions/batch")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response createBatch(JsonNode body, @QueryParam("base64_encoded") String base64) {
        Caller caller = caller();
        boolean b64 = flag(base64);
        JsonNode items = body == null ? null : body.get("submissions");
        if (items == null || !items.isArray() || items.isEmpty() || items.size() > Judge0Limits.MAX_BATCH) {
            throw error(400, "number of submissions in a batch should be between 1 and " + Judge0Limits.MAX_BATCH);
        }
        ArrayNode out = json.createArrayNode();
        for (JsonNode item : items) {
            try {
                out.add(json.createObjectNode()
                        .put(
                                "token",
                                submit(caller, Judge0Request.parse(item, b64, languages))
                                        .toString()));
            } catch (Judge0Request.Invalid e) {
                out.add(json.valueToTree(e.errors));
            } catch (Rejection e) {
                out.add(json.valueToTree(Map.of(Judge0Jobs.judge0Field(e.field()), List.of(e.getMessage()))));
            }
        }
        return Response.status(201).entity(out).build();
    }

    @GET
    @Path("/submissions/batch")
    public ObjectNode showBatch(
            @QueryParam("tokens") String tokens,
            @QueryParam("base64_encoded") String base64,
            @QueryParam("fields") String fields) {
        Caller caller = caller();
        List<String> shown = Judge0View.fields(fields);
        List<String> list = tokens == null
                ? List.of()
                : java.util.Arrays.stream(tokens.split(","))
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .toList();
        if (list.isEmpty() || list.size() > Judge0Limits.MAX_BATCH) {
            throw error(400, "number of tokens should be between 1 and " + Judge0Limits.MAX_BATCH);
        }
        ObjectNode out = json.createObjectNode();
        ArrayNode subs = out.putArray("submissions");
        for (String t : list) {
            Job job;
            try {
                job = jobs.get(caller, id(t));
            } catch (Rejection notFound) {
                subs.addNull();
                continue;
            }
            subs.add(render(job, shown, flag(base64)));
        }
        return out;
    }

    // --- languages, statuses, configuration, system ----------------------------------------------

    @GET
    @Path("/languages")
    public ArrayNode languages() {
        caller();
        ArrayNode out = json.createArrayNode();
        for (Judge0Languages.Entry e : languages.all()) {
            if (languages.available(e)) {
                out.addObject().put("id", e.id()).put("name", languages.name(e));
            }
        }
        return out;
    }

    @GET
    @Path("/languages/all")
    public ArrayNode allLanguages() {
        caller();
        ArrayNode out = json.createArrayNode();
        for (Judge0Languages.Entry e : languages.all()) {
            out.addObject()
                    .put("id", e.id())
                    .put("name", languages.name(e))
                    .put("is_archived", !languages.available(e));
        }
        return out;
    }

    @GET
    @Path("/languages/{id}")
    public ObjectNode language(@PathParam("id") String idParam) {
        caller();
        int id;
        try {
            id = Integer.parseInt(idParam);
        } catch (NumberFormatException e) {
            throw error(404, "language " + idParam + " not found");
        }
        Judge0Languages.Entry e = languages.find(id).orElseThrow(() -> error(404, "language " + id + " not found"));
        Profile p = languages.profile(e);
        ObjectNode n = json.createObjectNode();
        n.put("id", e.id());
        n.put("name", languages.name(e));
        n.put("is_archived", !languages.available(e));
        n.put("source_file", p.sourceFile());
        n.put("compile_cmd", p.compiles() ? String.join(" ", p.compileArgv()) : null);
        n.put("run_cmd", String.join(" ", p.runArgv()));
        return n;
    }

    @GET
    @Path("/statuses")
    public ArrayNode statuses() {
        caller();
        ArrayNode out = json.createArrayNode();
        for (Judge0Status s : Judge0Status.values()) {
            out.addObject().put("id", s.id).put("description", s.description);
        }
        return out;
    }

    @GET
    @Path("/config_info")
    public ObjectNode configInfo() {
        caller();
        return Judge0Limits.configInfo(jobsConfig.maxQueued());
    }

    @GET
    @Path("/system_info")
    public ObjectNode systemInfo() {
        caller();
        return info.system();
    }

    @GET
    @Path("/about")
    public ObjectNode about() {
        caller();
        return json.createObjectNode()
                .put("version", Judge0Info.VERSION)
                .put("homepage", (String) null)
                .put("source_code", (String) null)
                .put("maintainer", "Proctor (Judge0 CE compatible API)");
    }

    @GET
    @Path("/version")
    @Produces(MediaType.TEXT_PLAIN)
    public String version() {
        caller();
        return Judge0Info.VERSION;
    }

    @GET
    @Path("/workers")
    public ArrayNode workers() {
        caller();
        requireAdmin();
        return info.workers();
    }

    @GET
    @Path("/statistics")
    public ObjectNode statistics() {
        return info.statistics(caller());
    }

    @POST
    @Path("/authenticate")
    public Response authenticate() {
        caller();
        return Response.ok().build();
    }

    @POST
    @Path("/authorize")
    public Response authorize() {
        requireAdmin();
        return Response.ok().build();
    }

    // --- helpers ----------------------------------------------------------------------------------

    private UUID submit(Caller caller, Judge0Request r) {
        Judge0Languages.Entry language = languages.find(r.languageId()).orElseThrow();
        Profile profile = languages.profile(language);
        return jobs.submit(caller, Judge0Jobs.toJob(r, language, profile, json), null)
                .job()
                .id;
    }

    private ObjectNode render(Job job, List<String> fields, boolean base64) {
        return Judge0View.render(StoredJob.of(job, json), languages, fields, base64);
    }

    private String credential(String name) {
        String h = headers.getHeaderString(name);
        return h != null ? h : uri.getQueryParameters().getFirst(name);
    }

    private Caller caller() {
        return callers.resolve(credential(AUTH_TOKEN))
                .orElseThrow(
                        () -> new WebApplicationException(Response.status(401).build()));
    }

    private void requireAdmin() {
        boolean admin =
                callers.resolve(credential(AUTH_USER)).map(Caller::admin).orElse(false);
        if (!admin) {
            throw new WebApplicationException(Response.status(403).build());
        }
    }

    static boolean flag(String s) {
        return s != null && (s.equalsIgnoreCase("true") || s.equals("1") || s.equalsIgnoreCase("t"));
    }

    private static int integer(String s, int fallback) {
        try {
            return s == null ? fallback : Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static UUID id(String token) {
        try {
            return UUID.fromString(token);
        } catch (IllegalArgumentException e) {
            throw error(404, "submission " + token + " not found");
        }
    }

    static WebApplicationException error(int status, String message) {
        return new WebApplicationException(Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", message))
                .build());
    }

    // --- errors in Judge0's shapes ------------------------------------------------------------------

    /** Judge0's own answers (401 and 403 with an empty body, {"error": …}) go out as built. */
    @ServerExceptionMapper
    public Response judge0Answer(WebApplicationException e) {
        return e.getResponse();
    }

    @ServerExceptionMapper
    public Response invalid(Judge0Request.Invalid e) {
        return Response.status(422)
                .type(MediaType.APPLICATION_JSON)
                .entity(e.errors)
                .build();
    }

    @ServerExceptionMapper
    public Response badFields(Judge0View.BadFields e) {
        return Response.status(400)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", e.getMessage()))
                .build();
    }

    @ServerExceptionMapper
    public Response notUtf8(Judge0View.NotUtf8 e) {
        return Response.status(400)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", e.getMessage()))
                .build();
    }

    @ServerExceptionMapper
    public Response problem(Rejection e) {
        Rejection.Reason reason = e.reason();
        if (reason == Rejection.Reason.NOT_FOUND) {
            return Response.status(404)
                    .type(MediaType.APPLICATION_JSON)
                    .entity(Map.of("error", e.getMessage()))
                    .build();
        }
        if (reason == Rejection.Reason.UNAUTHENTICATED) {
            return Response.status(401).build();
        }
        if (reason == Rejection.Reason.FORBIDDEN) {
            return Response.status(403).build();
        }
        if (reason == Rejection.Reason.TOO_MANY || reason == Rejection.Reason.UNAVAILABLE) {
            Response.ResponseBuilder b =
                    Response.status(503).type(MediaType.APPLICATION_JSON).entity(Map.of("error", e.getMessage()));
            if (e.retryAfterSeconds() != null) {
                b.header("Retry-After", e.retryAfterSeconds());
            }
            return b.build();
        }
        if (reason == Rejection.Reason.CONFLICT) {
            return Response.status(400)
                    .type(MediaType.APPLICATION_JSON)
                    .entity(Map.of("error", e.getMessage()))
                    .build();
        }
        return Response.status(422)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of(Judge0Jobs.judge0Field(e.field()), List.of(e.getMessage())))
                .build();
    }
}
