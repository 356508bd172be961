package dev.proctor.api;

import dev.proctor.problems.ProblemsConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Request body caps per route. {@code quarkus.http.limits.max-body-size} is one number for every route and
 * has to admit a problem upload (gigabytes, streamed to disk); this handler, right after Quarkus' own, puts
 * every other request back under {@code proctor.api.max-body-bytes}: by Content-Length at once, and for a
 * chunked body through the limit Quarkus' request stream counts against.
 */
@ApplicationScoped
public class BodyLimits {

    /** The key under which Quarkus' request stream finds the body limit of this request. */
    static final String MAX_REQUEST_SIZE_KEY = "io.quarkus.max-request-size";

    static final long UPLOAD_SLACK = 64L * 1024 * 1024;

    @ConfigProperty(name = "proctor.api.max-body-bytes", defaultValue = "16777216")
    long maxBodyBytes;

    @Inject
    ProblemsConfig problems;

    void install(@Observes Router router) {
        router.route().order(-1).handler(ctx -> {
            long limit = limitOf(ctx.request());
            String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null && tooLong(length, limit)) {
                ctx.response()
                        .setStatusCode(413)
                        .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                        .putHeader(HttpHeaders.CONNECTION, "close")
                        .end("{\"type\":\"/problems/http-413\",\"title\":\"Request Entity Too Large\",\"status\":413,"
                                + "\"detail\":\"request body over " + limit + " bytes\",\"field\":\"body\"}");
                return;
            }
            ctx.put(MAX_REQUEST_SIZE_KEY, limit);
            ctx.next();
        });
    }

    long limitOf(HttpServerRequest request) {
        boolean upload = request.method() == HttpMethod.POST && ProblemResource.PATH.equals(request.path());
        return upload ? problems.maxPackageBytes() + UPLOAD_SLACK : maxBodyBytes;
    }

    private static boolean tooLong(String length, long limit) {
        try {
            return Long.parseLong(length.trim()) > limit;
        } catch (NumberFormatException e) {
            return false; // Quarkus refuses a malformed Content-Length itself
        }
    }
}
