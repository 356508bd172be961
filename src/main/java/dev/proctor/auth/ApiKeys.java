package dev.proctor.auth;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Optional;

/** Issues, checks and revokes API keys; only their SHA-256 is stored. */
@ApplicationScoped
public class ApiKeys {

    @Inject
    AgroalDataSource db;

    @Inject
    KeyCache cache;

    @Inject
    TransactionSynchronizationRegistry transactions;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int PREFIX_LENGTH = 10;

    /** A freshly issued key: the only moment its plain text exists. */
    public record Issued(long id, String key, String prefix, boolean admin) {}

    /**
     * Cloned for each hash: {@code MessageDigest.getInstance} searches the security providers on every call, a
     * measurable part of checking the key of every request.
     */
    private static final MessageDigest SHA256 = sha256Prototype();

    private static MessageDigest sha256Prototype() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.clone();
            return md;
        } catch (NoSuchAlgorithmException | CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK, or not cloneable", e);
        }
    }

    public static byte[] sha256(String key) {
        try {
            return ((MessageDigest) SHA256.clone()).digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 not cloneable", e);
        }
    }

    public static String randomToken(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    @Transactional
    public Issued issue(long clientId, boolean admin) {
        return register(clientId, "pk_" + randomToken(24), admin);
    }

    @Transactional
    public Issued register(long clientId, String key, boolean admin) {
        ApiKey k = new ApiKey();
        k.clientId = clientId;
        k.keyHash = sha256(key);
        k.prefix = key.substring(0, PREFIX_LENGTH);
        k.admin = admin;
        k.persist();
        return new Issued(k.id, key, k.prefix, admin);
    }

    /**
     * Revokes a key (once: a second call keeps the first time); empty when there is no such key. Takes effect on
     * this node as soon as the transaction commits (the key is dropped from this node's cache then, before the
     * caller answers), on the others when the notification of V37's trigger reaches them.
     */
    @Transactional
    public Optional<ApiKey> revoke(long keyId) {
        ApiKey k = ApiKey.findById(keyId);
        if (k != null && k.revokedAt == null) {
            k.revokedAt = java.time.OffsetDateTime.now();
            forgetAfterCommit(keyId);
        }
        return Optional.ofNullable(k);
    }

    /**
     * Drops the key from this node's cache once the current transaction ends: dropped before the commit, a
     * request in between could store the key again as the database still shows it.
     */
    private void forgetAfterCommit(long keyId) {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {}

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    cache.dropKey(keyId);
                }
            }
        });
    }

    /**
     * The caller a key stands for, if the key exists and is not revoked. Asked on every request: served from
     * this node's {@link KeyCache} when it holds the key, otherwise one query on a pooled connection (no ORM
     * session or transaction around it), whose answer is remembered if the key exists.
     */
    /** The caller of {@code key} when this node's {@link KeyCache} holds it, else null (see {@link #authenticate}). */
    public Caller cached(String key) {
        return cache.get(sha256(key));
    }

    public Optional<Caller> authenticate(String key) {
        byte[] hash = sha256(key);
        Caller cached = cache.get(hash);
        if (cached != null) {
            return Optional.of(cached);
        }
        KeyCache.Ticket ticket = cache.ticket();
        Optional<Caller> read = read(hash);
        read.ifPresent(caller -> cache.put(hash, caller, ticket));
        return read;
    }

    private Optional<Caller> read(byte[] hash) {
        try (Connection c = db.getConnection();
                PreparedStatement s = c.prepareStatement("""
                        SELECT c.id, c.name, k.admin, k.id, c.max_concurrent_jobs, c.max_cpu_time_ms,
                            c.max_wall_time_ms, c.max_memory_mb, c.max_pids, c.max_output_kb, c.max_disk_mb
                        FROM api_keys k JOIN clients c ON c.id = k.client_id
                        WHERE k.key_hash = ? AND k.revoked_at IS NULL""")) {
            s.setBytes(1, hash);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return Optional.empty();
                }
                // the client's quota comes with the key: a submission need not read it again
                Quota quota = new Quota(
                        r.getInt(5),
                        r.getObject(6, Long.class),
                        r.getObject(7, Long.class),
                        r.getObject(8, Long.class),
                        r.getObject(9, Integer.class),
                        r.getObject(10, Long.class),
                        r.getObject(11, Long.class));
                return Optional.of(new Caller(r.getLong(1), r.getString(2), r.getBoolean(3), r.getLong(4), quota));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
