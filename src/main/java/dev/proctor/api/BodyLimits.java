package dev.proctor.api;

import dev.proctor.problems.ProblemsConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
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
 *
 * <p>A small JSON body with a Content-Length (a job submission) over HTTP/1.x is also read here, on the event loop, before the
 * request reaches Quarkus REST: a {@code @Blocking} method otherwise reads its body on the worker, as a stream the
 * event loop feeds, each chunk and its end a hand-off between the two threads and a wake-up of each. Read ahead,
 * the body is in memory when the worker starts (Quarkus REST reads the routing context's body when there is one).
 */
@ApplicationScoped
public class BodyLimits {

    /** The key under which Quarkus' request stream finds the body limit of this request. */
    static final String MAX_REQUEST_SIZE_KEY = "io.quarkus.max-request-size";

    static final long UPLOAD_SLACK = 64L * 1024 * 1024;

    /** The largest body read ahead on the event loop; a larger one (and a chunked one) is streamed as before. */
    static final long READ_AHEAD_MAX = 64 * 1024;

    @ConfigProperty(name = "proctor.api.max-body-bytes", defaultValue = "16777216")
    long maxBodyBytes;

    @Inject
    ProblemsConfig problems;

    void install(@Observes Router router) {
        router.route().order(-1).handler(ctx -> {
            long limit = limitOf(ctx.request());
            long length = declaredLength(ctx.request());
            if (length > limit) {
                ctx.response()
                        .setStatusCode(413)
                        .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                        .putHeader(HttpHeaders.CONNECTION, "close")
                        .end("{\"type\":\"/problems/http-413\",\"title\":\"Request Entity Too Large\",\"status\":413,"
                                + "\"detail\":\"request body over " + limit + " bytes\",\"field\":\"body\"}");
                return;
            }
            ctx.put(MAX_REQUEST_SIZE_KEY, limit);
            if (readAhead(ctx.request(), length)) {
                ctx.request().body().onComplete(read -> {
                    if (read.succeeded()) {
                        ctx.setBody(read.result());
                        ctx.next();
                    } else {
                        ctx.fail(read.cause());
                    }
                });
                // Quarkus pauses every request until something asks for its body
                ctx.request().resume();
                return;
            }
            ctx.next();
        });
    }

    /**
     * Whether to read the body now: JSON (never a form or an upload, which Quarkus parses from the stream), with a
     * Content-Length ({@code length}) of at most {@link #READ_AHEAD_MAX} (within every route's limit, as checked
     * above), and no {@code Expect: 100-continue} (its client sends the body only once the stream asks for it).
     */
    static boolean readAhead(HttpServerRequest request, long length) {
        HttpMethod m = request.method();
        // HTTP/1.x only: Quarkus REST pauses the request it takes over, which HTTP/2 refuses once it has ended
        if (length <= 0
                || length > READ_AHEAD_MAX
                || request.version() == HttpVersion.HTTP_2
                || (m != HttpMethod.POST && m != HttpMethod.PUT && m != HttpMethod.PATCH)) {
            return false;
        }
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        return type != null
                && type.regionMatches(true, 0, "application/json", 0, 16)
                && request.getHeader(HttpHeaders.EXPECT) == null;
    }

    long limitOf(HttpServerRequest request) {
        boolean upload = request.method() == HttpMethod.POST && ProblemResource.PATH.equals(request.path());
        return upload ? problems.maxPackageBytes() + UPLOAD_SLACK : maxBodyBytes;
    }

    /** The request's Content-Length, or -1 when it has none or a malformed one (which Quarkus refuses itself). */
    private static long declaredLength(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return -1;
        }
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
