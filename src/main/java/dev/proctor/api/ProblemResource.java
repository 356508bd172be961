package dev.proctor.api;

import dev.proctor.api.dto.ProblemViews;
import dev.proctor.auth.Caller;
import dev.proctor.auth.CallerContext;
import dev.proctor.core.Rejection;
import dev.proctor.problems.GroupGrading;
import dev.proctor.problems.PackageFile;
import dev.proctor.problems.ProblemPackage;
import dev.proctor.problems.ProblemService;
import dev.proctor.problems.ProblemStore;
import dev.proctor.problems.ProblemType;
import dev.proctor.problems.TestNode;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * Problem packages: upload (a zip or tar.gz as the raw body, streamed to disk), list, get, versions,
 * delete, and an admin's share with another client.
 */
@Path(ProblemResource.PATH)
@Produces(MediaType.APPLICATION_JSON)
public class ProblemResource {

    static final String PATH = "/api/v1/problems";

    @Inject
    ProblemService problems;

    @Inject
    CallerContext context;

    @POST
    @Consumes(MediaType.WILDCARD)
    public RestResponse<ProblemViews.UploadView> upload(
            InputStream body,
            @QueryParam("name")
                    @Parameter(
                            description = "the problem's name among the caller's problems; a new version is added"
                                    + " when it exists (default: from the package's name)")
                    String name) {
        Caller caller = context.caller();
        ProblemService.Upload u = problems.upload(caller, name, body);
        ProblemViews.UploadView view =
                new ProblemViews.UploadView(summary(u.problem()), version(u.version(), u.created()));
        URI location = URI.create(PATH + "/" + u.problem().id());
        return u.created()
                ? RestResponse.ResponseBuilder.<ProblemViews.UploadView>created(location)
                        .entity(view)
                        .build()
                : RestResponse.ResponseBuilder.ok(view).location(location).build();
    }

    @GET
    public List<ProblemViews.ProblemSummary> list() {
        return problems.list(context.caller()).stream()
                .map(ProblemResource::summary)
                .toList();
    }

    @GET
    @Path("/{ref}")
    public ProblemViews.ProblemDetail get(@PathParam("ref") String ref, @QueryParam("version") String version) {
        Caller caller = context.caller();
        ProblemStore.ProblemRow p = problems.visible(caller, ref);
        ProblemStore.StoredVersion v = problems.version(caller, p.id().toString(), version(version));
        return detail(p, v);
    }

    @GET
    @Path("/{ref}/versions")
    public List<ProblemViews.VersionSummary> versions(@PathParam("ref") String ref) {
        return problems.versions(context.caller(), ref).stream()
                .map(v -> version(v, null))
                .toList();
    }

    @DELETE
    @Path("/{ref}")
    public RestResponse<Void> delete(@PathParam("ref") String ref) {
        problems.delete(context.caller(), ref);
        return RestResponse.noContent();
    }

    @POST
    @Path("/{ref}/shares")
    @Consumes(MediaType.APPLICATION_JSON)
    public RestResponse<Void> share(@PathParam("ref") String ref, ProblemViews.ShareRequest request) {
        if (request == null || request.clientId() == null) {
            throw Rejection.invalid("client_id", "client_id is required");
        }
        problems.share(context.caller(), ref, request.clientId());
        return RestResponse.noContent();
    }

    private static Integer version(String v) {
        if (v == null) {
            return null;
        }
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw Rejection.invalid("version", "version must be a positive integer");
    }

    static ProblemViews.ProblemSummary summary(ProblemStore.ProblemRow p) {
        return new ProblemViews.ProblemSummary(p.id(), p.name(), p.clientId(), p.latestVersion(), p.createdAt());
    }

    static ProblemViews.VersionSummary version(ProblemStore.VersionRow v, Boolean created) {
        return new ProblemViews.VersionSummary(
                v.version(), v.contentDigest(), v.title(), v.totalBytes(), v.createdAt(), created);
    }

    static ProblemViews.ProblemDetail detail(ProblemStore.ProblemRow p, ProblemStore.StoredVersion v) {
        ProblemPackage pkg = v.pkg();
        List<ProblemViews.GroupView> groups = new ArrayList<>();
        for (TestNode.TestGroup g : pkg.data().groups()) {
            GroupGrading gr = g.grading();
            groups.add(new ProblemViews.GroupView(
                    g.name().isEmpty() ? "data" : "data/" + g.name(),
                    gr.aggregation().name().toLowerCase(Locale.ROOT),
                    gr.acceptScore(),
                    gr.rejectScore(),
                    gr.onReject().name().toLowerCase(Locale.ROOT),
                    gr.graderFlags().stream().sorted().toList(),
                    gr.inputValidatorFlags(),
                    gr.outputValidatorFlags(),
                    gr.maxScore(),
                    g.cases().size()));
        }
        List<ProblemViews.TestView> tests = new ArrayList<>();
        for (TestNode.TestGroup g : pkg.data().groups()) {
            for (TestNode n : g.children()) {
                if (n instanceof TestNode.TestCase c) {
                    tests.add(new ProblemViews.TestView(
                            c.name(),
                            g.name().isEmpty() ? "data" : "data/" + g.name(),
                            ref(c.input()),
                            ref(c.answer()),
                            ref(c.interaction())));
                }
            }
        }
        tests.sort(java.util.Comparator.comparing(ProblemViews.TestView::name));
        var l = pkg.limits();
        return new ProblemViews.ProblemDetail(
                p.id(),
                p.name(),
                p.clientId(),
                v.row().version(),
                p.latestVersion(),
                pkg.name(),
                pkg.format().wire(),
                pkg.types().stream().map(ProblemType::wire).sorted().toList(),
                pkg.validation().wire(),
                pkg.validation().flags(),
                new ProblemViews.LimitsView(
                        l.timeLimit().map(d -> d.toNanos() / 1e9).orElse(null),
                        l.acToTimeLimit(),
                        l.timeLimitToTle(),
                        l.timeResolution().toNanos() / 1e9,
                        l.memoryMiB(),
                        l.outputMiB(),
                        v.row().derivedTimeLimitMs() == null ? null : v.row().derivedTimeLimitMs() / 1000.0,
                        v.row().slowestAcceptedMs()),
                pkg.outputValidator(),
                pkg.inputValidators(),
                pkg.submissions().stream()
                        .map(s -> new ProblemViews.SubmissionView(
                                s.category(), s.path(), s.files().size()))
                        .toList(),
                groups,
                tests,
                pkg.files().size(),
                pkg.totalBytes(),
                pkg.contentDigest(),
                v.row().createdAt());
    }

    private static ProblemViews.FileRef ref(PackageFile f) {
        return f == null ? null : new ProblemViews.FileRef(f.path(), f.size(), f.sha256());
    }
}
