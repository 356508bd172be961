package dev.proctor.compat.judge0;

import static dev.proctor.compat.judge0.Judge0Support.ADMIN;
import static dev.proctor.compat.judge0.Judge0Support.as;
import static dev.proctor.compat.judge0.Judge0Support.b64;
import static dev.proctor.compat.judge0.Judge0Support.newKey;
import static dev.proctor.compat.judge0.Judge0Support.poll;
import static dev.proctor.compat.judge0.Judge0Support.run;
import static dev.proctor.compat.judge0.Judge0Support.submission;
import static dev.proctor.compat.judge0.Judge0Support.unb64;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.testsupport.PostgresTestResource;
import dev.proctor.testsupport.ScriptedSandboxProfile;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Judge0 CE API (v1.13.1) as its documentation describes it, against Proctor: authentication, the
 * submission routes with their fields and encodings, statuses, languages, validation. Runs are scripted
 * ({@link dev.proctor.testsupport.ScriptedSandboxEngine}): a source line says what the program does.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(ScriptedSandboxProfile.class)
class Judge0ApiTest {

    static final int PYTHON = 71;
    static final int CPP = 54;

    @Test
    void authenticationIsAProctorKeyInXAuthTokenAndAdminRoutesNeedXAuthUser() {
        String key = newKey();
        given().get("/judge0/statuses").then().statusCode(401).body(equalTo(""));
        given().header("X-Auth-Token", "pk_nonsense")
                .get("/judge0/statuses")
                .then()
                .statusCode(401);
        as(key).get("/judge0/statuses").then().statusCode(200);
        given().queryParam("X-Auth-Token", key).get("/judge0/languages").then().statusCode(200);
        as(key).post("/judge0/authenticate").then().statusCode(200);
        given().post("/judge0/authenticate").then().statusCode(401);
        given().header("X-Auth-User", key).post("/judge0/authorize").then().statusCode(403);
        given().header("X-Auth-User", ADMIN).post("/judge0/authorize").then().statusCode(200);
        as(key).get("/judge0/submissions").then().statusCode(403).body(equalTo(""));
        as(key).header("X-Auth-User", key).get("/judge0/workers").then().statusCode(403);
        as(key).header("X-Auth-User", ADMIN)
                .get("/judge0/workers")
                .then()
                .statusCode(200)
                .body("[0].queue", notNullValue());
    }

    @Test
    void statusesAndConfigInfoAreJudge0s() {
        String key = newKey();
        as(key).get("/judge0/statuses")
                .then()
                .statusCode(200)
                .body("", hasSize(14))
                .body("[0].id", equalTo(1))
                .body("[0].description", equalTo("In Queue"))
                .body("[6].description", equalTo("Runtime Error (SIGSEGV)"))
                .body("[13].description", equalTo("Exec Format Error"));
        as(key).get("/judge0/config_info")
                .then()
                .statusCode(200)
                .body("cpu_time_limit", equalTo(5.0f))
                .body("max_cpu_time_limit", equalTo(15.0f))
                .body("memory_limit", equalTo(128000))
                .body("max_number_of_runs", equalTo(20))
                .body("max_submission_batch_size", equalTo(20))
                .body("enable_network", equalTo(false));
        as(key).get("/judge0/about").then().statusCode(200).body("version", equalTo("1.13.1"));
        as(key).get("/judge0/version").then().statusCode(200).body(equalTo("1.13.1"));
        as(key).get("/judge0/system_info").then().statusCode(200).body("'CPU(s)'", notNullValue());
        as(key).get("/judge0/statistics").then().statusCode(200).body("submissions.total", notNullValue());
    }

