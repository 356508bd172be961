package dev.proctor.api;

import dev.proctor.auth.CallerContext;
import dev.proctor.dashboard.UsageQueries;
import dev.proctor.dashboard.UsageReport;
import dev.proctor.dashboard.UsageWindow;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The JSON (and UsageReport.CSV) behind every dashboard chart, for admin keys. */
@Path("/api/v1/admin/usage")
public class AdminUsageResource {

    @Inject
    CallerContext context;

    @Inject
    UsageQueries queries;

    /**
     * Usage in buckets: {@code from}/{@code to} ISO-8601 (default: the last hour), {@code bucket}
     * ({@code 5m}, {@code 1h}; default: about 120 points), {@code group_by} client|profile|node;
     * {@code format=csv} or {@code Accept: text/csv} for UsageReport.CSV.
     */
    @GET
    @Produces({MediaType.APPLICATION_JSON, UsageReport.CSV})
    public Response usage(
            @QueryParam("range") String range,
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @QueryParam("bucket") String bucket,
            @QueryParam("group_by") String groupBy,
            @QueryParam("format") String format,
            @HeaderParam("Accept") String accept) {
        context.requireAdmin();
        UsageWindow w = UsageWindow.parse(range, from, to, bucket, groupBy);
        UsageReport report = queries.usage(w);
        if (UsageReport.wantsCsv(format, accept)) {
            return Response.ok(report.csv(), UsageReport.CSV + "; charset=utf-8")
                    .header("Content-Disposition", "attachment; filename=\"proctor-usage.csv\"")
                    .build();
        }
        return Response.ok(report, MediaType.APPLICATION_JSON).build();
    }
}
