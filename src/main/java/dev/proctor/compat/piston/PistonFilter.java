package dev.proctor.compat.piston;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.UriBuilder;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Piston clients take nothing but a base URL, so a Proctor key may be part of it:
 * {@code /piston/k/KEY/api/v2/…} is {@code /piston/api/v2/…} with KEY as the caller's key. The key is taken
 * out of the path before routing, so no route, error or log line ever carries it.
 */
public class PistonFilter {

    static final String KEY_PROPERTY = "proctor.piston.key";
    private static final String KEYED = "/piston/k/";

    @ServerRequestFilter(preMatching = true)
    public void keyInPath(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith(KEYED)) {
            return;
        }
        int end = path.indexOf('/', KEYED.length());
        String key = end < 0 ? path.substring(KEYED.length()) : path.substring(KEYED.length(), end);
        String rest = end < 0 ? "" : path.substring(end);
        request.setProperty(KEY_PROPERTY, key);
        request.setRequestUri(UriBuilder.fromUri(request.getUriInfo().getRequestUri())
                .replacePath("/piston" + rest)
                .build());
    }
}
