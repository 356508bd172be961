package dev.proctor.api;

import dev.proctor.auth.ApiKeys;
import dev.proctor.auth.Caller;
import dev.proctor.auth.CallerContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.util.Optional;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Resolves {@code Authorization: Bearer KEY} for everything under /api/v1; 401 when absent or revoked. */
public class AuthFilter {

    @Inject
    ApiKeys keys;

    @Inject
    CallerContext context;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public RestResponse<Problem> authenticate(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/api/")) {
            return null;
        }
        String header = request.getHeaderString("Authorization");
        if (header == null || header.isBlank()) {
            return unauthorized("send Authorization: Bearer <API key>");
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() > 512) {
            return unauthorized("the Authorization header must be: Bearer <API key>");
        }
        Optional<Caller> caller = keys.authenticate(header.substring(7).trim());
        if (caller.isEmpty()) {
            return unauthorized("unknown or revoked API key");
        }
        context.set(caller.get());
        return null;
    }

    private static RestResponse<Problem> unauthorized(String detail) {
        RestResponse<Problem> r = ProblemMapper.of(401, "unauthorized", detail, "Authorization");
        r.getHeaders().putSingle("WWW-Authenticate", "Bearer");
        return r;
    }
}
