package dev.proctor.api;

import static dev.proctor.api.ApiTestSupport.newClientKey;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** An interactive job's request: each bad part of its interactor is refused by name, and nothing is stored. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(FakeSandboxProfile.class)
class InteractiveJobRequestTest {

    @Inject
    EntityManager em;

    static Map<String, Object> interactor() {
        Map<String, Object> i = new HashMap<>();
        i.put("protocol", "testlib");
        i.put("profile", "python3");
        i.put("files", List.of(Map.of("content", "print(1)")));
        return i;
    }

    static Map<String, Object> job(Map<String, Object> interactor) {
        Map<String, Object> m = new HashMap<>(ApiTestSupport.pythonJob("print(input())"));
        m.put("tests", List.of(Map.of("stdin", "5 10")));
        m.put("interactor", interactor);
        return m;
    }

    static Map<String, Object> with(String key, Object value) {
        Map<String, Object> i = interactor();
        if (value == null) {
            i.remove(key);
        } else {
            i.put(key, value);
        }
        return i;
    }

    static List<Arguments> refusals() {
        return List.of(
                Arguments.of(with("protocol", null), 400, "interactor.protocol"),
                Arguments.of(with("protocol", "icpc"), 400, "interactor.protocol"),
                Arguments.of(with("profile", null), 400, "interactor.profile"),
                Arguments.of(with("profile", "cobol"), 422, "interactor.profile"),
                Arguments.of(with("files", null), 400, "interactor.files"),
                Arguments.of(
                        with("files", List.of(Map.of("path", "../x", "content", "1"))),
                        422,
                        "interactor.files[0].path"),
                Arguments.of(with("limits", Map.of("cpu_time_ms", 10_000_000)), 422, "interactor.limits.cpu_time_ms"),
                Arguments.of(with("limits", Map.of("memory_mb", -1)), 400, "interactor.limits.memory_mb"));
    }

    @ParameterizedTest
    @MethodSource("refusals")
    void aBadInteractorIsRefusedByName(Map<String, Object> interactor, int status, String field) {
        String key = newClientKey();
        given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(job(interactor))
                .post("/api/v1/jobs")
                .then()
                .statusCode(status)
                .contentType("application/problem+json")
                .body("field", equalTo(field));
        assertEquals(0, jobsOf(key), "nothing is stored for a refused request");
    }

    private long jobsOf(String key) {
        return QuarkusTransaction.requiringNew()
                .call(() -> ((Number) em.createNativeQuery("SELECT count(*) FROM jobs j JOIN api_keys k"
                                        + " ON k.client_id = j.client_id WHERE k.key_hash = ?1")
                                .setParameter(1, dev.proctor.auth.ApiKeys.sha256(key))
                                .getSingleResult())
                        .longValue());
    }

    @Test
    void anInteractiveJobHasNoChecker() {
        Map<String, Object> j = job(interactor());
        j.put("checker", Map.of("type", "exact"));
        given().auth()
                .oauth2(newClientKey())
                .contentType(ContentType.JSON)
                .body(j)
                .post("/api/v1/jobs")
                .then()
                .statusCode(400)
                .body("field", equalTo("checker"));
    }

    @Test
    void aGoodInteractiveJobIsAccepted() {
        given().auth()
                .oauth2(newClientKey())
                .contentType(ContentType.JSON)
                .body(job(interactor()))
                .post("/api/v1/jobs")
                .then()
                .statusCode(202);
    }
}
