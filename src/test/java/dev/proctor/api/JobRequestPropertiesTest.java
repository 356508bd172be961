package dev.proctor.api;

import static dev.proctor.api.ApiTestSupport.newClient;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.testsupport.FakeSandboxProfile;
import dev.proctor.testsupport.PostgresTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Generated request bodies through the real HTTP stack and PostgreSQL: never a 5xx; every refusal is a 4xx
 * problem+json naming the field, and stores nothing; every acceptance stores exactly one job. The bodies
 * come from jqwik's generators ({@link RequestBodies}), sampled (jqwik's own runner cannot run inside a
 * Quarkus test); a failure prints the body.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(FakeSandboxProfile.class)
class JobRequestPropertiesTest {

    private static final int TRIES = Integer.getInteger("proctor.fuzz.tries", 400);

    @Inject
    EntityManager em;

    private long jobsOf(long clientId) {
        return QuarkusTransaction.requiringNew()
                .call(() -> ((Number) em.createNativeQuery("SELECT count(*) FROM jobs WHERE client_id = ?1")
                                .setParameter(1, clientId)
                                .getSingleResult())
                        .longValue());
    }

    @Test
    void generatedBodiesGetA4xxNamingTheFieldOrAJobNever5xx() {
        Iterator<String> bodies = RequestBodies.bodies().sampleStream().iterator();
        Map<String, Object> client = newClient(Map.of("max_concurrent_jobs", 1_000_000));
        String key = (String) client.get("key");
        long clientId = (Long) client.get("client_id");
        int accepted = 0;
        int refused = 0;
        for (int i = 0; i < TRIES; i++) {
            String body = bodies.next();
            String context = "try " + i + ": " + abbreviate(body);
            long before = jobsOf(clientId);
            Response r = given().auth()
                    .oauth2(key)
                    .contentType(ContentType.JSON)
                    .body(body.getBytes(StandardCharsets.UTF_8))
                    .post("/api/v1/jobs");
            int status = r.statusCode();
            assertTrue(status < 500, "5xx (" + status + " " + abbreviate(r.asString()) + ") for " + context);
            if (status >= 400) {
                refused++;
                assertTrue(r.contentType().startsWith("application/problem+json"), context);
                assertEquals(status, r.jsonPath().getInt("status"), context);
                String field = r.jsonPath().getString("field");
                assertNotNull(field, "no field named in " + r.asString() + " for " + context);
                assertTrue(!field.isBlank(), context);
                assertNotNull(r.jsonPath().getString("detail"), context);
                assertEquals(before, jobsOf(clientId), "a refused request stored a job: " + context);
            } else {
                accepted++;
                assertTrue(status == 201 || status == 202 || status == 200, status + " for " + context);
                assertEquals(before + 1, jobsOf(clientId), context);
            }
        }
        // the generator must reach both sides, or the property says little
        assertTrue(accepted > 0 && refused > TRIES / 2, "accepted " + accepted + ", refused " + refused);
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "… (" + s.length() + " chars)";
    }
}
