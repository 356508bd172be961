package dev.proctor.compat.judge0;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * CORS for the Judge0 routes (the Judge0 IDE calls them from a page of another origin, with a preflight for
 * its JSON POST and its X-Auth-Token header), and, with {@code proctor.judge0.root=true}, the same routes at
 * the root. Judge0 allows any origin; so does this: the API key, not the origin, decides who may call.
 */
public class Judge0HttpFilter {

    /** First path segments of Judge0's routes, served at / too when root mode is on. */
    static final List<String> ROOT_ROUTES = List.of(
            "submissions",
            "languages",
            "statuses",
            "config_info",
            "system_info",
            "about",
            "version",
            "workers",
            "statistics",
            "authenticate",
            "authorize");

    private static final String ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD";
    private static final String PREFIX = "/judge0";

    @Inject
    Judge0Config config;

    @ServerRequestFilter(preMatching = true)
    public Response route(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        boolean judge0 = path.equals(PREFIX) || path.startsWith(PREFIX + "/");
        if (!judge0 && config.root() && rootRoute(path)) {
            request.setRequestUri(UriBuilder.fromUri(request.getUriInfo().getRequestUri())
                    .replacePath(PREFIX + path)
                    .build());
            judge0 = true;
        }
        if (!judge0) {
            return null;
        }
        request.setProperty(PREFIX, Boolean.TRUE);
        if ("OPTIONS".equals(request.getMethod()) && request.getHeaderString("Access-Control-Request-Method") != null) {
            Response.ResponseBuilder b = Response.noContent();
            String asked = request.getHeaderString("Access-Control-Request-Headers");
            b.header("Access-Control-Allow-Origin", origin(request));
            b.header("Access-Control-Allow-Methods", ALLOWED_METHODS);
            if (asked != null && !asked.isBlank()) {
                b.header("Access-Control-Allow-Headers", asked);
            }
            b.header("Access-Control-Max-Age", "7200");
            b.header("Vary", "Origin");
            return b.build();
        }
        return null;
    }

    @ServerResponseFilter
    public void cors(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(PREFIX) == null) {
            return;
        }
        MultivaluedMap<String, Object> h = response.getHeaders();
        if (!h.containsKey("Access-Control-Allow-Origin")) {
            h.putSingle("Access-Control-Allow-Origin", origin(request));
            h.add("Vary", "Origin");
        }
    }

    private static String origin(ContainerRequestContext request) {
        String o = request.getHeaderString("Origin");
        return o == null || o.isBlank() ? "*" : o;
    }

    static boolean rootRoute(String path) {
        for (String r : ROOT_ROUTES) {
            if (path.equals("/" + r) || path.startsWith("/" + r + "/")) {
                return true;
            }
        }
        return false;
    }
}
