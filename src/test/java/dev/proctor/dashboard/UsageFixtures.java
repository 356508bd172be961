package dev.proctor.dashboard;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/** Realistic jobs and runs rows written straight into the test database. */
final class UsageFixtures {

    static final String[] PROFILES = {"python3", "cpp17", "java17"};
    static final String[] NODES = {"node-a", "node-b"};
    static final String[] VERDICTS = {"accepted", "accepted", "accepted", "wrong_answer", "time_limit_exceeded"};

    private final EntityManager em;
    private final Random random;

    UsageFixtures(EntityManager em, long seed) {
        this.em = em;
        this.random = new Random(seed);
    }

    long client(String name) {
        return QuarkusTransaction.requiringNew()
                .call(() -> ((Number) em.createNativeQuery(
                                        "INSERT INTO clients (name, webhook_secret) VALUES (?1, 'secret') RETURNING id")
                                .setParameter(1, name)
                                .getSingleResult())
                        .longValue());
    }

    /** One finished job with a compile run and {@code tests} test runs, all created at {@code at}. */
    UUID job(long clientId, String profile, String node, Instant at, int tests) {
        UUID id = UUID.randomUUID();
        String verdict = VERDICTS[random.nextInt(VERDICTS.length)];
        OffsetDateTime created = OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
        OffsetDateTime started = created.plusNanos((50 + random.nextInt(400)) * 1_000_000L);
        OffsetDateTime finished = started.plusNanos((100 + random.nextInt(900)) * 1_000_000L);
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("""
                    INSERT INTO jobs (id, client_id, state, verdict, score, profile, request, result,
                                      created_at, started_at, finished_at)
                    VALUES (?1, ?2, 'done', ?3, 1.0, ?4, '{}', CAST(?5 AS jsonb), ?6, ?7, ?8)""")
                    .setParameter(1, id)
                    .setParameter(2, clientId)
                    .setParameter(3, verdict)
                    .setParameter(4, profile)
                    .setParameter(
                            5,
                            "{\"node\": \"" + node + "\", \"compile\": {\"output\": \"main.cpp: warning: "
                                    + "unused variable 'x'\"}}")
                    .setParameter(6, created)
                    .setParameter(7, started)
                    .setParameter(8, finished)
                    .executeUpdate();
            for (int seq = 0; seq <= tests; seq++) {
                run(id, seq == 0 ? "compile" : "test", seq, seq == 0 ? null : verdict, created);
            }
        });
        return id;
    }

    /**
     * The run of one test of a job against a stored problem: its path below data/, CPU, peak memory, verdict,
     * and the memory limit it ran with (null: not recorded, as for runs stored before V33).
     */
    record TestRun(String test, long cpuUs, long memoryBytes, String verdict, Long memoryLimitBytes) {
        TestRun(String test, long cpuUs, long memoryBytes, String verdict) {
            this(test, cpuUs, memoryBytes, verdict, null);
        }
    }

    /**
     * A finished job against a stored problem, as the service stores it ({@code request.problem} with the id,
     * version and time limit), with one runs row per test run; the problem job's grader writes the same rows.
     */
    UUID problemJob(long clientId, UUID problem, int version, long timeLimitMs, List<TestRun> runs) {
        UUID id = UUID.randomUUID();
        // hours ago: other tests read the last hour's busiest jobs and should meet their own there
        OffsetDateTime at = OffsetDateTime.now(ZoneOffset.UTC).minusHours(3);
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("""
                    INSERT INTO jobs (id, client_id, state, verdict, profile, request, result,
                                      created_at, started_at, finished_at)
                    VALUES (?1, ?2, 'done', ?3, 'python3', CAST(?4 AS jsonb), '{}', ?5, ?5, ?5)""")
                    .setParameter(1, id)
                    .setParameter(2, clientId)
                    .setParameter(3, runs.get(runs.size() - 1).verdict())
                    .setParameter(
                            4,
                            "{\"profile\": \"python3\", \"problem\": {\"id\": \"" + problem + "\", \"version\": "
                                    + version + ", \"time_limit_ms\": " + timeLimitMs + "}}")
                    .setParameter(5, at)
                    .executeUpdate();
            int seq = 1;
            for (TestRun r : runs) {
                em.createNativeQuery("""
                        INSERT INTO runs (job_id, kind, seq, test_name, status, verdict, exit_code, cpu_time_us,
                            user_us, system_us, wall_us, memory_peak_bytes, oom_kills, memory_limit_hits, pids_peak,
                            throttled_periods, throttled_us, io_read_bytes, io_write_bytes, stdout_bytes,
                            stderr_bytes, timeline, created_at, memory_limit_bytes)
                        VALUES (?1, 'test', ?2, ?3, 'ok', ?4, 0, ?5, ?5, 0, ?5, ?6, 0, 0, 1, 0, 0, 0, 0, 8, 0, ?8, ?7,
                            CAST(?9 AS bigint))""")
                        .setParameter(1, id)
                        .setParameter(2, seq++)
                        .setParameter(3, r.test())
                        .setParameter(4, r.verdict())
                        .setParameter(5, r.cpuUs())
                        .setParameter(6, r.memoryBytes())
                        .setParameter(7, at)
                        .setParameter(8, timeline(r.cpuUs(), r.cpuUs(), r.memoryBytes()))
                        .setParameter(9, r.memoryLimitBytes())
                        .executeUpdate();
            }
        });
        return id;
    }

    private void run(UUID job, String kind, int seq, String verdict, OffsetDateTime at) {
        long cpu = 2_000 + random.nextInt(400_000);
        long wall = cpu + random.nextInt(50_000);
        long mem = (4 + random.nextInt(200)) * 1024L * 1024;
        em.createNativeQuery("""
                INSERT INTO runs (job_id, kind, seq, test_name, status, verdict, exit_code, cpu_time_us, user_us,
                    system_us, wall_us, memory_peak_bytes, oom_kills, memory_limit_hits, pids_peak,
                    throttled_periods, throttled_us, io_read_bytes, io_write_bytes, stdout_bytes, stderr_bytes,
                    timeline, created_at)
                VALUES (?1, ?2, ?3, ?4, 'ok', ?5, 0, ?6, ?7, ?8, ?9, ?10, 0, 0, ?11, 0, 0, 4096, 0, 12, 0, ?12, ?13)""")
                .setParameter(1, job)
                .setParameter(2, kind)
                .setParameter(3, seq)
                .setParameter(4, seq == 0 ? null : "test-" + seq)
                .setParameter(5, verdict)
                .setParameter(6, cpu)
                .setParameter(7, cpu * 9 / 10)
                .setParameter(8, cpu / 10)
                .setParameter(9, wall)
                .setParameter(10, mem)
                .setParameter(11, 1 + random.nextInt(8))
                .setParameter(12, timeline(wall, cpu, mem))
                .setParameter(13, at)
                .executeUpdate();
    }

    /** Samples every 20 ms: CPU growing to the total, memory ramping up to the peak. */
    static byte[] timeline(long wallUs, long cpuUs, long peak) {
        int n = (int) Math.max(2, Math.min(500, wallUs / 20_000));
        List<long[]> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t = wallUs * i / (n - 1);
            s.add(new long[] {t, cpuUs * i / (n - 1), peak * Math.min(n - 1, 2L * i) / (n - 1)});
        }
        return Timeline.encode(s.toArray(long[][]::new));
    }

    Instant minutesAgo(Instant now, int maxMinutes) {
        return now.minusSeconds(random.nextInt(maxMinutes * 60));
    }
}
