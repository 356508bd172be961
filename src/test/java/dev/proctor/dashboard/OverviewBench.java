package dev.proctor.dashboard;

import static io.restassured.RestAssured.given;

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
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, not a test (surefire's default includes skip the name): the overview and usage APIs'
 * latency with 100 000 runs (20 000 jobs over the last week) in the database. Run with
 * {@code mvn -B -o -q test -Dtest=OverviewBench -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(FakeSandboxProfile.class)
class OverviewBench {

    static final String ADMIN = "pk_test_admin_0123456789abcdef";
    static final int JOBS = 20_000;
    static final int RUNS_PER_JOB = 5;

    @Inject
    EntityManager em;

    @Inject
    UsageRollupJob rollup;

    @Test
    void overviewLatencyWith100kRuns() {
        long t0 = System.nanoTime();
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("""
                    INSERT INTO clients (name, webhook_secret)
                    SELECT 'bench-' || g, 'secret' FROM generate_series(1, 10) g ON CONFLICT DO NOTHING""").executeUpdate();
            em.createNativeQuery("""
                    INSERT INTO jobs (id, client_id, state, verdict, score, profile, request, result,
                                      created_at, started_at, finished_at)
                    SELECT gen_random_uuid(), (SELECT id FROM clients WHERE name = 'bench-' || (1 + g % 10)),
                           'done', (ARRAY['accepted','accepted','wrong_answer','time_limit_exceeded'])[1 + g % 4], 1,
                           (ARRAY['python3','c','cpp17'])[1 + g % 3], '{}',
                           jsonb_build_object('node', 'node-' || (g % 3)),
                           t, t + interval '40 ms', t + interval '900 ms'
                    FROM (SELECT g, now() - random() * interval '7 days' AS t
                          FROM generate_series(1, ?1) g) x""").setParameter(1, JOBS).executeUpdate();
            em.createNativeQuery("""
                    INSERT INTO runs (job_id, kind, seq, status, verdict, exit_code, cpu_time_us, user_us, system_us,
                        wall_us, memory_peak_bytes, oom_kills, memory_limit_hits, pids_peak, throttled_periods,
                        throttled_us, io_read_bytes, io_write_bytes, stdout_bytes, stderr_bytes, created_at)
                    SELECT j.id, CASE WHEN s = 0 THEN 'compile' ELSE 'test' END, s, 'ok', j.verdict, 0,
                           c, c * 9 / 10, c / 10, c + 5000, (4 + (random() * 200)::int) * 1048576, 0, 0, 3, 0, 0,
                           0, 0, 10, 0, j.created_at + s * interval '100 ms'
                    FROM jobs j CROSS JOIN generate_series(0, ?1 - 1) s
                    CROSS JOIN LATERAL (SELECT (1000 + random() * 500000)::bigint AS c) cpu
                    WHERE j.client_id IN (SELECT id FROM clients WHERE name LIKE 'bench-%')""").setParameter(1, RUNS_PER_JOB).executeUpdate();
            em.createNativeQuery("ANALYZE").executeUpdate();
        });
        long runs = QuarkusTransaction.requiringNew()
                .call(() -> ((Number) em.createNativeQuery("SELECT count(*) FROM runs")
                                .getSingleResult())
                        .longValue());
        long t1 = System.nanoTime();
        rollup.recompute(Instant.now().minus(Duration.ofDays(8)), Instant.now().plusSeconds(60));
        long t2 = System.nanoTime();
        System.out.printf(
                Locale.ROOT,
                "%nOverviewBench: %d runs inserted in %.1f s, rolled up in %.1f s%n",
                runs,
                (t1 - t0) / 1e9,
                (t2 - t1) / 1e9);
        for (String q : new String[] {
            "/api/v1/admin/overview?range=hour",
            "/api/v1/admin/overview?range=day",
            "/api/v1/admin/overview?range=week&group_by=profile",
            "/api/v1/admin/usage?range=week",
            "/api/v1/admin/usage?range=week&bucket=15m&format=csv"
        }) {
            measure(q);
        }
    }

    private static void measure(String path) {
        for (int i = 0; i < 5; i++) {
            given().auth().oauth2(ADMIN).get(path).then().statusCode(200);
        }
        double[] ms = new double[30];
        for (int i = 0; i < ms.length; i++) {
            long t = System.nanoTime();
            given().auth().oauth2(ADMIN).get(path).then().statusCode(200);
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf(
                Locale.ROOT,
                "OverviewBench: %-58s p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms%n",
                path,
                ms[ms.length / 2],
                ms[(int) (ms.length * 0.95)],
                ms[ms.length - 1]);
    }
}
