package dev.proctor.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.maintenance.UsageRollupJob;
import dev.proctor.testsupport.FakeSandboxProfile;
import dev.proctor.testsupport.PostgresTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(FakeSandboxProfile.class)
class UsageRollupTest {

    @Inject
    EntityManager em;

    @Inject
    UsageRollupJob rollup;

    /** runs, cpu sum, wall sum, memory max: of raw runs, and of the buckets, per (minute, profile, node). */
    private static final String RAW = """
            SELECT date_trunc('minute', r.created_at), j.profile, j.result ->> 'node', count(*), sum(r.cpu_time_us),
                   sum(r.wall_us), max(r.memory_peak_bytes)
            FROM runs r JOIN jobs j ON j.id = r.job_id WHERE j.client_id = ?1
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""";

    private static final String BUCKETS = """
            SELECT bucket_start, profile, node, sum(runs), sum(cpu_us), sum(wall_us), max(memory_peak_bytes)
            FROM usage_buckets WHERE client_id = ?1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""";

    @SuppressWarnings("unchecked")
    private List<List<Object>> rows(String sql, long client) {
        return QuarkusTransaction.requiringNew()
                .call(() -> ((List<Object[]>) em.createNativeQuery(sql)
                                .setParameter(1, client)
                                .getResultList())
                        .stream()
                                .map(r -> java.util.Arrays.stream(r)
                                        .map(v -> v instanceof Number n
                                                ? (Object) n.longValue()
                                                : v == null ? null : v.toString())
                                        .toList())
                                .toList());
    }

    @Test
    void bucketSumsEqualTheRawRunsAndARecomputeChangesNothing() {
        UsageFixtures f = new UsageFixtures(em, 42);
        long client = f.client("rollup-" + UUID.randomUUID().toString().substring(0, 8));
        Instant now = Instant.now();
        for (int i = 0; i < 60; i++) {
            f.job(client, UsageFixtures.PROFILES[i % 3], UsageFixtures.NODES[i % 2], f.minutesAgo(now, 30), 1 + i % 4);
        }
        Instant from = now.minus(Duration.ofHours(1));
        rollup.recompute(from, now.plusSeconds(60));
        List<List<Object>> raw = rows(RAW, client);
        assertTrue(raw.size() > 10, "fixtures span many buckets");
        assertEquals(raw, rows(BUCKETS, client));

        rollup.recompute(from, now.plusSeconds(60));
        assertEquals(raw, rows(BUCKETS, client), "recomputing is idempotent");

        // a late run in an already rolled-up minute is counted by the next pass
        f.job(client, "python3", "node-a", now.minusSeconds(120), 2);
        rollup.rollUp();
        assertEquals(rows(RAW, client), rows(BUCKETS, client));
    }

    @Test
    void theScheduledPassCountsRunsOfTheCurrentMinute() {
        UsageFixtures f = new UsageFixtures(em, 7);
        long client = f.client("rollup-now-" + UUID.randomUUID().toString().substring(0, 8));
        f.job(client, "cpp17", "node-b", Instant.now(), 3);
        rollup.rollUp();
        List<List<Object>> buckets = rows(BUCKETS, client);
        assertEquals(rows(RAW, client), buckets);
        assertEquals(4L, buckets.get(0).get(3));
    }
}
