package dev.proctor.dashboard;

import static io.restassured.RestAssured.given;

import dev.proctor.problems.Archives;
import io.restassured.http.ContentType;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A problem uploaded through the API (the scoring package {@code groups}: five tests in five groups) by a new
 * client, and the runs of ten submissions against it written as the problem grader writes them: on
 * {@code secret/group1/1} submission i (1..10) uses i × 100 ms of CPU and i × 10 MiB under a 1000 ms limit
 * (the tenth exceeds it); on {@code secret/group2/2} each uses 50 ms and 8 MiB. One more job, against
 * another problem, runs a test of the same name for 5 s: it must not count.
 */
final class ProblemFixtures {

    static final String ADMIN = "pk_test_admin_0123456789abcdef";
    static final long TIME_LIMIT_MS = 1000;
    static final int SUBMISSIONS = 10;
    static final String SLOW_TEST = "secret/group1/1";
    static final String QUICK_TEST = "secret/group2/2";
    static final long MIB = 1024 * 1024;
    /** The memory limit the slow test's runs record: 100 MiB is 91 % of it, 90 MiB 82 %, 80 MiB 73 %. */
    static final long MEMORY_LIMIT = 110 * MIB;

    record Seeded(UUID id, String name, String owner, long totalBytes) {}

    private ProblemFixtures() {}

    static Seeded seed(EntityManager em) {
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        String owner = "setter-" + suffix;
        String key = given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(Map.of("name", owner))
                .post("/api/v1/admin/clients")
                .then()
                .statusCode(201)
                .extract()
                .path("keys[0].key");
        String name = "largest-" + suffix;
        UUID id = UUID.fromString(given().auth()
                .oauth2(key)
                .contentType("application/gzip")
                .body(Archives.tarGz(Archives.of(Archives.resource("groups"), "")))
                .post("/api/v1/problems?name=" + name)
                .then()
                .statusCode(201)
                .extract()
                .path("problem.id"));
        long client = ((Number) em.createNativeQuery("SELECT id FROM clients WHERE name = ?1")
                        .setParameter(1, owner)
                        .getSingleResult())
                .longValue();
        long totalBytes = ((Number) em.createNativeQuery(
                                "SELECT total_bytes FROM problem_versions WHERE problem_id = ?1 AND version = 1")
                        .setParameter(1, id)
                        .getSingleResult())
                .longValue();
        UsageFixtures f = new UsageFixtures(em, 5);
        for (int i = 1; i <= SUBMISSIONS; i++) {
            f.problemJob(
                    client,
                    id,
                    1,
                    TIME_LIMIT_MS,
                    List.of(
                            new UsageFixtures.TestRun(
                                    SLOW_TEST,
                                    i * 100_000L,
                                    i * 10 * MIB,
                                    i == SUBMISSIONS ? "time_limit_exceeded" : "accepted",
                                    MEMORY_LIMIT),
                            new UsageFixtures.TestRun(QUICK_TEST, 50_000, 8 * MIB, "accepted", 256 * MIB)));
        }
        f.problemJob(
                client,
                UUID.randomUUID(),
                1,
                TIME_LIMIT_MS,
                List.of(new UsageFixtures.TestRun(SLOW_TEST, 5_000_000, 900 * MIB, "time_limit_exceeded")));
        return new Seeded(id, name, owner, totalBytes);
    }
}
