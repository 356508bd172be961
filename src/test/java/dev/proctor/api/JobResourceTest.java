package dev.proctor.api;

import static dev.proctor.api.ApiTestSupport.ADMIN;
import static dev.proctor.api.ApiTestSupport.newClient;
import static dev.proctor.api.ApiTestSupport.newClientKey;
import static dev.proctor.api.ApiTestSupport.pythonJob;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.proctor.testsupport.FakeSandboxProfile;
import dev.proctor.testsupport.PostgresTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(FakeSandboxProfile.class)
class JobResourceTest {

    @Inject
    EntityManager em;

    private long jobsOf(String key) {
        return QuarkusTransaction.requiringNew()
                .call(() -> ((Number) em.createNativeQuery(
                                        "SELECT count(*) FROM jobs j JOIN api_keys k ON k.client_id = j.client_id WHERE k.key_hash = ?1")
                                .setParameter(1, dev.proctor.auth.ApiKeys.sha256(key))
                                .getSingleResult())
                        .longValue());
    }

    @Test
    void submitReturns202WithIdAndUrlThenGetShowsIt() {
        String key = newClientKey();
        String id = given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(pythonJob("print('hi')"))
                .post("/api/v1/jobs")
                .then()
                .statusCode(202)
                .header("Location", containsString("/api/v1/jobs/"))
                .body("id", notNullValue())
                .body("url", containsString("/api/v1/jobs/"))
                .extract()
                .path("id");
        given().auth()
                .oauth2(key)
                .get("/api/v1/jobs/" + id)
                .then()
                .statusCode(200)
                .body("id", equalTo(id))
                .body("profile", equalTo("python3"));
    }

    /**
     * A waiting request is answered by the node that ran the job, from the row its result statement returned:
     * the same job a later read gives; a second request with the same Idempotency-Key waits for the same job.
     */
    @Test
    void waitingAnswersWithTheStoredJobAndAReplayWaitsForTheSameOne() {
        String key = newClientKey();
        String idempotencyKey = "wait-" + UUID.randomUUID();
        Map<String, Object> waited = given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", idempotencyKey)
                .body(pythonJob("print(1)"))
                .post("/api/v1/jobs?wait=true&timeout_s=60")
                .then()
                .statusCode(200)
                .header("Location", containsString("/api/v1/jobs/"))
                .body("state", equalTo("done"))
                .body("verdict", equalTo("internal_error"))
                .extract()
                .jsonPath()
                .getMap("");
        String id = (String) waited.get("id");
        Map<String, Object> read = given().auth()
                .oauth2(key)
                .get("/api/v1/jobs/" + id)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getMap("");
        assertEquals(read, waited);
        Map<String, Object> replayed = given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .header("Idempotency-Key", idempotencyKey)
                .body(pythonJob("print(1)"))
                .post("/api/v1/jobs?wait=true&timeout_s=60")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getMap("");
        assertEquals(read, replayed);
    }

