package dev.proctor.jobs.queue;

import dev.proctor.grading.GradeResult;
import dev.proctor.grading.JobResult;
import dev.proctor.grading.RunRecord;
import dev.proctor.grading.Verdict;
import dev.proctor.jobs.Job;
import dev.proctor.jobs.JobRows;
import dev.proctor.persistence.Jdbc;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The queue's SQL: claim, renew, finish, hand back. Plain JDBC ({@link Jdbc}): each call is one statement (so one
 * round trip and its own transaction) but for the periodic renewal and the hand-back at shutdown.
 */
@ApplicationScoped
public class JobStore {

    /**
     * A job this node now holds the lease of; {@code row}: the job's row as the claim left it (its request as
     * stored), or null when not read.
     */
    public record Claim(UUID id, String request, Job row) {}

    @Inject
    Jdbc jdbc;

    void registerNode(String id, String hostname, int slots) {
        jdbc.call(c -> {
            try (PreparedStatement s = c.prepareStatement("""
                    INSERT INTO nodes (id, hostname, slots) VALUES (?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET hostname = EXCLUDED.hostname, slots = EXCLUDED.slots,
                        started_at = now(), heartbeat_at = now(), draining = false""")) {
                s.setString(1, id);
                s.setString(2, hostname);
                s.setInt(3, slots);
                return s.executeUpdate();
            }
        });
    }

    /**
     * The oldest queued job, now running under this node's lease; null when the queue is empty or
     * the node is draining (so that no claim can start after {@link #markDraining}).
     */
    Claim claim(String node, Duration lease) {
        return jdbc.call(c -> {
            try (PreparedStatement s = c.prepareStatement("""
                    UPDATE jobs SET state = 'running', lease_owner = ?,
                        lease_expires_at = now() + make_interval(secs => ?),
                        attempts = attempts + 1, started_at = COALESCE(started_at, now()), done_notify = true
                    WHERE id = (SELECT id FROM jobs WHERE state = 'queued' ORDER BY created_at
                                LIMIT 1 FOR UPDATE SKIP LOCKED)
                      AND NOT EXISTS (SELECT 1 FROM nodes WHERE id = ? AND draining)
                    RETURNING\s""" + JobRows.COLUMNS)) {
                s.setString(1, node);
                s.setDouble(2, seconds(lease));
                s.setString(3, node);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    // the row as the claim left it, read as every read of a job reads it
                    Job row = JobRows.job(rs);
                    return new Claim(row.id, row.request, row);
                }
            }
        });
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    /**
     * The renewal of a node's leases: the ids through jobs_pkey; {@code COLLATE "C"} keeps the partial indexes on
     * {@code state} out of the plan (see {@link ResultRows#FINISH}): a full scan of jobs_client_active walked every
     * queued job of every client.
     */
    static final String RENEW = """
            UPDATE jobs SET lease_expires_at = now() + make_interval(secs => ?)
            WHERE lease_owner = ? AND state = 'running' COLLATE "C" AND id = ANY (?)
            RETURNING id""";

    /** Extends the leases this node still holds; returns the ids it holds (others were lost). */
    Set<UUID> renew(String node, Set<UUID> ids, Duration lease, int running) {
        return jdbc.transaction(c -> {
            try (PreparedStatement s =
                    c.prepareStatement("UPDATE nodes SET heartbeat_at = now(), running = ? WHERE id = ?")) {
                s.setInt(1, running);
                s.setString(2, node);
                s.executeUpdate();
            }
            Set<UUID> kept = new HashSet<>();
            if (ids.isEmpty()) {
                return kept;
            }
            try (PreparedStatement s = c.prepareStatement(RENEW)) {
                s.setDouble(1, seconds(lease));
                s.setString(2, node);
                s.setArray(3, c.createArrayOf("uuid", ids.toArray()));
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        kept.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            return kept;
        });
    }

    /**
     * Writes the result and its runs in one statement, only while this node holds the lease: the job as stored
     * (without its request), or null when the job was cancelled or requeued meanwhile (nothing is written then).
     */
    Job finish(UUID id, String node, GradeResult r) {
        ResultRows.Ending ending =
                new ResultRows.Ending(r.verdict().wire(), r.score(), r.result().toJson(), r.error());
        return jdbc.call(c -> ResultRows.write(c, id, node, ending, r.runs()));
    }

    /**
     * Ends the job as internal_error with {@code error}, in place of a result that could not be written
     * (guarded by the lease, like {@link #finish}); the runs are kept for accounting when given.
     */
    boolean fail(UUID id, String node, String error, List<RunRecord> runs) {
        ResultRows.Ending ending = new ResultRows.Ending(
                Verdict.INTERNAL_ERROR.wire(), 0, JobResult.empty(node).toJson(), error);
        return jdbc.call(c -> ResultRows.write(c, id, node, ending, runs)) != null;
    }

    /** At the start of shutdown: the node claims nothing more (shown as draining while it finishes). */
    void markDraining(String node) {
        jdbc.call(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE nodes SET draining = true WHERE id = ?")) {
                s.setString(1, node);
                return s.executeUpdate();
            }
        });
    }

    /** At shutdown: this node's unfinished jobs go back to the queue, the attempt not counted. */
    int handBack(String node) {
        return jdbc.transaction(c -> {
            try (PreparedStatement s =
                    c.prepareStatement("UPDATE nodes SET draining = true, running = 0 WHERE id = ?")) {
                s.setString(1, node);
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("""
                    UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL,
                        attempts = GREATEST(attempts - 1, 0)
                    WHERE lease_owner = ? AND state = 'running'""")) {
                s.setString(1, node);
                return s.executeUpdate();
            }
        });
    }
}
