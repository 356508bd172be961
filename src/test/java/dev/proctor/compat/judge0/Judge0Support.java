package dev.proctor.compat.judge0;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Helpers of the Judge0 facade tests: clients, submissions, polling. */
final class Judge0Support {

    static final String ADMIN = "pk_test_admin_0123456789abcdef";

    private Judge0Support() {}

    /** A fresh Proctor client's API key, made with the admin key. */
    static String newKey() {
        return given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(Map.of("name", "j0-" + UUID.randomUUID().toString().substring(0, 8)))
                .post("/api/v1/admin/clients")
                .then()
                .statusCode(201)
                .extract()
                .path("keys[0].key");
    }

    static RequestSpecification as(String key) {
        return given().header("X-Auth-Token", key);
    }

    static Map<String, Object> submission(int language, String source) {
        Map<String, Object> m = new HashMap<>();
        m.put("language_id", language);
        m.put("source_code", source);
        return m;
    }

    /** POST /judge0/submissions?wait=true: the finished submission. */
    static JsonPath run(String key, Map<String, Object> body, String query) {
        return as(key).contentType(ContentType.JSON)
                .body(body)
                .post("/judge0/submissions?wait=true" + (query.isEmpty() ? "" : "&" + query))
                .then()
                .statusCode(201)
                .extract()
                .jsonPath();
    }

    /** Polls GET /judge0/submissions/{token} until its status id is over 2 (finished). */
    static JsonPath poll(String key, String token, String query) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonPath p = as(key).get("/judge0/submissions/" + token + (query.isEmpty() ? "" : "?" + query))
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            if (p.getInt("status.id") > 2 || System.nanoTime() > deadline) {
                return p;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String unb64(String s) {
        return new String(Base64.getMimeDecoder().decode(s), StandardCharsets.UTF_8);
    }
}
