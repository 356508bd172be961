package dev.proctor.api;

import static dev.proctor.api.ApiTestSupport.awaitDone;
import static dev.proctor.api.ApiTestSupport.newClientKey;
import static dev.proctor.api.ApiTestSupport.pythonJob;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.proctor.testsupport.Gates;
import dev.proctor.testsupport.PostgresTestResource;
import dev.proctor.testsupport.ScriptedSandboxProfile;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code wait=true} for jobs this node runs (a free slot: inserted claimed, run here): the answer is written by the
 * thread that finished the job, so what a waiting request may not change is checked here. A run that lasts until
 * the test lets it go ({@code await PATH}, see ScriptedSandboxEngine) stands for a long job.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(ScriptedSandboxProfile.class)
class JobWaitLocalTest {

    private static Path gate() {
        return Gates.newGate();
    }

    /** The timeout answers 202 with the job still running here; the run goes on and its result is stored. */
    @Test
    void aTimeoutWhileTheJobRunsHereAnswers202AndTheJobStillEnds() throws IOException {
        String key = newClientKey();
        Path go = gate();
        String id = given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(pythonJob("await " + go + "\nout finished"))
                .post("/api/v1/jobs?wait=true&timeout_s=1")
                .then()
                .statusCode(202)
                .header("Location", containsString("/api/v1/jobs/"))
                .body("state", equalTo("running"))
                .extract()
                .path("id");
        Files.createFile(go);
        JsonPath done = awaitDone(key, id);
        assertEquals("done", done.getString("state"));
        assertEquals("accepted", done.getString("verdict"));
        assertEquals("finished\n", done.getString("tests[0].stdout"));
    }

    /**
     * A client that sends a waiting request and goes away before its job ends changes nothing for the job: it
     * runs to its end and is stored; the node goes on answering waiting requests.
     */
    @Test
    void aClientThatGoesAwayMidWaitChangesNothingForItsJob() throws IOException {
        String key = newClientKey();
        Path go = gate();
        String idempotencyKey = "gone-" + UUID.randomUUID();
        String json = "{\"profile\":\"python3\",\"files\":[{\"path\":\"main.py\",\"content\":\"await " + go
                + "\\nout still here\"}]}";
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String id;
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/jobs?wait=true&timeout_s=60 HTTP/1.1\r\nHost: localhost\r\n"
                            + "Authorization: Bearer " + key + "\r\nIdempotency-Key: " + idempotencyKey
                            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            // the same key without waiting: the job of the request above, once it is stored (running here)
            id = awaitStored(key, idempotencyKey, json);
        }
        // the waiting request's connection is closed now, its job still running
        Files.createFile(go);
        JsonPath done = awaitDone(key, id);
        assertEquals("accepted", done.getString("verdict"));
        assertEquals("still here\n", done.getString("tests[0].stdout"));
        given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(pythonJob("out next"))
                .post("/api/v1/jobs?wait=true&timeout_s=60")
                .then()
                .statusCode(200)
                .body("state", equalTo("done"))
                .body("tests[0].stdout", equalTo("next\n"));
    }

    /**
     * The job of the request with this Idempotency-Key: submitted again with the same key and body (whichever is
     * inserted first is the one job both stand for) until it is stored; its id.
     */
    private static String awaitStored(String key, String idempotencyKey, String json) {
        long deadline = System.nanoTime() + ApiTestSupport.JOB_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            var r = given().auth()
                    .oauth2(key)
                    .header("Idempotency-Key", idempotencyKey)
                    .contentType(ContentType.JSON)
                    .body(json)
                    .post("/api/v1/jobs")
                    .then()
                    .extract();
            if (r.statusCode() == 202) {
                return r.path("id");
            }
            ApiTestSupport.pause();
        }
        throw new AssertionError("the waiting request's job was never stored");
    }
}