    @Test
    void languagesListJudge0IdsWithTheProfilesRealVersions() {
        String key = newKey();
        as(key).get("/judge0/languages")
                .then()
                .statusCode(200)
                .body("id", hasItems(46, 50, 54, 60, 62, 63, 71, 73, 105))
                .body("find { it.id == 71 }.name", equalTo("Python (1.2.3)"))
                .body("find { it.id == 105 }.name", equalTo("C++ (GCC 1.2.3)"));
        as(key).get("/judge0/languages/all")
                .then()
                .statusCode(200)
                .body("find { it.id == 62 }.is_archived", equalTo(false));
        as(key).get("/judge0/languages/71")
                .then()
                .statusCode(200)
                .body("id", equalTo(71))
                .body("source_file", equalTo("main.py"))
                .body("run_cmd", containsString("python3"))
                .body("compile_cmd", nullValue());
        as(key).get("/judge0/languages/54").then().statusCode(200).body("compile_cmd", containsString("g++"));
        as(key).get("/judge0/languages/9999").then().statusCode(404).body("error", notNullValue());
    }

    @Test
    void waitTrueAnswers201WithTheDefaultFields() {
        String key = newKey();
        JsonPath p = run(key, submission(PYTHON, "out hello\ncpu 12\nmemory 3072"), "");
        assertEquals(
                Set.of("token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status"),
                p.getMap("").keySet());
        assertEquals(3, p.getInt("status.id"));
        assertEquals("Accepted", p.getString("status.description"));
        assertEquals("hello\n", p.getString("stdout"));
        assertNull(p.get("stderr"));
        assertNull(p.get("compile_output"));
        assertNull(p.get("message"));
        assertEquals("0.012", p.getString("time"));
        assertEquals(3072, p.getInt("memory"));
    }

    @Test
    void withoutWaitTheTokenComesBackAndPollingFinishesIt() {
        String key = newKey();
        var body = as(key).contentType(ContentType.JSON)
                .body(submission(PYTHON, "out hi"))
                .post("/judge0/submissions")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath();
        assertEquals(Set.of("token"), body.getMap("").keySet());
        JsonPath p = poll(key, body.getString("token"), "");
        assertEquals(3, p.getInt("status.id"));
        assertEquals("hi\n", p.getString("stdout"));
        // the submission is a Proctor job of the calling client, seen through Proctor's own API
        given().auth()
                .oauth2(key)
                .get("/api/v1/jobs/" + body.getString("token"))
                .then()
                .statusCode(200)
                .body("profile", equalTo("python3"))
                .body("metadata.judge0.language_id", equalTo(PYTHON));
        as(newKey())
                .get("/judge0/submissions/" + body.getString("token"))
                .then()
                .statusCode(404);
        as(key).get("/judge0/submissions/not-a-token").then().statusCode(404);
    }

    @Test
    void expectedOutputIsComparedAfterRightStrippingLinesAndText() {
        String key = newKey();
        Map<String, Object> ok = submission(PYTHON, "out hello   \nout world\nout ");
        ok.put("expected_output", "hello\nworld\n\n");
        assertEquals(3, run(key, ok, "").getInt("status.id"));
        Map<String, Object> wrong = submission(PYTHON, "out hello world");
        wrong.put("expected_output", "hello  world");
        JsonPath p = run(key, wrong, "");
        assertEquals(4, p.getInt("status.id"));
        assertEquals("Wrong Answer", p.getString("status.description"));
    }

