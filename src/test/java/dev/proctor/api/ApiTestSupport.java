package dev.proctor.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Helpers shared by the HTTP-level tests. */
public final class ApiTestSupport {

    static final String ADMIN = "pk_test_admin_0123456789abcdef";

    /**
     * How long a test waits for a job: far beyond what any job of the tests needs, so that a busy
     * machine (the jobs queue up behind each other on its slots) only makes a test slower.
     */
    public static final Duration JOB_DEADLINE = Duration.ofMinutes(10);

    /**
     * Run limits far above what a program that is not meant to hit them needs: the run maximum of
     * every profile in sandbox-profiles/languages. A test that expects one limit to trigger sets
     * that one and keeps these for the others.
     */
    public static final Map<String, Object> ROOMY = Map.of("cpu_time_ms", 10_000, "wall_time_ms", 30_000);

    /** Compile limits likewise: the server's maximum (profiles allow more, the server caps them). */
    public static final Map<String, Object> ROOMY_COMPILE = Map.of("cpu_time_ms", 20_000, "wall_time_ms", 60_000);

    private ApiTestSupport() {}

    /** A fresh client with its first key; returns {key, client id, key id, webhook secret}. */
    static Map<String, Object> newClient(Map<String, Object> quota) {
        Map<String, Object> body = new java.util.HashMap<>(quota);
        body.put("name", "c-" + UUID.randomUUID().toString().substring(0, 8));
        var r = given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/api/v1/admin/clients")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath();
        return Map.of(
                "key",
                r.getString("keys[0].key"),
                "client_id",
                r.getLong("id"),
                "key_id",
                r.getLong("keys[0].id"),
                "secret",
                r.getString("webhook_secret"));
    }

    static String newClientKey() {
        return (String) newClient(Map.of()).get("key");
    }

    static Map<String, Object> pythonJob(String source) {
        return Map.of("profile", "python3", "files", java.util.List.of(Map.of("path", "main.py", "content", source)));
    }

    /**
     * Submits a job, waiting for it as long as the server allows, then polls it until it is done
     * (or cancelled); returns the finished job. Fails after {@link #JOB_DEADLINE}.
     */
    public static JsonPath submitAndAwait(String key, Map<String, Object> body) {
        String id = given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(body)
                .queryParam("wait", true)
                // below the test client's own read timeout (quarkus.http.test-timeout, 30 s): a job longer than
                // that on a slow machine is answered 202 and polled, not cut off by the client
                .queryParam("timeout_s", 20)
                .post("/api/v1/jobs")
                .then()
                .statusCode(anyOf(equalTo(200), equalTo(202)))
                .extract()
                .path("id");
        return awaitDone(key, id);
    }

    /** Polls the job until it is done or cancelled; fails after {@link #JOB_DEADLINE}. */
    public static JsonPath awaitDone(String key, String id) {
        long deadline = System.nanoTime() + JOB_DEADLINE.toNanos();
        JsonPath job;
        do {
            job = given().auth()
                    .oauth2(key)
                    .get("/api/v1/jobs/" + id)
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            String state = job.getString("state");
            if ("done".equals(state) || "cancelled".equals(state)) {
                return job;
            }
            pause();
        } while (System.nanoTime() < deadline);
        throw new AssertionError("job " + id + " not done after " + JOB_DEADLINE + ": " + job.prettify());
    }

    /** Between two polls. */
    static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while polling", e);
        }
    }
}
