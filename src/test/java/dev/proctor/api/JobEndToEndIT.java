package dev.proctor.api;

import static dev.proctor.api.ApiTestSupport.newClient;
import static dev.proctor.api.ApiTestSupport.newClientKey;
import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.proctor.testsupport.PostgresTestResource;
import dev.proctor.testsupport.RealSandboxProfile;
import dev.proctor.webhooks.WebhookSender;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Jobs through the HTTP API, the queue and the real sandbox. Jobs run with limits far above what
 * they need ({@link ApiTestSupport#ROOMY}) unless a test is about a limit, and every wait polls to
 * a deadline far beyond what the jobs need: a busy machine makes the tests slower, never red.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(RealSandboxProfile.class)
class JobEndToEndIT {

    @Inject
    EntityManager em;

    @BeforeAll
    static void root() {
        requireKernel("root".equals(System.getProperty("user.name")), "the sandbox needs root");
    }

    private static JsonPath submitAndWait(String key, Map<String, Object> body) {
        JsonPath done = ApiTestSupport.submitAndAwait(key, body);
        assertEquals("done", done.getString("state"), done::prettify);
        return done;
    }

    private static Map<String, Object> job(String profile, String source, Object tests) {
        Map<String, Object> m = new HashMap<>();
        m.put("profile", profile);
        m.put("files", List.of(Map.of("content", source)));
        if (tests != null) {
            m.put("tests", tests);
        }
        m.put("limits", ApiTestSupport.ROOMY);
        return m;
    }

    /** {@code job}'s limits with some items replaced. */
    private static Map<String, Object> limits(Map<String, Object> job, Object... items) {
        Map<String, Object> limits = new HashMap<>(ApiTestSupport.ROOMY);
        for (int i = 0; i < items.length; i += 2) {
            limits.put((String) items[i], items[i + 1]);
        }
        job.put("limits", limits);
        return job;
    }

    @Test
    void pythonHelloIsAcceptedAndWrongOutputIsWrongAnswer() {
        String key = newClientKey();
        String hello = "print('hello')";
        JsonPath ok =
                submitAndWait(key, job("python3", hello, List.of(Map.of("name", "a", "expected_output", "hello\n"))));
        assertEquals("accepted", ok.getString("verdict"));
        assertEquals(1.0, ok.getDouble("score"));
        assertEquals("hello\n", ok.getString("tests[0].stdout"));
        JsonPath wa = submitAndWait(
                key,
                job(
                        "python3",
                        hello,
                        List.of(
                                Map.of("name", "a", "expected_output", "hello\n"),
                                Map.of("name", "b", "expected_output", "bye\n"))));
        assertEquals("wrong_answer", wa.getString("verdict"));
        assertEquals(0.5, wa.getDouble("score"));
        assertEquals("wrong_answer", wa.getString("tests[1].verdict"));
    }

    @Test
    void cCompileErrorCarriesTheMessage() {
        JsonPath r = submitAndWait(newClientKey(), job("c", "int main( { return 0; }", null));
        assertEquals("compile_error", r.getString("verdict"));
        assertTrue(r.getString("compile.output").contains("error"), r.getString("compile.output"));
    }

    @Test
    void cWithTestsRunsCompiledProgram() {
        String src = "#include <stdio.h>\nint main(void){int a,b;scanf(\"%d %d\",&a,&b);printf(\"%d\\n\",a+b);}";
        JsonPath r = submitAndWait(
                newClientKey(),
                job(
                        "c",
                        src,
                        List.of(
                                Map.of("stdin", "1 2\n", "expected_output", "3\n"),
                                Map.of("stdin", "40 2\n", "expected_output", "42\n"))));
        assertEquals("accepted", r.getString("verdict"), r.prettify());
    }

    /**
     * Each test gets the compile step's files afresh (issue 10, item 11): a program that replaces
     * ./main and leaves a marker on its first test would otherwise break or change every later one.
     */
    @Test
    void aTestCannotRewriteMainOrLeaveStateForTheNext() {
        String src = """
                #include <stdio.h>
                #include <sys/stat.h>
                #include <unistd.h>
                int main(void) {
                    if (access("seen", F_OK) == 0) { puts("again"); return 0; }
                    FILE *f = fopen("seen", "w");
                    if (f) fclose(f);
                    unlink("main");
                    f = fopen("main", "w");
                    if (f) { fputs("#!/bin/sh\\necho hijacked\\n", f); fclose(f); }
                    chmod("main", 0755);
                    puts("first");
                    return 0;
                }
                """;
        JsonPath r = submitAndWait(
                newClientKey(),
                job(
                        "c",
                        src,
                        List.of(
                                Map.of("name", "a", "expected_output", "first\n"),
                                Map.of("name", "b", "expected_output", "first\n"),
                                Map.of("name", "c", "expected_output", "first\n"))));
        assertEquals("accepted", r.getString("verdict"), r.prettify());
    }

    @Test
    void limitsGiveTheirVerdicts() {
        String key = newClientKey();
        // 300 ms of CPU, and 100 times that of wall time
        Map<String, Object> tle = limits(job("python3", "while True: pass", null), "cpu_time_ms", 300);
        assertEquals("time_limit_exceeded", submitAndWait(key, tle).getString("verdict"));
        Map<String, Object> mle = limits(
                job("python3", "x = bytearray(200 * 1024 * 1024)\n" + "x[::4096] = b'1' * len(x[::4096])", null),
                "memory_mb",
                64);
        assertEquals("memory_limit_exceeded", submitAndWait(key, mle).getString("verdict"));
        assertEquals(
                "runtime_error",
                submitAndWait(key, job("python3", "raise SystemExit(3)", null)).getString("verdict"));
    }

    @Test
    void checkersAcceptAndReject() {
        String key = newClientKey();
        String[][] cases = {
            {"exact", "1 2\n", "print('1 2')", "accepted"},
            {"exact", "1 2", "print('1 2')", "wrong_answer"},
            {"trimmed", "1 2", "print('1 2   ')", "accepted"},
            {"trimmed", "1 2", "print('1  2')", "wrong_answer"},
            {"tokens", "1 2", "print('1\\n  2')", "accepted"},
            {"tokens", "1 2", "print('1 3')", "wrong_answer"},
            {"float", "0.333333", "print(1/3)", "accepted"},
            {"float", "0.3", "print(1/3)", "wrong_answer"},
        };
        for (String[] c : cases) {
            Map<String, Object> body = job("python3", c[2], List.of(Map.of("expected_output", c[1])));
            body.put("checker", Map.of("type", c[0]));
            assertEquals(c[3], submitAndWait(key, body).getString("verdict"), String.join(" | ", c));
        }
        String checker = "import sys\nout=open(sys.argv[2]).read().split()\nans=open(sys.argv[3]).read().split()\n"
                + "sys.exit(0 if sorted(out)==sorted(ans) else 1)";
        for (String[] c : new String[][] {{"print('2 1')", "accepted"}, {"print('2 2')", "wrong_answer"}}) {
            Map<String, Object> body = job("python3", c[0], List.of(Map.of("expected_output", "1 2")));
            body.put(
                    "checker",
                    Map.of("type", "program", "profile", "python3", "files", List.of(Map.of("content", checker))));
            assertEquals(c[1], submitAndWait(key, body).getString("verdict"));
        }
    }

    @Test
    void withoutWaitTheJobIsPolledToDone() {
        String key = newClientKey();
        String id = given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(job("bash", "echo hi", List.of(Map.of("expected_output", "hi"))))
                .post("/api/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        JsonPath done = ApiTestSupport.awaitDone(key, id);
        assertEquals("done", done.getString("state"));
        assertEquals("accepted", done.getString("verdict"));
    }

    @Test
    void cancelKillsARunningJob() {
        String key = newClientKey();
        Map<String, Object> body = job("python3", "while True: pass", null);
        String id = given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/api/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        long deadline = System.nanoTime() + ApiTestSupport.JOB_DEADLINE.toNanos();
        while (System.nanoTime() < deadline
                && !"running"
                        .equals(given().auth()
                                .oauth2(key)
                                .get("/api/v1/jobs/" + id)
                                .then()
                                .extract()
                                .path("state"))) {
            ApiTestSupport.pause();
        }
        given().auth()
                .oauth2(key)
                .post("/api/v1/jobs/" + id + "/cancel")
                .then()
                .statusCode(200)
                .body("state", equalTo("cancelled"));
        // the slot comes back: a short job after it finishes promptly
        submitAndWait(key, job("bash", "true", null));
    }

    @Test
    void manyClientsManyJobsEachRunExactlyOnce() throws Exception {
        int clients = 20;
        int perClient = 10;
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            keys.add(
                    (String) newClient(Map.of("max_concurrent_jobs", perClient)).get("key"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<List<String>>> submitted = new ArrayList<>();
        for (String key : keys) {
            submitted.add(pool.submit(() -> {
                List<String> ids = new ArrayList<>();
                for (int j = 0; j < perClient; j++) {
                    ids.add(given().auth()
                            .oauth2(key)
                            .contentType(ContentType.JSON)
                            .header("Idempotency-Key", "k" + j)
                            .body(job("bash", "echo " + j, List.of(Map.of("expected_output", String.valueOf(j)))))
                            .post("/api/v1/jobs")
                            .then()
                            .statusCode(202)
                            .extract()
                            .path("id"));
                }
                return ids;
            }));
        }
        List<String> all = new ArrayList<>();
        for (Future<List<String>> f : submitted) {
            all.addAll(f.get(ApiTestSupport.JOB_DEADLINE.toSeconds(), TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertEquals(clients * perClient, all.stream().distinct().count());
        long deadline = System.nanoTime() + ApiTestSupport.JOB_DEADLINE.toNanos();
        long done = 0;
        while (System.nanoTime() < deadline && done < all.size()) {
            done = count("SELECT count(*) FROM jobs WHERE state = 'done' AND CAST(id AS text) IN ("
                    + String.join(",", all.stream().map(s -> "'" + s + "'").toList()) + ")");
            if (done < all.size()) {
                ApiTestSupport.pause();
            }
        }
        assertEquals(all.size(), done);
        String in = String.join(",", all.stream().map(s -> "'" + s + "'").toList());
        assertEquals(
                all.size(),
                count("SELECT count(*) FROM runs WHERE kind = 'test' AND CAST(job_id AS text) IN (" + in + ")"));
        assertEquals(
                all.size(),
                count("SELECT count(*) FROM jobs WHERE verdict = 'accepted' AND attempts = 1 "
                        + "AND CAST(id AS text) IN (" + in + ")"),
                () -> QuarkusTransaction.requiringNew()
                        .call(() -> em.createNativeQuery(
                                        "SELECT verdict || ' attempts=' || attempts || ' ' || COALESCE(error, '') || ' '"
                                                + " || COALESCE(CAST(result AS text), '') FROM jobs WHERE (verdict <> 'accepted' OR attempts <> 1)"
                                                + " AND CAST(id AS text) IN (" + in + ")")
                                .getResultList()
                                .toString()));
    }

    private long count(String sql) {
        return QuarkusTransaction.requiringNew()
                .call(() -> ((Number) em.createNativeQuery(sql).getSingleResult()).longValue());
    }

    @Test
    void webhookReachesALocalReceiverSigned() throws Exception {
        Map<String, Object> client = newClient(Map.of());
        LinkedBlockingQueue<String[]> received = new LinkedBlockingQueue<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            byte[] b = ex.getRequestBody().readAllBytes();
            received.add(new String[] {
                ex.getRequestHeaders().getFirst(WebhookSender.SIGNATURE_HEADER),
                WebhookSender.sign((String) client.get("secret"), b),
                new String(b)
            });
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
        try {
            Map<String, Object> body = job("bash", "echo hi", null);
            body.put("callback_url", "http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
            body.put("metadata", Map.of("submission", 7));
            submitAndWait((String) client.get("key"), body);
            String[] got = received.poll(ApiTestSupport.JOB_DEADLINE.toSeconds(), TimeUnit.SECONDS);
            assertTrue(got != null, "no webhook arrived");
            assertEquals(got[1], got[0]);
            assertTrue(got[2].contains("\"submission\":7"), got[2]);
            String id = com.fasterxml.jackson.databind.json.JsonMapper.builder()
                    .build()
                    .readTree(got[2])
                    .get("id")
                    .asText();
            long deadline = System.nanoTime() + ApiTestSupport.JOB_DEADLINE.toNanos();
            Object state = null;
            while (System.nanoTime() < deadline && !"delivered".equals(state)) {
                state = QuarkusTransaction.requiringNew()
                        .call(() -> em.createNativeQuery("SELECT webhook_state FROM jobs WHERE CAST(id AS text) = ?1")
                                .setParameter(1, id)
                                .getSingleResult());
                if (!"delivered".equals(state)) {
                    ApiTestSupport.pause();
                }
            }
            assertEquals("delivered", state);
        } finally {
            server.stop(0);
        }
    }
}