    @Test
    void runtimeOutcomesGetJudge0sStatusIds() {
        String key = newKey();
        record Case(String source, int status, String message) {}
        List<Case> cases = List.of(
                new Case("exit 3", 11, "Exited with error status 3"),
                new Case("signal SIGSEGV", 7, "Caught fatal signal 11"),
                new Case("signal SIGXFSZ", 8, "Caught fatal signal 25"),
                new Case("signal SIGFPE", 9, "Caught fatal signal 8"),
                new Case("signal SIGABRT", 10, "Caught fatal signal 6"),
                new Case("signal SIGKILL", 12, "Caught fatal signal 9"),
                new Case("status TIME_LIMIT_EXCEEDED", 5, "Time limit exceeded"),
                new Case("status WALL_TIME_LIMIT_EXCEEDED", 5, "Time limit exceeded (wall clock)"),
                new Case("status MEMORY_LIMIT_EXCEEDED", 12, "Memory limit exceeded"),
                new Case("status OUTPUT_LIMIT_EXCEEDED", 8, "Output limit exceeded"),
                new Case("cpu 5500", 5, "Time limit exceeded"));
        for (Case c : cases) {
            JsonPath p = run(key, submission(PYTHON, c.source()), "fields=status,message,exit_code,exit_signal");
            assertEquals(c.status(), p.getInt("status.id"), c.source());
            assertEquals(c.message(), p.getString("message"), c.source());
        }
        JsonPath nzec = run(key, submission(PYTHON, "exit 3"), "fields=exit_code,exit_signal");
        assertEquals(3, nzec.getInt("exit_code"));
        assertNull(nzec.get("exit_signal"));
        assertEquals(
                11,
                run(key, submission(PYTHON, "signal SIGSEGV"), "fields=exit_signal")
                        .getInt("exit_signal"));
    }

    @Test
    void compileErrorsAreStatus6WithTheCompilerOutput() {
        String key = newKey();
        JsonPath p = run(key, submission(CPP, "compile-error main.cpp:1: expected ';'"), "");
        assertEquals(6, p.getInt("status.id"));
        assertEquals("Compilation Error", p.getString("status.description"));
        assertEquals("main.cpp:1: expected ';'\n", p.getString("compile_output"));
        assertEquals(3, run(key, submission(105, "out ok"), "").getInt("status.id"));
    }

    @Test
    void base64EncodedDecodesInputsLenientlyAndEncodesOutputsAsMime() {
        String key = newKey();
        Map<String, Object> s = submission(PYTHON, b64("cat"));
        String input = "x".repeat(100) + "\n";
        // Judge0 decodes leniently: line breaks and missing padding are fine
        s.put("stdin", b64(input).replaceAll("(.{20})", "$1\n").replace("=", ""));
        s.put("expected_output", b64(input));
        JsonPath p = run(key, s, "base64_encoded=true&fields=stdout,source_code,stdin,status");
        assertEquals(3, p.getInt("status.id"));
        String out = p.getString("stdout");
        assertEquals(input, unb64(out));
        for (String line : out.split("\n")) {
            assertTrue(line.length() <= 60, out);
        }
        assertTrue(out.endsWith("\n"));
        assertEquals(b64(input).substring(0, 60) + "\n", out.substring(0, 61));
        assertEquals("Y2F0\n", p.getString("source_code"));
        assertEquals(input, unb64(p.getString("stdin")));
    }

    @Test
    void nonUtf8OutputNeedsBase64() {
        String key = newKey();
        var token = as(key).contentType(ContentType.JSON)
                .body(submission(PYTHON, "hex fffe41"))
                .post("/judge0/submissions")
                .then()
                .statusCode(201)
                .extract()
                .<String>path("token");
        poll(key, token, "base64_encoded=true");
        as(key).get("/judge0/submissions/" + token)
                .then()
                .statusCode(400)
                .body(
                        "error",
                        equalTo(
                                "some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query "
                                        + "parameter"));
        as(key).get("/judge0/submissions/" + token + "?base64_encoded=true")
                .then()
                .statusCode(200)
                .body("stdout", equalTo("//5B\n"));
        // fields that are text are fine without base64
        as(key).get("/judge0/submissions/" + token + "?fields=status,time")
                .then()
                .statusCode(200);
    }

