package dev.proctor.api;

import static dev.proctor.api.ApiTestSupport.newClientKey;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.proctor.testsupport.PostgresTestResource;
import dev.proctor.testsupport.ScriptedSandboxProfile;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code args}: command-line arguments after the profile's run command, passed as given, checked first. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(ScriptedSandboxProfile.class)
class JobArgsTest {

    private static Map<String, Object> job(Object args) {
        Map<String, Object> m = new HashMap<>(
                Map.of("profile", "python3", "files", List.of(Map.of("path", "main.py", "content", "args"))));
        m.put("args", args);
        return m;
    }

    @Test
    void argumentsReachTheProgramUnexpanded() {
        String key = newClientKey();
        given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(job(List.of("a b", "{heap_mb}", "")))
                .post("/api/v1/jobs?wait=true")
                .then()
                .statusCode(200)
                .body("tests[0].stdout", equalTo("a b\n{heap_mb}\n\n"));
    }

    @Test
    void badArgumentsAreRefusedByName() {
        String key = newClientKey();
        given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(job(Arrays.asList("ok", null)))
                .post("/api/v1/jobs")
                .then()
                .statusCode(400)
                .body("field", equalTo("args[1]"));
        given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(job(List.of("nul\u0000")))
                .post("/api/v1/jobs")
                .then()
                .statusCode(400)
                .body("field", equalTo("args[0]"));
        given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(job(java.util.Collections.nCopies(257, "x")))
                .post("/api/v1/jobs")
                .then()
                .statusCode(413)
                .body("field", equalTo("args"));
    }
}
