package dev.proctor.dashboard;

import dev.proctor.auth.ApiKeys;
import dev.proctor.auth.Caller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Browser sessions of the dashboard. Logging in takes an admin API key; the cookie then carries a
 * random session id of its own (the key never travels again), stored as its SHA-256 with an expiry.
 * Revoking the key ends its sessions.
 */
@ApplicationScoped
public class AdminSessions {

    /** The outcome of a login: a session id, or why there is none. */
    public sealed interface Login {
        record Started(String sessionId, Duration ttl) implements Login {}

        record NotAdmin() implements Login {}

        record Unknown() implements Login {}
    }

    @Inject
    EntityManager em;

    @Inject
    ApiKeys keys;

    /** How long a dashboard login lasts. */
    @ConfigProperty(name = "proctor.dashboard.session-ttl", defaultValue = "8h")
    Duration ttl;

    @Transactional
    public Login login(String key) {
        if (key == null || key.isBlank() || key.length() > 512) {
            return new Login.Unknown();
        }
        Optional<Caller> caller = keys.authenticate(key.trim());
        if (caller.isEmpty()) {
            return new Login.Unknown();
        }
        if (!caller.get().admin()) {
            return new Login.NotAdmin();
        }
        em.createNativeQuery("DELETE FROM admin_sessions WHERE expires_at < now()")
                .executeUpdate();
        String id = ApiKeys.randomToken(32);
        em.createNativeQuery("""
                INSERT INTO admin_sessions (id_hash, key_id, expires_at)
                VALUES (?1, ?2, now() + make_interval(secs => ?3))""")
                .setParameter(1, ApiKeys.sha256(id))
                .setParameter(2, caller.get().keyId())
                .setParameter(3, (double) ttl.toSeconds())
                .executeUpdate();
        return new Login.Started(id, ttl);
    }

    /** The admin behind a session id, while the session lasts and its key is an unrevoked admin key. */
    @Transactional
    public Optional<Caller> caller(String sessionId) {
        if (sessionId == null || sessionId.isBlank() || sessionId.length() > 100) {
            return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT c.id, c.name, k.id FROM admin_sessions s
                JOIN api_keys k ON k.id = s.key_id JOIN clients c ON c.id = k.client_id
                WHERE s.id_hash = ?1 AND s.expires_at > now() AND k.admin AND k.revoked_at IS NULL""")
                .setParameter(1, ApiKeys.sha256(sessionId))
                .getResultList();
        return rows.stream()
                .findFirst()
                .map(r -> new Caller(((Number) r[0]).longValue(), (String) r[1], true, ((Number) r[2]).longValue()));
    }

    @Transactional
    public void logout(String sessionId) {
        if (sessionId != null) {
            em.createNativeQuery("DELETE FROM admin_sessions WHERE id_hash = ?1")
                    .setParameter(1, ApiKeys.sha256(sessionId))
                    .executeUpdate();
        }
    }
}
