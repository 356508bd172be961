package dev.proctor.dashboard;

import dev.proctor.auth.Caller;
import dev.proctor.core.Rejection;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Guards {@code /admin}: every page but the login needs a session of an admin key; every POST must
 * come from a page of this origin (the cookie is SameSite=Strict too, this is the second lock).
 */
public class DashboardFilter {

    static final String COOKIE = "proctor_admin";

    @Inject
    AdminSessions sessions;

    @Inject
    DashboardSession session;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Response guard(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.equals("/admin") && !path.startsWith("/admin/")) {
            return null;
        }
        if ("POST".equals(request.getMethod()) && !sameOrigin(request)) {
            throw new Rejection(
                    Rejection.Reason.FORBIDDEN,
                    "cross-origin",
                    "this form must be sent from the Proctor dashboard itself",
                    "Origin",
                    null);
        }
        boolean open = path.equals("/admin") || path.equals("/admin/") || path.equals("/admin/login");
        Cookie cookie = request.getCookies().get(COOKIE);
        Optional<Caller> caller = cookie == null ? Optional.empty() : sessions.caller(cookie.getValue());
        caller.ifPresent(c -> session.set(c, cookie.getValue()));
        if (caller.isEmpty() && !open) {
            if (path.startsWith("/admin/data/")) {
                throw Rejection.unauthenticated("log in to the dashboard again", "Cookie");
            }
            return Response.seeOther(URI.create("/admin")).build();
        }
        return null;
    }

    /** Origin (or, without it, Referer) names this host; a POST with neither is refused. */
    static boolean sameOrigin(ContainerRequestContext request) {
        String host = request.getHeaderString("Host");
        String origin = request.getHeaderString("Origin");
        if (origin == null || origin.isBlank() || origin.equals("null")) {
            origin = request.getHeaderString("Referer");
        }
        if (host == null || origin == null || origin.isBlank()) {
            return false;
        }
        try {
            URI u = URI.create(origin.trim());
            if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                return false;
            }
            return u.getRawAuthority().equalsIgnoreCase(host.trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
