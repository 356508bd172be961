package dev.proctor.api;

import dev.proctor.auth.ApiKeys;
import dev.proctor.auth.Caller;
import dev.proctor.auth.CallerContext;
import io.quarkus.arc.ClientProxy;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.util.Optional;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Resolves {@code Authorization: Bearer KEY} for everything under /api/v1; 401 when absent or revoked.
 *
 * <p>It runs on the thread of the route's method: a worker's for most, the event loop's for a route that answers
 * without blocking (a poll of a job this node runs). A key this node's cache holds is checked there at once; a key
 * that must be read from PostgreSQL is read on a worker when the filter is on the event loop, which never blocks.
 */
public class AuthFilter {

    /** What a check leaves: nothing (go on), or the 401 to answer. */
    private static final Uni<RestResponse<Problem>> GO_ON = Uni.createFrom().nullItem();

    @Inject
    ApiKeys keys;

    @Inject
    CallerContext context;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Uni<RestResponse<Problem>> authenticate(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/api/")) {
            return GO_ON;
        }
        String header = request.getHeaderString("Authorization");
        if (header == null || header.isBlank()) {
            return Uni.createFrom().item(unauthorized("send Authorization: Bearer <API key>"));
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() > 512) {
            return Uni.createFrom().item(unauthorized("the Authorization header must be: Bearer <API key>"));
        }
        String key = header.substring(7).trim();
        Caller cached = keys.cached(key);
        if (cached != null) {
            context.set(cached);
            return GO_ON;
        }
        if (!io.vertx.core.Context.isOnEventLoopThread()) {
            return Uni.createFrom().item(check(context, key));
        }
        // this request's own CallerContext, resolved here: the worker that reads the key has no request context
        CallerContext mine = ClientProxy.unwrap(context);
        return Uni.createFrom().item(() -> check(mine, key)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** Reads the key (PostgreSQL unless cached): null when it stands for a caller, set in {@code into}; else 401. */
    private RestResponse<Problem> check(CallerContext into, String key) {
        Optional<Caller> caller = keys.authenticate(key);
        if (caller.isEmpty()) {
            return unauthorized("unknown or revoked API key");
        }
        into.set(caller.get());
        return null;
    }

    private static RestResponse<Problem> unauthorized(String detail) {
        RestResponse<Problem> r = ProblemMapper.of(401, "unauthorized", detail, "Authorization");
        r.getHeaders().putSingle("WWW-Authenticate", "Bearer");
        return r;
    }
}
