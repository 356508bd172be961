package dev.proctor.api;

import static dev.proctor.api.ApiTestSupport.newClientKey;
import static dev.proctor.api.ApiTestSupport.pythonJob;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.proctor.testsupport.NoDispatchProfile;
import dev.proctor.testsupport.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/**
 * A waiting request whose job does not finish in time (this node claims nothing) is answered at its timeout
 * with the job as it is: 202, queued, with its Location; cancelling it then ends it.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(NoDispatchProfile.class)
class JobWaitTimeoutTest {

    @Test
    void aWaitThatTimesOutAnswersWithTheQueuedJob() {
        String key = newClientKey();
        String id = given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(pythonJob("print(1)"))
                .post("/api/v1/jobs?wait=true&timeout_s=1")
                .then()
                .statusCode(202)
                .header("Location", containsString("/api/v1/jobs/"))
                .body("state", equalTo("queued"))
                .extract()
                .path("id");
        given().auth()
                .oauth2(key)
                .post("/api/v1/jobs/" + id + "/cancel")
                .then()
                .statusCode(200)
                .body("state", equalTo("cancelled"));
    }
}
