package dev.proctor.jobs.queue;

import dev.proctor.grading.GradeResult;
import dev.proctor.grading.JobResult;
import dev.proctor.grading.RunRecord;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** The queue's SQL: claim, renew, finish, hand back. Each call is one short transaction. */
@ApplicationScoped
public class JobStore {

    /** A job this node now holds the lease of. */
    public record Claim(UUID id, String request) {}

    @Inject
    EntityManager em;

    void registerNode(String id, String hostname, int slots) {
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery("""
                INSERT INTO nodes (id, hostname, slots) VALUES (?1, ?2, ?3)
                ON CONFLICT (id) DO UPDATE SET hostname = EXCLUDED.hostname, slots = EXCLUDED.slots,
                    started_at = now(), heartbeat_at = now(), draining = false""")
                        .setParameter(1, id)
                        .setParameter(2, hostname)
                        .setParameter(3, slots)
                        .executeUpdate());
    }

    /**
     * The oldest queued job, now running under this node's lease; null when the queue is empty or
     * the node is draining (so that no claim can start after {@link #markDraining}).
     */
    Claim claim(String node, Duration lease) {
        return QuarkusTransaction.requiringNew().call(() -> {
            @SuppressWarnings("unchecked")
            List<Object[]> rows = em.createNativeQuery("""
                    UPDATE jobs SET state = 'running', lease_owner = ?1,
                        lease_expires_at = now() + make_interval(secs => ?2),
                        attempts = attempts + 1, started_at = COALESCE(started_at, now())
                    WHERE id = (SELECT id FROM jobs WHERE state = 'queued' ORDER BY created_at
                                LIMIT 1 FOR UPDATE SKIP LOCKED)
                      AND NOT EXISTS (SELECT 1 FROM nodes WHERE id = ?1 AND draining)
                    RETURNING CAST(id AS text), CAST(request AS text)""")
                    .setParameter(1, node)
                    .setParameter(2, (double) lease.toMillis() / 1000.0)
                    .getResultList();
            if (rows.isEmpty()) {
                return null;
            }
            return new Claim(UUID.fromString((String) rows.get(0)[0]), (String) rows.get(0)[1]);
        });
    }

    /** Extends the leases this node still holds; returns the ids it holds (others were lost). */
    Set<UUID> renew(String node, Set<UUID> ids, Duration lease, int running) {
        return QuarkusTransaction.requiringNew().call(() -> {
            em.createNativeQuery("UPDATE nodes SET heartbeat_at = now(), running = ?2 WHERE id = ?1")
                    .setParameter(1, node)
                    .setParameter(2, running)
                    .executeUpdate();
            Set<UUID> kept = new HashSet<>();
            if (ids.isEmpty()) {
                return kept;
            }
            @SuppressWarnings("unchecked")
            List<Object> rows = em.createNativeQuery("""
                    UPDATE jobs SET lease_expires_at = now() + make_interval(secs => ?2)
                    WHERE lease_owner = ?1 AND state = 'running' AND id IN (%s)
                    RETURNING CAST(id AS text)""".formatted(idList(ids)))
                    .setParameter(1, node)
                    .setParameter(2, (double) lease.toMillis() / 1000.0)
                    .getResultList();
            rows.forEach(r -> kept.add(UUID.fromString((String) r)));
            return kept;
        });
    }

    /** UUIDs formatted by {@link UUID#toString()} only: safe to inline. */
    private static String idList(Set<UUID> ids) {
        return String.join(", ", ids.stream().map(u -> "'" + u + "'::uuid").toList());
    }

    /**
     * Writes the result and its runs in one transaction, only while this node holds the lease;
     * false when the job was cancelled or requeued meanwhile (nothing is written then).
     */
    boolean finish(UUID id, String node, GradeResult r) {
        String result = r.result().toJson();
        return QuarkusTransaction.requiringNew().call(() -> {
            int n = em.createNativeQuery("""
                    UPDATE jobs SET state = 'done', verdict = ?3, score = ?4, result = CAST(?5 AS jsonb),
                        error = ?6, finished_at = now(), lease_owner = NULL, lease_expires_at = NULL
                    WHERE id = ?1 AND state = 'running' AND lease_owner = ?2""")
                    .setParameter(1, id)
                    .setParameter(2, node)
                    .setParameter(3, r.verdict().wire())
                    .setParameter(4, r.score())
                    .setParameter(5, result)
                    .setParameter(6, r.error())
                    .executeUpdate();
            if (n == 0) {
                return false;
            }
            for (RunRecord run : r.runs()) {
                insertRun(id, run);
            }
            return true;
        });
    }

    /**
     * Ends the job as internal_error with {@code error}, in place of a result that could not be written
     * (guarded by the lease, like {@link #finish}); the runs are kept for accounting when given.
     */
    boolean fail(UUID id, String node, String error, List<RunRecord> runs) {
        return QuarkusTransaction.requiringNew().call(() -> {
            int n = em.createNativeQuery("""
                    UPDATE jobs SET state = 'done', verdict = 'internal_error', score = 0, result = CAST(?4 AS jsonb),
                        error = ?3, finished_at = now(), lease_owner = NULL, lease_expires_at = NULL
                    WHERE id = ?1 AND state = 'running' AND lease_owner = ?2""")
                    .setParameter(1, id)
                    .setParameter(2, node)
                    .setParameter(3, error)
                    .setParameter(4, JobResult.empty(node).toJson())
                    .executeUpdate();
            if (n == 0) {
                return false;
            }
            for (RunRecord run : runs) {
                insertRun(id, run);
            }
            return true;
        });
    }

    private void insertRun(UUID job, RunRecord r) {
        var u = r.usage();
        em.createNativeQuery("""
                INSERT INTO runs (job_id, kind, seq, test_name, status, verdict, exit_code, signal,
                    cpu_time_us, user_us, system_us, wall_us, memory_peak_bytes, oom_kills, memory_limit_hits,
                    pids_peak, throttled_periods, throttled_us, io_read_bytes, io_write_bytes, stdout_bytes,
                    stderr_bytes, timeline, memory_limit_bytes)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
                    ?20, ?21, ?22, ?23, ?24)""")
                .setParameter(1, job)
                .setParameter(2, r.kind().wire())
                .setParameter(3, r.seq())
                .setParameter(4, r.testName())
                .setParameter(5, r.status().wire())
                .setParameter(6, r.verdict() == null ? null : r.verdict().wire())
                .setParameter(7, r.exitCode())
                .setParameter(8, r.signal())
                .setParameter(9, u.cpuTimeMicros())
                .setParameter(10, u.userTimeMicros())
                .setParameter(11, u.systemTimeMicros())
                .setParameter(12, u.wallTimeMicros())
                .setParameter(13, u.memoryPeakBytes())
                .setParameter(14, u.oomKills())
                .setParameter(15, u.memoryLimitHits())
                .setParameter(16, u.pidsPeak())
                .setParameter(17, u.throttledPeriods())
                .setParameter(18, u.throttledMicros())
                .setParameter(19, u.ioReadBytes())
                .setParameter(20, u.ioWriteBytes())
                .setParameter(21, u.stdoutBytes())
                .setParameter(22, u.stderrBytes())
                .setParameter(23, r.timelineBytes() == null ? new byte[0] : r.timelineBytes())
                .setParameter(24, r.memoryLimitBytes())
                .executeUpdate();
    }

    /** At the start of shutdown: the node claims nothing more (shown as draining while it finishes). */
    void markDraining(String node) {
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery("UPDATE nodes SET draining = true WHERE id = ?1")
                        .setParameter(1, node)
                        .executeUpdate());
    }

    /** At shutdown: this node's unfinished jobs go back to the queue, the attempt not counted. */
    int handBack(String node) {
        return QuarkusTransaction.requiringNew().call(() -> {
            em.createNativeQuery("UPDATE nodes SET draining = true, running = 0 WHERE id = ?1")
                    .setParameter(1, node)
                    .executeUpdate();
            return em.createNativeQuery("""
                    UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL,
                        attempts = GREATEST(attempts - 1, 0)
                    WHERE lease_owner = ?1 AND state = 'running'""").setParameter(1, node).executeUpdate();
        });
    }
}