    @Test
    void fieldsSelectAttributesAndUnknownNamesAre400() {
        String key = newKey();
        Map<String, Object> s = submission(PYTHON, "out x");
        s.put("stdin", "in");
        JsonPath all = run(key, s, "fields=*");
        assertTrue(
                all.getMap("").keySet().containsAll(Judge0View.ALL_FIELDS),
                all.getMap("").keySet().toString());
        assertEquals(PYTHON, all.getInt("language_id"));
        assertEquals(PYTHON, all.getInt("language.id"));
        assertEquals("Python (1.2.3)", all.getString("language.name"));
        assertEquals("out x", all.getString("source_code"));
        assertEquals("in", all.getString("stdin"));
        assertEquals("5.0", all.getString("cpu_time_limit"));
        assertEquals("1.0", all.getString("cpu_extra_time"));
        assertEquals("10.0", all.getString("wall_time_limit"));
        assertEquals(128000, all.getInt("memory_limit"));
        assertEquals(1, all.getInt("number_of_runs"));
        assertEquals(3, all.getInt("status_id"));
        assertTrue(all.getString("wall_time").matches("\\d+\\.\\d+"));
        String token = all.getString("token");
        JsonPath two = as(key).get("/judge0/submissions/" + token + "?fields=stdout,status_id")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(Set.of("stdout", "status_id"), two.getMap("").keySet());
        as(key).get("/judge0/submissions/" + token + "?fields=stdout,foo,bar")
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid fields: [\"foo\", \"bar\"]"));
    }

    @Test
    void validationErrorsAre422ByField() {
        String key = newKey();
        as(key).contentType(ContentType.JSON)
                .body(Map.of())
                .post("/judge0/submissions")
                .then()
                .statusCode(422)
                .body("source_code", hasItems("can't be blank"))
                .body("language_id", hasItems("can't be blank"));
        as(key).contentType(ContentType.JSON)
                .body(submission(9999, "x"))
                .post("/judge0/submissions")
                .then()
                .statusCode(422)
                .body("language_id[0]", equalTo("language with id 9999 doesn't exist"));
        record Case(String field, Object value, String message) {}
        for (Case c : List.of(
                new Case("cpu_time_limit", 16, "must be less than or equal to 15.0"),
                new Case("cpu_extra_time", "6", "must be less than or equal to 5.0"),
                new Case("wall_time_limit", 21, "must be less than or equal to 20.0"),
                new Case("memory_limit", 600000, "must be less than or equal to 512000"),
                new Case("memory_limit", 100, "must be greater than or equal to 2048"),
                new Case("memory_limit", "lots", "is not a number"),
                new Case("number_of_runs", 21, "must be less than or equal to 20"),
                new Case("max_processes_and_or_threads", 121, "must be less than or equal to 120"),
                new Case("max_file_size", 5000, "must be less than or equal to 4096"),
                new Case("stack_limit", 200000, "must be less than or equal to 128000"),
                new Case("enable_network", true, "enabling network is not allowed"),
                new Case("callback_url", "ftp://x", "is not a valid URL"),
                new Case("compiler_options", "-O3", "setting compiler options is not supported by this server"))) {
            Map<String, Object> s = submission(PYTHON, "out x");
            s.put(c.field(), c.value());
            as(key).contentType(ContentType.JSON)
                    .body(s)
                    .post("/judge0/submissions")
                    .then()
                    .statusCode(422)
                    .body(c.field() + "[0]", equalTo(c.message()));
        }
        // limits within Judge0's bounds given as strings, as a form would send them, are fine
        Map<String, Object> s = submission(PYTHON, "out x");
        s.put("cpu_time_limit", "2.5");
        s.put("memory_limit", "256000");
        s.put("enable_per_process_and_thread_time_limit", "true");
        assertEquals("2.5", run(key, s, "fields=cpu_time_limit").getString("cpu_time_limit"));
    }

    @Test
    void formEncodedSubmissionsWork() {
        String key = newKey();
        String token = as(key).contentType(ContentType.URLENC)
                .formParam("language_id", "71")
                .formParam("source_code", "out form")
                .post("/judge0/submissions")
                .then()
                .statusCode(201)
                .extract()
                .path("token");
        assertEquals("form\n", poll(key, token, "").getString("stdout"));
    }

    @Test
    void commandLineArgumentsAreSplitAsAShellWould() {
        String key = newKey();
        Map<String, Object> s = submission(PYTHON, "args");
        s.put("command_line_arguments", "a 'b c' \"d e\" f\\ g");
        assertEquals("a\nb c\nd e\nf g\n", run(key, s, "").getString("stdout"));
    }

    @Test
    void redirectStderrToStdoutMergesTheStreams() {
        String key = newKey();
        Map<String, Object> s = submission(PYTHON, "out x\nerr y");
        s.put("redirect_stderr_to_stdout", true);
        JsonPath p = run(key, s, "");
        assertEquals("x\ny\n", p.getString("stdout"));
        assertNull(p.get("stderr"));
        assertEquals("y\n", run(key, submission(PYTHON, "out x\nerr y"), "").getString("stderr"));
    }

    @Test
    void numberOfRunsRunsTheProgramThatManyTimes() {
        String key = newKey();
        Map<String, Object> s = submission(PYTHON, "out x\ncpu 30");
        s.put("number_of_runs", 3);
        JsonPath p = run(key, s, "fields=token,time,status,number_of_runs");
        assertEquals("0.03", p.getString("time"));
        assertEquals(3, p.getInt("number_of_runs"));
        given().auth()
                .oauth2(key)
                .get("/api/v1/jobs/" + p.getString("token"))
                .then()
                .statusCode(200)
                .body("tests", hasSize(3));
    }

    @Test
    void additionalFilesAreUnzippedBesideTheSource() throws Exception {
        String key = newKey();
        var bytes = new java.io.ByteArrayOutputStream();
        try (var zip = new java.util.zip.ZipOutputStream(bytes)) {
            zip.putNextEntry(new java.util.zip.ZipEntry("data/input.txt"));
            zip.write("from the zip\n".getBytes());
            zip.closeEntry();
        }
        Map<String, Object> s = submission(PYTHON, "file data/input.txt");
        s.put("additional_files", java.util.Base64.getEncoder().encodeToString(bytes.toByteArray()));
        assertEquals("from the zip\n", run(key, s, "").getString("stdout"));
        s.put("additional_files", b64("not a zip"));
        as(key).contentType(ContentType.JSON)
                .body(s)
                .post("/judge0/submissions")
                .then()
                .statusCode(422)
                .body("additional_files", notNullValue());
    }

    @Test
    void batchesSubmitInOrderAndReadBackWithNullsForUnknownTokens() {
        String key = newKey();
        List<Map<String, Object>> items =
                List.of(submission(PYTHON, "out one"), submission(9999, "x"), submission(PYTHON, "out three"));
        JsonPath created = as(key).contentType(ContentType.JSON)
                .body(Map.of("submissions", items))
                .post("/judge0/submissions/batch")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath();
        assertEquals(3, created.getList("").size());
        assertNotNullToken(created.getString("[0].token"));
        assertEquals("language with id 9999 doesn't exist", created.getString("[1].language_id[0]"));
        assertNotNullToken(created.getString("[2].token"));
        String tokens = created.getString("[0].token") + "," + created.getString("[2].token")
                + ",00000000-0000-0000-0000-000000000000";
        poll(key, created.getString("[0].token"), "");
        poll(key, created.getString("[2].token"), "");
        JsonPath got = as(key).get("/judge0/submissions/batch?tokens=" + tokens + "&fields=stdout,status_id")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals("one\n", got.getString("submissions[0].stdout"));
        assertEquals("three\n", got.getString("submissions[1].stdout"));
        assertNull(got.get("submissions[2]"));
        List<Map<String, Object>> tooMany = java.util.Collections.nCopies(21, submission(PYTHON, "out x"));
        as(key).contentType(ContentType.JSON)
                .body(Map.of("submissions", tooMany))
                .post("/judge0/submissions/batch")
                .then()
                .statusCode(400)
                .body("error", notNullValue());
    }

    private static void assertNotNullToken(String token) {
        assertTrue(token != null && token.matches("[0-9a-f-]{36}"), String.valueOf(token));
    }

    @Test
    void listingAndDeletingNeedXAuthUser() {
        String key = newKey();
        String token = run(key, submission(PYTHON, "out x"), "").getString("token");
        as(key).header("X-Auth-User", ADMIN)
                .get("/judge0/submissions?per_page=2&fields=token")
                .then()
                .statusCode(200)
                .body("submissions", hasSize(1))
                .body("meta.total_count", equalTo(1))
                .body("meta.current_page", equalTo(1));
        as(key).delete("/judge0/submissions/" + token).then().statusCode(403);
        as(key).header("X-Auth-User", ADMIN)
                .delete("/judge0/submissions/" + token + "?fields=stdout")
                .then()
                .statusCode(200)
                .body("stdout", equalTo("x\n"));
        as(key).get("/judge0/submissions/" + token).then().statusCode(404);
    }

    @Test
    void theSameRoutesAnswerAtTheRootAndCorsAllowsBrowsers() {
        String key = newKey();
        as(key).get("/statuses").then().statusCode(200).body("", hasSize(14));
        String token = as(key).contentType(ContentType.JSON)
                .body(submission(PYTHON, "out root"))
                .post("/submissions?base64_encoded=false&wait=true")
                .then()
                .statusCode(201)
                .extract()
                .path("token");
        as(key).get("/submissions/" + token).then().statusCode(200).body("stdout", equalTo("root\n"));
        given().header("Origin", "http://ide.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type,x-auth-token")
                .options("/judge0/submissions")
                .then()
                .statusCode(204)
                .header("Access-Control-Allow-Origin", "http://ide.example")
                .header("Access-Control-Allow-Headers", "content-type,x-auth-token")
                .header("Access-Control-Allow-Methods", containsString("POST"));
        as(key).header("Origin", "http://ide.example")
                .get("/judge0/languages")
                .then()
                .statusCode(200)
                .header("Access-Control-Allow-Origin", "http://ide.example");
        // Proctor's own API is not opened to other origins by the facade
        given().header("Origin", "http://ide.example")
                .header("Access-Control-Request-Method", "POST")
                .options("/api/v1/jobs")
                .then()
                .header("Access-Control-Allow-Origin", nullValue());
    }

    @Test
    void callbacksPutTheDefaultFieldsInBase64() throws Exception {
        String key = newKey();
        var received = new java.util.concurrent.LinkedBlockingQueue<String[]>();
        var server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", ex -> {
            received.add(new String[] {
                ex.getRequestMethod(), new String(ex.getRequestBody().readAllBytes())
            });
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        try {
            Map<String, Object> s = submission(PYTHON, "out called back");
            s.put("callback_url", "http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
            String token = as(key).contentType(ContentType.JSON)
                    .body(s)
                    .post("/judge0/submissions")
                    .then()
                    .statusCode(201)
                    .extract()
                    .path("token");
            String[] got = received.poll(60, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(got != null, "no callback within 60 s");
            assertEquals("PUT", got[0]);
            JsonPath body = new JsonPath(got[1]);
            assertEquals(token, body.getString("token"));
            assertEquals(3, body.getInt("status.id"));
            assertEquals("called back\n", unb64(body.getString("stdout")));
            assertTrue(body.getString("time").matches("\\d+\\.\\d+"));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void timeAndLimitsAreDecimalStrings() {
        String key = newKey();
        Map<String, Object> s = submission(PYTHON, "out x\ncpu 1");
        s.put("cpu_time_limit", 2);
        JsonPath p = run(key, s, "fields=time,cpu_time_limit,memory");
        assertEquals("0.001", p.getString("time"));
        assertEquals("2.0", p.getString("cpu_time_limit"));
        assertTrue(p.get("memory") instanceof Integer);
        as(key).get("/judge0/submissions/" + run(key, s, "").getString("token") + "?fields=time")
                .then()
                .body("time", matchesPattern("\\d+\\.\\d+"));
    }
}
