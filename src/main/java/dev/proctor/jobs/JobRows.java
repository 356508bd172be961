package dev.proctor.jobs;

import dev.proctor.auth.Quota;
import dev.proctor.grading.Verdict;
import dev.proctor.persistence.Jdbc;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * The job rows of every request, in plain JDBC: a job read by id (each poll), a client's quota and the insert of
 * a submission (each submit), each one statement. The {@link Job}s returned are read-only copies of the row, not
 * managed by an ORM session.
 */
@ApplicationScoped
public class JobRows {

    /** Every column of a job, in the order {@link #job(ResultSet)} reads them (a select's or a returning's). */
    public static final String COLUMNS = "id, client_id, state, verdict, score, profile, CAST(request AS text),"
            + " CAST(result AS text), idempotency_key, attempts, lease_owner, lease_expires_at, error, callback_url,"
            + " webhook_state, created_at, started_at, finished_at";

    /**
     * The counts a submission is checked against and, unless one of them refused it or its Idempotency-Key was
     * seen before, its insert: one statement, so one round trip and one transaction. When the submitting node
     * offers a free slot (a non-null node), the queue is empty and the node is not draining, the job is inserted
     * already claimed: running under the node's lease, its first attempt (see {@link LocalSlots}); its row then
     * sends no NOTIFY, as no other node could claim it, and its end sends none either unless a request on another
     * node waits for it ({@link #followDone}; V35).
     *
     * <p>The counts and {@code claim} are computed once ({@code MATERIALIZED}): inlined, each of the six columns
     * that read {@code mine} got its own copy of the node's {@code NOT EXISTS}, and each reference to a count its
     * own count: six sub-plans on {@code nodes} started and run on every submission. The inserted row is joined to
     * the counts instead of being read back by two more sub-plans.
     *
     * <p>Each count stops at its limit ({@code LIMIT}: a count at the limit refuses the submission as a higher one
     * would, and none below it is cut) and walks its partial index in {@code created_at} order (jobs_queued,
     * jobs_client_active: V39), so that the plan is an index-only scan: it marks the entries of finished jobs dead
     * at its first visit and skips them after. A bitmap scan, which the plain {@code count(*)} got whenever the
     * statistics were taken with many jobs queued, never does: each submission visited the heap for every job
     * finished since the last vacuum.
     */
    static final String INSERT = """
            WITH counts AS MATERIALIZED (
                SELECT (SELECT count(*) FROM (SELECT FROM jobs WHERE state = 'queued' ORDER BY created_at LIMIT ?) q)
                        AS queued,
                    (SELECT count(*) FROM (SELECT FROM jobs WHERE client_id = ? AND state IN ('queued', 'running')
                        ORDER BY created_at LIMIT ?) a) AS active),
            claim AS MATERIALIZED (
                SELECT queued, active, CAST(? AS text) IS NOT NULL AND queued = 0
                    AND NOT EXISTS (SELECT 1 FROM nodes WHERE id = ? AND draining) AS mine
                FROM counts),
            inserted AS (
                INSERT INTO jobs (id, client_id, state, profile, request, idempotency_key, callback_url, webhook_state,
                    lease_owner, lease_expires_at, attempts, started_at, done_notify)
                SELECT ?, ?, CASE WHEN claim.mine THEN 'running' ELSE 'queued' END, ?, CAST(? AS jsonb), ?, ?, ?,
                    CASE WHEN claim.mine THEN CAST(? AS text) END,
                    CASE WHEN claim.mine THEN now() + make_interval(secs => ?) END,
                    CASE WHEN claim.mine THEN 1 ELSE 0 END,
                    CASE WHEN claim.mine THEN now() END,
                    NOT claim.mine
                FROM claim WHERE claim.queued < ? AND claim.active < ?
                ON CONFLICT (client_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                RETURNING created_at, state, CAST(request -> 'metadata' AS text) AS metadata)
            SELECT claim.queued, claim.active, inserted.created_at, inserted.state, inserted.metadata
            FROM claim LEFT JOIN inserted ON true""";

    /**
     * {@link #INSERT} for a submission without an Idempotency-Key: no arbiter, so a plain insert. With {@code ON
     * CONFLICT} every insert went through PostgreSQL's speculative insertion (a speculative token taken, the
     * arbiter index probed, the tuple inserted as speculative and then confirmed, one more WAL record) although a
     * row without a key is not in the partial unique index (V36) and cannot conflict there.
     */
    static final String INSERT_WITHOUT_KEY = withoutConflictClause(INSERT);

    private static String withoutConflictClause(String insert) {
        String clause = "\n    ON CONFLICT (client_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING";
        if (!insert.contains(clause)) {
            throw new IllegalStateException("the insert's ON CONFLICT clause is not where it was");
        }
        return insert.replace(clause, "");
    }

    /**
     * What the insert found: the job's creation time when it was inserted (else null), whether it was inserted
     * claimed by the offered node, the counts, each at most its limit, and the request's {@code metadata} as
     * PostgreSQL renders it (null: none, or not inserted).
     */
    record Inserted(OffsetDateTime createdAt, boolean claimed, long queued, long active, String metadata) {}

