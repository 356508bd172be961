package dev.proctor.compat.piston;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.proctor.testsupport.PostgresTestResource;
import dev.proctor.testsupport.ScriptedSandboxProfile;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Piston's API v2 as its documentation describes it (GET /runtimes, POST /execute), against Proctor, with
 * the caller's Proctor key in the Authorization header or in the base URL. Runs are scripted
 * ({@link dev.proctor.testsupport.ScriptedSandboxEngine}).
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(ScriptedSandboxProfile.class)
class PistonApiTest {

    private static final String ADMIN = "pk_test_admin_0123456789abcdef";

    static String newKey() {
        return given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(Map.of("name", "piston-" + UUID.randomUUID().toString().substring(0, 8)))
                .post("/api/v1/admin/clients")
                .then()
                .statusCode(201)
                .extract()
                .path("keys[0].key");
    }

    static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key);
    }

    static Map<String, Object> exec(String language, String version, String source) {
        Map<String, Object> m = new HashMap<>();
        m.put("language", language);
        if (version != null) {
            m.put("version", version);
        }
        m.put("files", List.of(Map.of("content", source)));
        return m;
    }

    static JsonPath execute(String key, Map<String, Object> body) {
        return as(key).contentType(ContentType.JSON)
                .body(body)
                .post("/piston/api/v2/execute")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    @Test
    void theKeyComesInTheAuthorizationHeaderOrTheBaseUrl() {
        String key = newKey();
        given().get("/piston/api/v2/runtimes").then().statusCode(401).body("message", containsString("key"));
        as(key).get("/piston/api/v2/runtimes").then().statusCode(200);
        given().header("Authorization", key)
                .get("/piston/api/v2/runtimes")
                .then()
                .statusCode(200);
        given().get("/piston/k/" + key + "/api/v2/runtimes").then().statusCode(200);
        given().get("/piston/k/pk_wrong/api/v2/runtimes")
                .then()
                .statusCode(401)
                .body("message", not(containsString("pk_wrong")));
        given().contentType(ContentType.JSON)
                .body(exec("python", "*", "out via url"))
                .post("/piston/k/" + key + "/api/v2/execute")
                .then()
                .statusCode(200)
                .body("run.stdout", equalTo("via url\n"));
    }

    @Test
    void runtimesComeFromTheProfilesWithRealVersions() {
        String key = newKey();
        as(key).get("/piston/api/v2/runtimes")
                .then()
                .statusCode(200)
                .body("language", hasItems("python", "c", "c++", "java", "javascript", "go", "rust", "bash"))
                .body("find { it.language == 'python' }.version", equalTo("1.2.3"))
                .body("find { it.language == 'python' }.aliases", hasItem("py"))
                .body("find { it.language == 'c++' }.runtime", equalTo("gcc"))
                .body("find { it.language == 'python' }", not(hasKey("runtime")));
    }

    @Test
    void executeRunsTheFirstFileWithStdinAndArgs() {
        String key = newKey();
        Map<String, Object> body = exec("python", "1.2.3", "cat\nargs\nerr warn");
        body.put("stdin", "in\n");
        body.put("args", List.of("a", "b c"));
        JsonPath p = execute(key, body);
        assertEquals("python", p.getString("language"));
        assertEquals("1.2.3", p.getString("version"));
        assertEquals("in\na\nb c\n", p.getString("run.stdout"));
        assertEquals("warn\n", p.getString("run.stderr"));
        assertEquals("in\na\nb c\nwarn\n", p.getString("run.output"));
        assertEquals(0, p.getInt("run.code"));
        assertNull(p.get("run.signal"));
        assertNull(p.get("run.status"));
        assertNull(p.get("compile"));
        assertEquals(1, p.getInt("run.cpu_time"));
        assertEquals(1024 * 1024, p.getLong("run.memory"));
        // a Proctor job of the calling client
        given().auth()
                .oauth2(key)
                .get("/api/v1/jobs")
                .then()
                .statusCode(200)
                .body("jobs[0].metadata.piston.language", equalTo("python"));
    }

    @Test
    void languageByAliasAndVersionBySemverRange() {
        String key = newKey();
        for (String v : List.of("*", "1.x", "1", "^1.0.0", "~1.2.0", ">=1.2.3", "1.2.3")) {
            assertEquals("x\n", execute(key, exec("py", v, "out x")).getString("run.stdout"), v);
        }
        assertEquals("x\n", execute(key, exec("PYTHON3", null, "out x")).getString("run.stdout"));
        as(key).contentType(ContentType.JSON)
                .body(exec("python", "3.x", "out x"))
                .post("/piston/api/v2/execute")
                .then()
                .statusCode(400)
                .body("message", equalTo("python-3.x runtime is unknown"));
        as(key).contentType(ContentType.JSON)
                .body(exec("cobol", "*", "x"))
                .post("/piston/api/v2/execute")
                .then()
                .statusCode(400)
                .body("message", equalTo("cobol-* runtime is unknown"));
    }

    @Test
    void compiledLanguagesHaveACompileStageAndNoRunWhenItFails() {
        String key = newKey();
        JsonPath ok = execute(key, exec("c++", "*", "out compiled"));
        assertEquals(0, ok.getInt("compile.code"));
        assertNull(ok.get("compile.status"));
        assertEquals("compiled\n", ok.getString("run.stdout"));
        JsonPath bad = execute(key, exec("cpp", "*", "compile-error main.cpp:1: error"));
        assertEquals(1, bad.getInt("compile.code"));
        assertEquals("RE", bad.getString("compile.status"));
        assertEquals("main.cpp:1: error\n", bad.getString("compile.stderr"));
        assertEquals("main.cpp:1: error\n", bad.getString("compile.output"));
        assertNull(bad.get("run"));
    }

    @Test
    void runOutcomesGetPistonStatuses() {
        String key = newKey();
        record Case(String source, String status, Integer code, String signal) {}
        for (Case c : List.of(
                new Case("exit 3", "RE", 3, null),
                new Case("signal SIGSEGV", "SG", null, "SIGSEGV"),
                new Case("status TIME_LIMIT_EXCEEDED", "TO", 0, "SIGKILL"),
                new Case("status WALL_TIME_LIMIT_EXCEEDED", "TO", 0, "SIGKILL"),
                new Case("status MEMORY_LIMIT_EXCEEDED", "SG", 0, "SIGKILL"),
                new Case("status OUTPUT_LIMIT_EXCEEDED", "OL", 0, null))) {
            JsonPath p = execute(key, exec("python", "*", c.source()));
            assertEquals(c.status(), p.getString("run.status"), c.source());
            assertEquals(c.code(), p.get("run.code"), c.source());
            assertEquals(c.signal(), p.getString("run.signal"), c.source());
        }
    }

    @Test
    void fileEncodingsAreUtf8Base64AndHex() {
        String key = newKey();
        Map<String, Object> b64 = exec("python", "*", "");
        b64.put(
                "files",
                List.of(Map.of(
                        "content", Base64.getEncoder().encodeToString("out b64".getBytes()), "encoding", "base64")));
        assertEquals("b64\n", execute(key, b64).getString("run.stdout"));
        Map<String, Object> hex = exec("python", "*", "");
        hex.put(
                "files",
                List.of(
                        Map.of(
                                "content",
                                HexFormat.of().formatHex("out hex".getBytes(StandardCharsets.UTF_8)),
                                "encoding",
                                "hex"),
                        Map.of("name", "data.txt", "content", "second file")));
        assertEquals("hex\n", execute(key, hex).getString("run.stdout"));
        Map<String, Object> second = exec("python", "*", "");
        second.put("files", List.of(Map.of("content", "file data.txt"), Map.of("name", "data.txt", "content", "2nd")));
        assertEquals("2nd", execute(key, second).getString("run.stdout"));
        Map<String, Object> bad = exec("python", "*", "");
        bad.put("files", List.of(Map.of("content", "x", "encoding", "rot13")));
        as(key).contentType(ContentType.JSON)
                .body(bad)
                .post("/piston/api/v2/execute")
                .then()
                .statusCode(400)
                .body("message", equalTo("files[0].encoding must be one of utf8, base64, hex"));
    }

    @Test
    void badRequestsAre400WithAMessage() {
        String key = newKey();
        as(key).contentType(ContentType.JSON)
                .body(Map.of("files", List.of(Map.of("content", "x"))))
                .post("/piston/api/v2/execute")
                .then()
                .statusCode(400)
                .body("message", equalTo("language is required as a string"));
        as(key).contentType(ContentType.JSON)
                .body(Map.of("language", "python", "version", "*"))
                .post("/piston/api/v2/execute")
                .then()
                .statusCode(400)
                .body("message", equalTo("files is required as an array"));
        Map<String, Object> slow = exec("python", "*", "out x");
        slow.put("run_timeout", 10_000_000);
        as(key).contentType(ContentType.JSON)
                .body(slow)
                .post("/piston/api/v2/execute")
                .then()
                .statusCode(400)
                .body("message", containsString("run_timeout cannot exceed the configured limit of"));
        Map<String, Object> most = exec("python", "*", "out most");
        most.put("run_memory_limit", -1);
        most.put("compile_memory_limit", -1);
        most.put("run_timeout", 3000);
        most.put("compile_timeout", 10000);
        assertEquals("most\n", execute(key, most).getString("run.stdout"));
    }

    @Test
    void onlyJsonIsAcceptedButJsonLabelledTextPlainIsRead() {
        String key = newKey();
        as(key).contentType("application/xml")
                .body("<x/>")
                .post("/piston/api/v2/execute")
                .then()
                .statusCode(415)
                .body("message", equalTo("requests must be of type application/json"));
        as(key).contentType("text/plain;charset=UTF-8")
                .body("not json")
                .post("/piston/api/v2/execute")
                .then()
                .statusCode(415)
                .body("message", equalTo("requests must be of type application/json"));
        as(key).contentType("text/plain;charset=UTF-8")
                .body("{\"language\":\"python\",\"version\":\"*\",\"files\":[{\"content\":\"out plain\"}]}")
                .post("/piston/api/v2/execute")
                .then()
                .statusCode(200)
                .body("run.stdout", equalTo("plain\n"))
                .body("run.status", nullValue());
    }
}
