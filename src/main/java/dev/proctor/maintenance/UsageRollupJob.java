package dev.proctor.maintenance;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Rolls runs up into 1-minute {@code usage_buckets} (client, profile, node) for the dashboard, which
 * then never scans raw runs. Clustered Quartz fires it once per cluster; each pass recomputes every
 * bucket from a few minutes before the last mark with an upsert, so it is idempotent and a run
 * committed late (its created_at is its transaction's start) is still counted.
 */
@ApplicationScoped
public class UsageRollupJob {

    private static final Logger LOG = Logger.getLogger(UsageRollupJob.class);
    /** Serialises a scheduled pass with a manual one (tests, the bench). */
    private static final long LOCK_ID = 0x726f6c6c7570L;

    private static final String UPSERT = """
            INSERT INTO usage_buckets (bucket_start, client_id, profile, node, runs, cpu_us, wall_us,
                                       memory_peak_bytes, verdicts)
            SELECT b, client_id, profile, node, sum(n), sum(cpu), sum(wall), max(mem), jsonb_object_agg(v, n)
            FROM (
                SELECT date_trunc('minute', r.created_at) AS b, j.client_id, j.profile,
                       COALESCE(j.lease_owner, j.result ->> 'node', 'unknown') AS node,
                       COALESCE(r.verdict, 'none') AS v, count(*) AS n, sum(r.cpu_time_us) AS cpu,
                       sum(r.wall_us) AS wall, max(r.memory_peak_bytes) AS mem
                FROM runs r JOIN jobs j ON j.id = r.job_id
                WHERE r.created_at >= ?1 AND r.created_at < ?2
                GROUP BY 1, 2, 3, 4, 5
            ) per_verdict
            GROUP BY b, client_id, profile, node
            ON CONFLICT (bucket_start, client_id, profile, node) DO UPDATE SET
                runs = EXCLUDED.runs, cpu_us = EXCLUDED.cpu_us, wall_us = EXCLUDED.wall_us,
                memory_peak_bytes = EXCLUDED.memory_peak_bytes, verdicts = EXCLUDED.verdicts""";

    @Inject
    EntityManager em;

    /** How far before the last mark each pass starts again: covers runs committed late. */
    @ConfigProperty(name = "proctor.dashboard.rollup-lookback-minutes", defaultValue = "5")
    int lookbackMinutes;

    @Scheduled(
            identity = "usage-rollup",
            every = "${proctor.dashboard.rollup-every:60s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        int n = rollUp();
        LOG.debugf("usage rollup wrote %d buckets", n);
    }

    /** One pass: from a few minutes before the last mark up to now; returns the buckets written. */
    public int rollUp() {
        return QuarkusTransaction.requiringNew().call(() -> {
            lock();
            OffsetDateTime mark = (OffsetDateTime) em.createNativeQuery("""
                    SELECT CASE WHEN rolled_until = '-infinity' THEN NULL
                           ELSE date_trunc('minute', rolled_until) - make_interval(mins => ?1) END
                    FROM usage_rollup_state""", OffsetDateTime.class)
                    .setParameter(1, lookbackMinutes)
                    .getSingleResult();
            Instant from = mark == null ? Instant.EPOCH : mark.toInstant();
            // a moment ahead: now() is this transaction's start, and runs can carry a later one
            Instant to = Instant.now().plusSeconds(60);
            int n = upsert(from, to);
            em.createNativeQuery("UPDATE usage_rollup_state SET rolled_until = date_trunc('minute', now())")
                    .executeUpdate();
            return n;
        });
    }

    /** Recomputes every bucket of runs created in [from, to) (whole minutes), leaving the mark alone. */
    public int recompute(Instant from, Instant to) {
        return QuarkusTransaction.requiringNew().call(() -> {
            lock();
            return upsert(from, to);
        });
    }

    /** Whole minutes only: a bucket is always computed from all of its runs, never part of them. */
    private int upsert(Instant from, Instant to) {
        Instant start = from.truncatedTo(ChronoUnit.MINUTES);
        Instant end = to.truncatedTo(ChronoUnit.MINUTES);
        if (end.isBefore(to)) {
            end = end.plus(1, ChronoUnit.MINUTES);
        }
        return em.createNativeQuery(UPSERT)
                .setParameter(1, OffsetDateTime.ofInstant(start, ZoneOffset.UTC))
                .setParameter(2, OffsetDateTime.ofInstant(end, ZoneOffset.UTC))
                .executeUpdate();
    }

    private void lock() {
        em.createNativeQuery("SELECT pg_advisory_xact_lock(?1)")
                .setParameter(1, LOCK_ID)
                .getSingleResult();
    }
}