    @Test
    void authMatrix() {
        String key = newClientKey();
        String other = newClientKey();
        given().get("/api/v1/jobs")
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .body("field", equalTo("Authorization"));
        given().auth().oauth2("pk_nonsense").get("/api/v1/jobs").then().statusCode(401);
        String id = given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(pythonJob("print(1)"))
                .post("/api/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        given().auth().oauth2(other).get("/api/v1/jobs/" + id).then().statusCode(404);
        given().auth()
                .oauth2(other)
                .post("/api/v1/jobs/" + id + "/cancel")
                .then()
                .statusCode(404);
        given().auth().oauth2(ADMIN).get("/api/v1/jobs/" + id).then().statusCode(200);
        given().auth().oauth2(key).get("/api/v1/admin/clients").then().statusCode(403);
        given().auth().oauth2(key).get("/api/v1/admin/nodes").then().statusCode(403);
        given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(Map.of("name", "x"))
                .post("/api/v1/admin/clients")
                .then()
                .statusCode(403);

        Map<String, Object> c = newClient(Map.of());
        given().auth().oauth2((String) c.get("key")).get("/api/v1/jobs").then().statusCode(200);
        given().auth()
                .oauth2(ADMIN)
                .post("/api/v1/admin/keys/" + c.get("key_id") + "/revoke")
                .then()
                .statusCode(200)
                .body("revoked_at", notNullValue());
        given().auth().oauth2((String) c.get("key")).get("/api/v1/jobs").then().statusCode(401);
    }

    @Test
    void listingIsScopedAndPaginated() {
        String key = newClientKey();
        for (int i = 0; i < 5; i++) {
            given().auth()
                    .oauth2(key)
                    .contentType(ContentType.JSON)
                    .body(pythonJob("print(" + i + ")"))
                    .post("/api/v1/jobs")
                    .then()
                    .statusCode(202);
        }
        var page1 = given().auth()
                .oauth2(key)
                .queryParam("limit", 3)
                .get("/api/v1/jobs")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(3, page1.getList("jobs").size());
        String cursor = page1.getString("next_cursor");
        var page2 = given().auth()
                .oauth2(key)
                .queryParam("limit", 3)
                .queryParam("cursor", cursor)
                .get("/api/v1/jobs")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(2, page2.getList("jobs").size());
        assertEquals(null, page2.getString("next_cursor"));
        given().auth()
                .oauth2(key)
                .queryParam("cursor", "garbage!")
                .get("/api/v1/jobs")
                .then()
                .statusCode(400)
                .body("field", equalTo("cursor"));
        given().auth()
                .oauth2(key)
                .queryParam("state", "bogus")
                .get("/api/v1/jobs")
                .then()
                .statusCode(400)
                .body("field", equalTo("state"));
    }

    @Test
    void sameIdempotencyKeyGivesOneJob() {
        String key = newClientKey();
        String idem = UUID.randomUUID().toString();
        String a = given().auth()
                .oauth2(key)
                .header("Idempotency-Key", idem)
                .contentType(ContentType.JSON)
                .body(pythonJob("print(1)"))
                .post("/api/v1/jobs")
                .then()
                .extract()
                .path("id");
        String b = given().auth()
                .oauth2(key)
                .header("Idempotency-Key", idem)
                .contentType(ContentType.JSON)
                .body(pythonJob("print(1)"))
                .post("/api/v1/jobs")
                .then()
                .extract()
                .path("id");
        assertEquals(a, b);
        assertEquals(1, jobsOf(key));
    }

    @Test
    void badInputMatrixNamesTheFieldAndStoresNothing() {
        String key = newClientKey();
        Map<String, Object> ok = pythonJob("print(1)");
        record Case(Map<String, Object> change, int status, String field) {}
        String big = "x".repeat(1_048_577);
        List<Map<String, Object>> tooMany = new java.util.ArrayList<>();
        for (int i = 0; i < 257; i++) {
            tooMany.add(Map.of("stdin", "", "expected_output", ""));
        }
        List<Case> cases = List.of(
                new Case(Map.of("profile", "cobol"), 422, "profile"),
                new Case(Map.of("limits", Map.of("cpu_time_ms", -1)), 400, "limits.cpu_time_ms"),
                new Case(Map.of("limits", Map.of("memory_mb", 999_999)), 422, "limits.memory_mb"),
                new Case(Map.of("files", List.of(Map.of("path", "main.py", "content", big))), 413, "files[0].content"),
                new Case(
                        Map.of("files", List.of(Map.of("path", "main.py", "content", "@@@", "encoding", "base64"))),
                        400,
                        "files[0].content"),
                new Case(
                        Map.of("files", List.of(Map.of("path", "../etc/passwd", "content", "x"))),
                        422,
                        "files[0].path"),
                // two '..' segments once answered 500 (a Set.of with a duplicate)
                new Case(
                        Map.of("files", List.of(Map.of("path", "../../etc/passwd", "content", "x"))),
                        422,
                        "files[0].path"),
                new Case(
                        Map.of(
                                "files",
                                List.of(Map.of("path", "a", "content", "x"), Map.of("path", "a/b", "content", "y"))),
                        422,
                        "files[1].path"),
                new Case(
                        Map.of("tests", List.of(Map.of("stdin", "A", "stdin_encoding", "base64"))),
                        400,
                        "tests[0].stdin"),
                new Case(
                        Map.of("tests", List.of(Map.of("stdin", "x", "stdin_encoding", "hex"))),
                        400,
                        "tests[0].stdin_encoding"),
                new Case(Map.of("metadata", Map.of("k", "a\u0000b")), 400, "metadata"),
                new Case(Map.of("tests", tooMany), 413, "tests"),
                new Case(Map.of("checker", Map.of("type", "psychic")), 400, "checker.type"),
                new Case(Map.of("callback_url", "ftp://x"), 400, "callback_url"),
                new Case(
                        Map.of("tests", List.of(Map.of("limits", Map.of("wall_time_ms", 0)))),
                        400,
                        "tests[0].limits.wall_time_ms"));
        for (Case c : cases) {
            Map<String, Object> body = new HashMap<>(ok);
            body.putAll(c.change());
            given().auth()
                    .oauth2(key)
                    .contentType(ContentType.JSON)
                    .body(body)
                    .post("/api/v1/jobs")
                    .then()
                    .statusCode(c.status())
                    .contentType("application/problem+json")
                    .body("field", equalTo(c.field()))
                    .body("status", equalTo(c.status()))
                    .body("detail", notNullValue());
        }
        given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body("{\"profile\": ")
                .post("/api/v1/jobs")
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
        given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body("{\"profile\": \"python3\", \"filez\": 1}")
                .post("/api/v1/jobs")
                .then()
                .statusCode(400)
                .body("field", equalTo("filez"));
        given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body("{\"profile\": \"python3\", \"limits\": {\"cpu_time_ms\": \"lots\"}}")
                .post("/api/v1/jobs")
                .then()
                .statusCode(400)
                .body("field", equalTo("limits.cpu_time_ms"));
        assertEquals(0, jobsOf(key));
    }

    @Test
    void profilesAreListed() {
        given().auth()
                .oauth2(newClientKey())
                .get("/api/v1/profiles")
                .then()
                .statusCode(200)
                .body("name", org.hamcrest.Matchers.hasItems("python3", "c", "cpp", "bash"));
    }

    @Test
    void quotaLowersTheMaximum() {
        String key = (String) newClient(Map.of("max_memory_mb", 64)).get("key");
        Map<String, Object> body = new HashMap<>(pythonJob("print(1)"));
        body.put("limits", Map.of("memory_mb", 128));
        given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/api/v1/jobs")
                .then()
                .statusCode(422)
                .body("field", equalTo("limits.memory_mb"));
        assertEquals(0, jobsOf(key));
        Base64.getEncoder();
    }
}
