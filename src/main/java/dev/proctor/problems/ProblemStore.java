package dev.proctor.problems;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The rows of problems, their versions, files and shares (JDBC; blobs are {@link BlobStore}'s). */
@ApplicationScoped
public class ProblemStore {

    @Inject
    AgroalDataSource db;

    /** A problem as listed: owner, name, latest version (0 when it has none). */
    public record ProblemRow(UUID id, long clientId, String name, Instant createdAt, int latestVersion) {}

    /**
     * A version's row; {@code pkg} is its manifest. {@code derivedTimeLimitMs} is the limit derived at upload
     * from the accepted submissions (null when the package writes one or none could be derived), {@code
     * slowestAcceptedMs} the run it came from.
     */
    public record VersionRow(
            UUID problemId,
            int version,
            String contentDigest,
            String title,
            long totalBytes,
            Instant createdAt,
            Long derivedTimeLimitMs,
            Long slowestAcceptedMs) {}

    interface Sql<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T read(Sql<T> sql) {
        try (Connection c = db.getConnection()) {
            return sql.run(c);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private <T> T write(Sql<T> sql) {
        return QuarkusTransaction.requiringNew().call(() -> {
            try (Connection c = db.getConnection()) {
                return sql.run(c);
            }
        });
    }

    private static final String PROBLEM_COLUMNS = "p.id, p.client_id, p.name, p.created_at,"
            + " COALESCE((SELECT max(version) FROM problem_versions v WHERE v.problem_id = p.id), 0)";

    private static ProblemRow problem(ResultSet r) throws SQLException {
        return new ProblemRow(
                r.getObject(1, UUID.class),
                r.getLong(2),
                r.getString(3),
                r.getTimestamp(4).toInstant(),
                r.getInt(5));
    }

    public Optional<ProblemRow> byId(UUID id) {
        return read(c -> one(c, "SELECT " + PROBLEM_COLUMNS + " FROM problems p WHERE p.id = ?", id));
    }

    public Optional<ProblemRow> byName(long clientId, String name) {
        return read(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT " + PROBLEM_COLUMNS + " FROM problems p WHERE p.client_id = ? AND p.name = ?")) {
                s.setLong(1, clientId);
                s.setString(2, name);
                try (ResultSet r = s.executeQuery()) {
                    return r.next() ? Optional.of(problem(r)) : Optional.empty();
                }
            }
        });
    }

    private static Optional<ProblemRow> one(Connection c, String sql, UUID id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, id);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(problem(r)) : Optional.empty();
            }
        }
    }

    /** The problems a client owns or has been shared, by name; all of them for an admin. */
    public List<ProblemRow> visibleTo(long clientId, boolean admin) {
        return read(c -> {
            String where = admin
                    ? ""
                    : " WHERE p.client_id = ? OR EXISTS (SELECT 1 FROM problem_shares s"
                            + " WHERE s.problem_id = p.id AND s.client_id = ?)";
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT " + PROBLEM_COLUMNS + " FROM problems p" + where + " ORDER BY p.name, p.id LIMIT 1000")) {
                if (!admin) {
                    s.setLong(1, clientId);
                    s.setLong(2, clientId);
                }
                List<ProblemRow> out = new ArrayList<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        out.add(problem(r));
                    }
                }
                return out;
            }
        });
    }

    public boolean sharedWith(UUID problem, long clientId) {
        return read(c -> {
            try (PreparedStatement s =
                    c.prepareStatement("SELECT 1 FROM problem_shares WHERE problem_id = ? AND client_id = ?")) {
                s.setObject(1, problem);
                s.setLong(2, clientId);
                try (ResultSet r = s.executeQuery()) {
                    return r.next();
                }
            }
        });
    }

    public void share(UUID problem, long clientId) {
        write(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO problem_shares (problem_id, client_id) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                s.setObject(1, problem);
                s.setLong(2, clientId);
                return s.executeUpdate();
            }
        });
    }

    /**
     * Adds {@code pkg} as the next version of the client's problem {@code name} (creating the problem), unless
     * a version with the same content exists: then that one is returned and nothing is written. Returns the
     * version and whether it is new.
     */
    public Added addVersion(
            long clientId, String name, ProblemPackage pkg, Optional<AcceptedTimeLimit.Derived> derived) {
        return write(c -> {
            // one upload at a time per (client, name): versions are numbered without gaps or clashes
            try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(?, hashtext(?))")) {
                s.setInt(1, (int) clientId);
                s.setString(2, name);
                s.execute();
            }
            UUID id;
            try (PreparedStatement s = c.prepareStatement("SELECT id FROM problems WHERE client_id = ? AND name = ?")) {
                s.setLong(1, clientId);
                s.setString(2, name);
                try (ResultSet r = s.executeQuery()) {
                    id = r.next() ? r.getObject(1, UUID.class) : null;
                }
            }
            if (id == null) {
                id = UUID.randomUUID();
                try (PreparedStatement s =
                        c.prepareStatement("INSERT INTO problems (id, client_id, name) VALUES (?, ?, ?)")) {
                    s.setObject(1, id);
                    s.setLong(2, clientId);
                    s.setString(3, name);
                    s.executeUpdate();
                }
            } else {
                Optional<VersionRow> same = versionByDigest(c, id, pkg.contentDigest());
                if (same.isPresent()) {
                    return new Added(same.get(), false);
                }
            }
            lockBlobs(c, pkg);
            int next;
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT COALESCE(max(version), 0) + 1 FROM problem_versions WHERE problem_id = ?")) {
                s.setObject(1, id);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    next = r.getInt(1);
                }
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO problem_versions"
                    + " (problem_id, version, content_digest, title, manifest, total_bytes,"
                    + " derived_time_limit_ms, slowest_accepted_ms) VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?)")) {
                s.setObject(1, id);
                s.setInt(2, next);
                s.setBytes(3, HexFormat.of().parseHex(pkg.contentDigest()));
                s.setString(4, pkg.name());
                s.setString(5, Manifest.write(pkg));
                s.setLong(6, pkg.totalBytes());
                s.setObject(7, derived.map(d -> d.timeLimit().toMillis()).orElse(null), java.sql.Types.BIGINT);
                s.setObject(8, derived.map(d -> d.slowestAcceptedMs()).orElse(null), java.sql.Types.BIGINT);
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO problem_files (problem_id, version, path, digest, size) VALUES (?, ?, ?, ?, ?)")) {
                for (PackageFile f : pkg.files()) {
                    s.setObject(1, id);
                    s.setInt(2, next);
                    s.setString(3, f.path());
                    s.setBytes(4, HexFormat.of().parseHex(f.sha256()));
                    s.setLong(5, f.size());
                    s.addBatch();
                }
                s.executeBatch();
            }
            return new Added(versionByDigest(c, id, pkg.contentDigest()).orElseThrow(), true);
        });
    }

    /**
     * Locks the package's blobs (in digest order, as {@link BlobStore#deleteUnreferenced} does) until this
     * transaction ends, so a delete of another problem sharing them waits and then sees this version's
     * references; a blob that a delete removed after this upload found it stored throws {@link BlobsMissing}
     * (the transaction rolls back, the upload stores them again).
     */
    private static void lockBlobs(Connection c, ProblemPackage pkg) throws SQLException {
        java.util.Set<String> wanted = new java.util.TreeSet<>();
        pkg.files().forEach(f -> wanted.add(f.sha256()));
        try (PreparedStatement s = c.prepareStatement("SELECT encode(digest, 'hex') FROM blobs WHERE digest IN"
                + " (SELECT decode(x, 'hex') FROM unnest(?::text[]) x) ORDER BY digest FOR SHARE")) {
            s.setArray(1, c.createArrayOf("text", wanted.toArray()));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    wanted.remove(r.getString(1));
                }
            }
        }
        if (!wanted.isEmpty()) {
            throw new BlobsMissing(List.copyOf(wanted));
        }
    }

    /** Blobs an upload stored (or found) were deleted before its version referenced them. */
    public static final class BlobsMissing extends RuntimeException {
        private final List<String> digests;

        BlobsMissing(List<String> digests) {
            super(digests.size() + " stored files were deleted meanwhile");
            this.digests = digests;
        }

        public List<String> digests() {
            return digests;
        }
    }

    /** The outcome of an upload: the version, and whether this upload created it. */
    public record Added(VersionRow version, boolean created) {}

    private static final String VERSION_COLUMNS =
            "problem_id, version, encode(content_digest, 'hex'), title, total_bytes, created_at,"
                    + " derived_time_limit_ms, slowest_accepted_ms";

    private static VersionRow version(ResultSet r) throws SQLException {
        return new VersionRow(
                r.getObject(1, UUID.class),
                r.getInt(2),
                r.getString(3),
                r.getString(4),
                r.getLong(5),
                r.getTimestamp(6).toInstant(),
                r.getObject(7, Long.class),
                r.getObject(8, Long.class));
    }

    private static Optional<VersionRow> versionByDigest(Connection c, UUID id, String digest) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT " + VERSION_COLUMNS + " FROM problem_versions WHERE problem_id = ? AND content_digest = ?")) {
            s.setObject(1, id);
            s.setBytes(2, HexFormat.of().parseHex(digest));
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(version(r)) : Optional.empty();
            }
        }
    }

    public List<VersionRow> versions(UUID id) {
        return read(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT " + VERSION_COLUMNS + " FROM problem_versions WHERE problem_id = ? ORDER BY version")) {
                s.setObject(1, id);
                List<VersionRow> out = new ArrayList<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        out.add(version(r));
                    }
                }
                return out;
            }
        });
    }

    /** A version's row and its package model. */
    public record StoredVersion(VersionRow row, ProblemPackage pkg) {
        /** The package's own time limit, else the one derived at upload; empty when neither exists. */
        public Optional<java.time.Duration> timeLimit() {
            return pkg.limits()
                    .timeLimit()
                    .or(() -> Optional.ofNullable(row.derivedTimeLimitMs()).map(java.time.Duration::ofMillis));
        }
    }

    public Optional<StoredVersion> version(UUID id, int version) {
        return read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT " + VERSION_COLUMNS
                    + ", manifest::text FROM problem_versions WHERE problem_id = ? AND version = ?")) {
                s.setObject(1, id);
                s.setInt(2, version);
                try (ResultSet r = s.executeQuery()) {
                    return r.next()
                            ? Optional.of(new StoredVersion(version(r), Manifest.read(r.getString(9))))
                            : Optional.empty();
                }
            }
        });
    }

    /** Deletes the problem with its versions and shares; returns the digests its files had. */
    public List<String> delete(UUID id) {
        return write(c -> {
            List<String> digests = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT DISTINCT encode(digest, 'hex') FROM problem_files WHERE problem_id = ?")) {
                s.setObject(1, id);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        digests.add(r.getString(1));
                    }
                }
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM problems WHERE id = ?")) {
                s.setObject(1, id);
                s.executeUpdate();
            }
            return digests;
        });
    }
}
