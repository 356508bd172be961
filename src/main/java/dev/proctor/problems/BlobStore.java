package dev.proctor.problems;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;

/**
 * Files stored once by content in PostgreSQL ({@code blobs}, {@code blob_chunks}): written and read a chunk at
 * a time, so a 512 MiB test file never sits in the heap. A blob is written in one transaction: it is there
 * whole or not at all.
 */
@ApplicationScoped
public class BlobStore implements Blobs {

    /** Long enough for the largest file on a slow disk; a blob is one transaction. */
    private static final int WRITE_TIMEOUT_SECONDS = 3600;

    @Inject
    AgroalDataSource db;

    @Inject
    ProblemsConfig config;

    public boolean exists(String sha256) {
        try (Connection c = db.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT 1 FROM blobs WHERE digest = ?")) {
            s.setBytes(1, hex(sha256));
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("blob lookup failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean put(PackageFile meta, Path file) {
        if (exists(meta.sha256())) {
            return false;
        }
        return QuarkusTransaction.requiringNew().timeout(WRITE_TIMEOUT_SECONDS).call(() -> write(meta, file));
    }

    private boolean write(PackageFile meta, Path file) throws SQLException {
        byte[] digest = hex(meta.sha256());
        int chunk = config.chunkBytes();
        int chunks = (int) ((meta.size() + chunk - 1) / chunk);
        try (Connection c = db.getConnection()) {
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO blobs (digest, size, chunks) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
                s.setBytes(1, digest);
                s.setLong(2, meta.size());
                s.setInt(3, chunks);
                if (s.executeUpdate() == 0) {
                    return false; // another upload stored it meanwhile
                }
            }
            try (InputStream in = Files.newInputStream(file);
                    PreparedStatement s =
                            c.prepareStatement("INSERT INTO blob_chunks (digest, seq, data) VALUES (?, ?, ?)")) {
                byte[] buf = new byte[chunk];
                long left = meta.size();
                for (int seq = 0; seq < chunks; seq++) {
                    int n = (int) Math.min(chunk, left);
                    if (in.readNBytes(buf, 0, n) != n) {
                        throw new IllegalStateException(file + " changed while it was stored");
                    }
                    s.setBytes(1, digest);
                    s.setInt(2, seq);
                    s.setBytes(3, n == chunk ? buf : java.util.Arrays.copyOf(buf, n));
                    s.executeUpdate();
                    left -= n;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return true;
    }

    /** Writes the blob's bytes to {@code out}, a chunk at a time; false when there is no such blob. */
    @Override
    public boolean copyTo(String sha256, OutputStream out) throws IOException {
        byte[] digest = hex(sha256);
        try (Connection c = db.getConnection()) {
            int chunks;
            try (PreparedStatement s = c.prepareStatement("SELECT chunks FROM blobs WHERE digest = ?")) {
                s.setBytes(1, digest);
                try (ResultSet r = s.executeQuery()) {
                    if (!r.next()) {
                        return false;
                    }
                    chunks = r.getInt(1);
                }
            }
            try (PreparedStatement s =
                    c.prepareStatement("SELECT data FROM blob_chunks WHERE digest = ? AND seq = ?")) {
                for (int seq = 0; seq < chunks; seq++) {
                    s.setBytes(1, digest);
                    s.setInt(2, seq);
                    try (ResultSet r = s.executeQuery()) {
                        if (!r.next()) {
                            throw new IllegalStateException("blob " + sha256 + " misses chunk " + seq);
                        }
                        out.write(r.getBytes(1));
                    }
                }
            }
            return true;
        } catch (SQLException e) {
            throw new IllegalStateException("blob read failed: " + e.getMessage(), e);
        }
    }

    /**
     * Deletes blobs no version refers to any more (after a problem is deleted). The candidates are locked
     * first, in digest order: an upload referencing one of them holds it {@code FOR SHARE} until it commits,
     * so this waits, and the delete that follows (a new statement, a new snapshot) sees its references and
     * keeps the blob; an upload that comes later waits for this transaction and stores what it removed again.
     */
    public int deleteUnreferenced(java.util.Collection<String> candidates) {
        if (candidates.isEmpty()) {
            return 0;
        }
        String among = "digest IN (SELECT decode(x, 'hex') FROM unnest(?::text[]) x)";
        return QuarkusTransaction.requiringNew().call(() -> {
            try (Connection c = db.getConnection()) {
                java.sql.Array digests = c.createArrayOf("text", candidates.toArray());
                try (PreparedStatement s =
                        c.prepareStatement("SELECT 1 FROM blobs WHERE " + among + " ORDER BY digest FOR UPDATE")) {
                    s.setArray(1, digests);
                    s.executeQuery().close();
                }
                try (PreparedStatement s = c.prepareStatement("DELETE FROM blobs b WHERE " + among
                        + " AND NOT EXISTS (SELECT 1 FROM problem_files f WHERE f.digest = b.digest)")) {
                    s.setArray(1, digests);
                    return s.executeUpdate();
                }
            }
        });
    }

    static byte[] hex(String sha256) {
        return HexFormat.of().parseHex(sha256);
    }
}
