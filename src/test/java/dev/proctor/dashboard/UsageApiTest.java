package dev.proctor.dashboard;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.proctor.auth.ApiKeys;
import dev.proctor.maintenance.UsageRollupJob;
import dev.proctor.testsupport.FakeSandboxProfile;
import dev.proctor.testsupport.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(FakeSandboxProfile.class)
class UsageApiTest {

    static final String ADMIN = "pk_test_admin_0123456789abcdef";

    @Inject
    EntityManager em;

    @Inject
    UsageRollupJob rollup;

    @Inject
    ApiKeys keys;

    private String clientName;
    private String clientKey;

    @BeforeEach
    void data() {
        UsageFixtures f = new UsageFixtures(em, 3);
        clientName = "api-" + UUID.randomUUID().toString().substring(0, 8);
        long client = f.client(clientName);
        clientKey = keys.issue(client, false).key();
        Instant now = Instant.now();
        for (int i = 0; i < 12; i++) {
            f.job(client, UsageFixtures.PROFILES[i % 3], "node-a", f.minutesAgo(now, 20), 2);
        }
        rollup.recompute(now.minusSeconds(3600), now.plusSeconds(60));
    }

    @Test
    void onlyAdminKeys() {
        given().get("/api/v1/admin/usage").then().statusCode(401).contentType("application/problem+json");
        given().auth()
                .oauth2(clientKey)
                .get("/api/v1/admin/usage")
                .then()
                .statusCode(403)
                .contentType("application/problem+json");
        given().auth().oauth2(clientKey).get("/api/v1/admin/overview").then().statusCode(403);
    }

    @Test
    void badParametersNameTheirField() {
        for (String[] c : List.of(
                new String[] {"group_by=team", "group_by"},
                new String[] {"bucket=7x", "bucket"},
                new String[] {"bucket=30s", "bucket"},
                new String[] {"from=yesterday", "from"},
                new String[] {"range=custom", "from"},
                new String[] {"range=month", "range"},
                new String[] {"from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z", "to"},
                new String[] {"range=week&bucket=1m", "bucket"},
                new String[] {"format=xml", "format"})) {
            given().auth()
                    .oauth2(ADMIN)
                    .get("/api/v1/admin/usage?" + c[0])
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("field", equalTo(c[1]))
                    .body("status", equalTo(400));
        }
    }

    @Test
    void jsonGroupsAndSums() {
        var body = given().auth()
                .oauth2(ADMIN)
                .get("/api/v1/admin/usage?range=hour&bucket=5m&group_by=profile")
                .then()
                .statusCode(200)
                .contentType(containsString("application/json"))
                .body("group_by", equalTo("profile"))
                .body("bucket_seconds", equalTo(300))
                .body("groups", hasItems("python3", "cpp17", "java17"))
                .extract()
                .jsonPath();
        given().auth()
                .oauth2(ADMIN)
                .get("/api/v1/admin/usage?group_by=client")
                .then()
                .statusCode(200)
                .body("groups", hasItems(clientName));
        long runs = body.getList("points.runs", Long.class).stream()
                .mapToLong(Long::longValue)
                .sum();
        long raw = ((Number) em.createNativeQuery(
                                "SELECT count(*) FROM runs WHERE created_at >= now() - interval " + "'1 hour'")
                        .getSingleResult())
                .longValue();
        assertEquals(raw, runs, "every run of the hour is in some bucket");
    }

    @Test
    void csvByParameterOrAccept() {
        String csv = given().auth()
                .oauth2(ADMIN)
                .get("/api/v1/admin/usage?group_by=client&format=csv")
                .then()
                .statusCode(200)
                .contentType(startsWith("text/csv"))
                .header("Content-Disposition", containsString("attachment"))
                .extract()
                .asString();
        assertEquals(
                "bucket_start,group,runs,cpu_seconds,wall_seconds,memory_peak_bytes",
                csv.lines().findFirst().orElseThrow());
        org.junit.jupiter.api.Assertions.assertTrue(csv.contains("," + clientName + ","), csv);
        given().auth()
                .oauth2(ADMIN)
                .accept("text/csv")
                .get("/api/v1/admin/usage")
                .then()
                .statusCode(200)
                .contentType(startsWith("text/csv"));
    }

    @Test
    void overviewAnswers() {
        given().auth()
                .oauth2(ADMIN)
                .get("/api/v1/admin/overview?range=day&group_by=node")
                .then()
                .statusCode(200)
                .body("usage.groups", hasItems("node-a"))
                .body("top_cpu.size()", equalTo(10))
                .body("jobs_finished", org.hamcrest.Matchers.greaterThanOrEqualTo(12));
    }

    @Test
    void csvFieldsAreQuotedAndDefused() {
        assertEquals("\"a,b\"", UsageReport.csvField("a,b"));
        assertEquals("'=cmd()", UsageReport.csvField("=cmd()"));
    }
}
