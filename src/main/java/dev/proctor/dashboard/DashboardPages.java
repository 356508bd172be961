package dev.proctor.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.auth.ApiKeys;
import dev.proctor.auth.Client;
import dev.proctor.core.Rejection;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.UUID;

/** The dashboard's server-rendered pages (Qute); charts are drawn by ECharts, served with them
 * ({@link DashboardAssets}). */
@Path("/admin")
@Produces(MediaType.TEXT_HTML)
public class DashboardPages {

    @Inject
    AdminSessions sessions;

    @Inject
    DashboardSession session;

    @Inject
    UsageQueries usage;

    @Inject
    DashboardQueries queries;

    @Inject
    ProblemsQueries problems;

    @Inject
    ApiKeys keys;

    @Inject
    ObjectMapper json;

    @Location("dashboard/login.html")
    Template login;

    @Location("dashboard/overview.html")
    Template overview;

    @Location("dashboard/job.html")
    Template job;

    @Location("dashboard/clients.html")
    Template clients;

    @Location("dashboard/problems.html")
    Template problemsList;

    @Location("dashboard/problem.html")
    Template problem;

    @Context
    UriInfo uri;

    @GET
    public Response index() {
        if (session.caller().isPresent()) {
            return Response.seeOther(URI.create("/admin/overview")).build();
        }
        return Response.ok(login.data("message", null)).build();
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response login(@FormParam("key") String key) {
        AdminSessions.Login result = sessions.login(key);
        if (result instanceof AdminSessions.Login.Started s) {
            return Response.seeOther(URI.create("/admin/overview"))
                    .cookie(cookie(s.sessionId(), (int) s.ttl().toSeconds()))
                    .build();
        }
        String message = result instanceof AdminSessions.Login.NotAdmin
                ? "This is a client key. The dashboard needs an admin key."
                : "Unknown or revoked API key.";
        int status = result instanceof AdminSessions.Login.NotAdmin ? 403 : 401;
        return Response.status(status)
                .entity(login.data("message", message))
                .type(MediaType.TEXT_HTML)
                .build();
    }

    @POST
    @Path("/logout")
    public Response logout() {
        sessions.logout(session.sessionId());
        return Response.seeOther(URI.create("/admin")).cookie(cookie("", 0)).build();
    }

    /** HttpOnly, SameSite=Strict, only for /admin; Secure whenever the dashboard is reached over https. */
    private NewCookie cookie(String value, int maxAge) {
        return new NewCookie.Builder(DashboardFilter.COOKIE)
                .value(value)
                .path("/admin")
                .maxAge(maxAge)
                .httpOnly(true)
                .secure("https".equals(uri.getRequestUri().getScheme()))
                .sameSite(NewCookie.SameSite.STRICT)
                .build();
    }

    @GET
    @Path("/overview")
    public Response overview(
            @QueryParam("range") String range,
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @QueryParam("group_by") String groupBy) {
        UsageWindow w;
        String error = null;
        try {
            w = UsageWindow.parse(range, from, to, null, groupBy);
        } catch (Rejection e) {
            error = e.field() + ": " + e.getMessage();
            w = UsageWindow.parse("hour", null, null, null, null);
        }
        Overview o = usage.overview(w);
        TemplateInstance page = overview.data("o", o)
                .data("w", w)
                .data("error", error)
                .data("from", from == null ? "" : from)
                .data("to", to == null ? "" : to)
                .data(
                        "query",
                        uri.getRequestUri().getRawQuery() == null
                                ? ""
                                : uri.getRequestUri().getRawQuery())
                .data("dataJson", scriptJson(o))
                .data("admin", session.caller().orElseThrow().clientName());
        return Response.status(error == null ? 200 : 400).entity(page).build();
    }

    @GET
    @Path("/data/overview")
    @Produces(MediaType.APPLICATION_JSON)
    public Overview overviewData(
            @QueryParam("range") String range,
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @QueryParam("group_by") String groupBy) {
        return usage.overview(UsageWindow.parse(range, from, to, null, groupBy));
    }

    @GET
    @Path("/data/usage")
    @Produces({MediaType.APPLICATION_JSON, UsageReport.CSV})
    public Response usageData(
            @QueryParam("range") String range,
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @QueryParam("bucket") String bucket,
            @QueryParam("group_by") String groupBy,
            @QueryParam("format") String format) {
        UsageReport r = usage.usage(UsageWindow.parse(range, from, to, bucket, groupBy));
        if (UsageReport.wantsCsv(format, null)) {
            return Response.ok(r.csv(), UsageReport.CSV + "; charset=utf-8")
                    .header("Content-Disposition", "attachment; filename=\"proctor-usage.csv\"")
                    .build();
        }
        return Response.ok(r, MediaType.APPLICATION_JSON).build();
    }

    @GET
    @Path("/jobs/{id}")
    public Response job(@PathParam("id") String id) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return Response.status(404)
                    .entity("no such job")
                    .type(MediaType.TEXT_PLAIN)
                    .build();
        }
        return queries.job(uuid)
                .map(j -> Response.ok(job.data("job", j)
                                .data("timelines", queries.timelinesJson(j))
                                .data("admin", session.caller().orElseThrow().clientName()))
                        .build())
                .orElseGet(() -> Response.status(404)
                        .entity("no such job")
                        .type(MediaType.TEXT_PLAIN)
                        .build());
    }

    @GET
    @Path("/clients")
    public TemplateInstance clients() {
        return clientsPage(null, null);
    }

    @POST
    @Path("/clients/{id}/keys")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response issueKey(@PathParam("id") long clientId, @FormParam("admin") String admin) {
        if (Client.findById(clientId) == null) {
            return Response.status(404)
                    .entity(clientsPage(null, "No client " + clientId + "."))
                    .build();
        }
        ApiKeys.Issued k = keys.issue(clientId, "on".equals(admin));
        return Response.status(201).entity(clientsPage(k, null)).build();
    }

    @POST
    @Path("/keys/{id}/revoke")
    public Response revokeKey(@PathParam("id") long keyId) {
        if (keys.revoke(keyId).isEmpty()) {
            return Response.status(404)
                    .entity(clientsPage(null, "No key " + keyId + "."))
                    .build();
        }
        return Response.seeOther(URI.create("/admin/clients")).build();
    }

    @GET
    @Path("/problems")
    public TemplateInstance problems() {
        return problemsList
                .data("problems", problems.problems())
                .data("admin", session.caller().orElseThrow().clientName());
    }

    /** A problem's versions, and the groups, tests and per-test resource use of one version (default: latest). */
    @GET
    @Path("/problems/{id}")
    public Response problem(@PathParam("id") String id, @QueryParam("version") String version) {
        UUID uuid;
        Integer v;
        try {
            uuid = UUID.fromString(id);
            v = version == null || version.isEmpty() ? null : Integer.valueOf(version);
        } catch (IllegalArgumentException e) {
            return notFound("no such problem or version");
        }
        return problems.problem(uuid, v)
                .map(p -> Response.ok(problem.data("p", p)
                                .data("closeToLimit", Formats.pct(ProblemsQueries.CLOSE_TO_LIMIT))
                                .data("admin", session.caller().orElseThrow().clientName()))
                        .build())
                .orElseGet(() -> notFound("no such problem or version"));
    }

    private static Response notFound(String message) {
        return Response.status(404).entity(message).type(MediaType.TEXT_PLAIN).build();
    }

    private TemplateInstance clientsPage(ApiKeys.Issued issued, String error) {
        return clients.data("clients", queries.clients())
                .data("issued", issued)
                .data("error", error)
                .data("admin", session.caller().orElseThrow().clientName());
    }

    /** JSON for a script element: no "<" can close it early. */
    private String scriptJson(Object value) {
        try {
            return json.writeValueAsString(value)
                    .replace("<", "\\u003c")
                    .replace(">", "\\u003e")
                    .replace("&", "\\u0026");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("overview does not serialise", e);
        }
    }
}
