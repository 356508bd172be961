package dev.proctor.api;

import dev.proctor.auth.CallerContext;
import dev.proctor.dashboard.Overview;
import dev.proctor.dashboard.UsageQueries;
import dev.proctor.dashboard.UsageWindow;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** The overview page's data as an API, for admin keys; same parameters as the usage API. */
@Path("/api/v1/admin/overview")
public class AdminOverviewResource {

    @Inject
    CallerContext context;

    @Inject
    UsageQueries queries;

    /** Queue, job times, verdicts, nodes, top jobs and usage of one window: the overview page's data. */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Overview overview(
            @QueryParam("range") String range,
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @QueryParam("bucket") String bucket,
            @QueryParam("group_by") String groupBy) {
        context.requireAdmin();
        return queries.overview(UsageWindow.parse(range, from, to, bucket, groupBy));
    }
}
