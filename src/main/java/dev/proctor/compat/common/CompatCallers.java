package dev.proctor.compat.common;

import dev.proctor.auth.ApiKeys;
import dev.proctor.auth.Caller;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;

/**
 * Resolves a Proctor API key that a facade received in its own way (a Judge0 header, a Piston URL) to the
 * caller: facades use Proctor's keys, clients and quotas, never credentials of their own.
 */
@ApplicationScoped
public class CompatCallers {

    private static final int MAX_KEY = 512;

    @Inject
    ApiKeys keys;

    /** The caller of {@code key}, or empty for a missing, malformed, unknown or revoked key. */
    public Optional<Caller> resolve(String key) {
        if (key == null || key.isBlank() || key.length() > MAX_KEY) {
            return Optional.empty();
        }
        String k = key.strip();
        return QuarkusTransaction.requiringNew().call(() -> keys.authenticate(k));
    }

    /** The key of an {@code Authorization} header: {@code Bearer KEY}, or the bare key (Piston clients). */
    public static String fromAuthorization(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String h = header.strip();
        return h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip() : h;
    }
}