    @Inject
    Jdbc jdbc;

    Job get(UUID id) {
        return jdbc.call(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM jobs WHERE id = ?")) {
                s.setObject(1, id);
                return one(s);
            }
        });
    }

    Job byKey(long clientId, String key) {
        return jdbc.call(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM jobs WHERE client_id = ? AND idempotency_key = ?")) {
                s.setLong(1, clientId);
                s.setString(2, key);
                return one(s);
            }
        });
    }

    /**
     * A request of this node waits for job {@code id}, which another node runs: its end must be announced (NOTIFY
     * proctor_done), which a job inserted claimed by its own node skips. Returns the job's state when this changed
     * the row (a state already finished means it ended before: read it again), null when the end was to be
     * announced anyway.
     */
    JobState followDone(UUID id) {
        return jdbc.call(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE jobs SET done_notify = true WHERE id = ? AND NOT done_notify RETURNING state")) {
                s.setObject(1, id);
                try (ResultSet r = s.executeQuery()) {
                    return r.next() ? JobState.parse(r.getString(1)) : null;
                }
            }
        });
    }

    /** The client's quota; null when there is no such client. */
    Quota quota(long clientId) {
        return jdbc.call(c -> {
            try (PreparedStatement s = c.prepareStatement("""
                    SELECT max_concurrent_jobs, max_cpu_time_ms, max_wall_time_ms, max_memory_mb, max_pids,
                        max_output_kb, max_disk_mb FROM clients WHERE id = ?""")) {
                s.setLong(1, clientId);
                try (ResultSet r = s.executeQuery()) {
                    if (!r.next()) {
                        return null;
                    }
                    return new Quota(
                            r.getInt(1),
                            r.getObject(2, Long.class),
                            r.getObject(3, Long.class),
                            r.getObject(4, Long.class),
                            r.getObject(5, Integer.class),
                            r.getObject(6, Long.class),
                            r.getObject(7, Long.class));
                }
            }
        });
    }

    /**
     * Inserts {@code job} (its id, client, profile, request, key, callback) unless a limit or its key refuses it;
     * claimed by {@code node} for {@code lease} when {@code node} is not null and the queue is empty.
     */
    Inserted insert(Job job, long maxQueued, long maxActive, String node, Duration lease) {
        return jdbc.call(c -> insert(c, job, maxQueued, maxActive, node, lease));
    }

    static Inserted insert(Connection c, Job job, long maxQueued, long maxActive, String node, Duration lease)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement(job.idempotencyKey == null ? INSERT_WITHOUT_KEY : INSERT)) {
            s.setLong(1, maxQueued);
            s.setLong(2, job.clientId);
            s.setLong(3, maxActive);
            nullable(s, 4, node);
            nullable(s, 5, node);
            s.setObject(6, job.id);
            s.setLong(7, job.clientId);
            s.setString(8, job.profile);
            s.setString(9, job.request);
            nullable(s, 10, job.idempotencyKey);
            nullable(s, 11, job.callbackUrl);
            nullable(s, 12, job.webhookState);
            nullable(s, 13, node);
            s.setDouble(14, lease == null ? 0 : lease.toMillis() / 1000.0);
            s.setLong(15, maxQueued);
            s.setLong(16, maxActive);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return new Inserted(
                        r.getObject(3, OffsetDateTime.class),
                        "running".equals(r.getString(4)),
                        r.getLong(1),
                        r.getLong(2),
                        r.getString(5));
            }
        }
    }

    private static void nullable(PreparedStatement s, int i, String value) throws SQLException {
        if (value == null) {
            s.setNull(i, Types.VARCHAR);
        } else {
            s.setString(i, value);
        }
    }

    private static Job one(PreparedStatement s) throws SQLException {
        try (ResultSet r = s.executeQuery()) {
            return r.next() ? job(r) : null;
        }
    }

    /** The job of the current row of {@code r}, selected or returned as {@link #COLUMNS}. */
    public static Job job(ResultSet r) throws SQLException {
        Job j = new Job();
        j.id = r.getObject(1, UUID.class);
        j.clientId = r.getLong(2);
        j.state = JobState.parse(r.getString(3));
        String verdict = r.getString(4);
        j.verdict = verdict == null ? null : Verdict.parse(verdict);
        j.score = r.getObject(5, Double.class);
        j.profile = r.getString(6);
        j.request = r.getString(7);
        j.result = r.getString(8);
        j.idempotencyKey = r.getString(9);
        j.attempts = r.getInt(10);
        j.leaseOwner = r.getString(11);
        j.leaseExpiresAt = r.getObject(12, OffsetDateTime.class);
        j.error = r.getString(13);
        j.callbackUrl = r.getString(14);
        j.webhookState = r.getString(15);
        j.createdAt = r.getObject(16, OffsetDateTime.class);
        j.startedAt = r.getObject(17, OffsetDateTime.class);
        j.finishedAt = r.getObject(18, OffsetDateTime.class);
        return j;
    }
}
