package dev.proctor.jobs;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.auth.Caller;
import dev.proctor.testsupport.Await;
import dev.proctor.testsupport.Gates;
import dev.proctor.testsupport.PostgresTestResource;
import dev.proctor.testsupport.ScriptedSandboxProfile;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Polls of a job this node runs are answered from its memory ({@link RunningHere}): the answer is the one a read
 * of the row gives, byte for byte, and it stops the moment the node can no longer vouch for the row (a cancel
 * through any node, the listener's connection lost). Runs are scripted ({@code await PATH}: a job that runs until
 * the test lets it go); the metadata shown is generated (jqwik's generators, sampled: jqwik's runner cannot run
 * inside a Quarkus test).
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(ScriptedSandboxProfile.class)
class RunningHereReadsTest {

    private static final String ADMIN = "pk_test_admin_0123456789abcdef";
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    /** How long a finished job may take to be held and still be answered from memory (RunningHere.FINISHED_MAX_AGE). */
    private static final Duration HELD_WITHIN = RunningHere.FINISHED_MAX_AGE.dividedBy(2);

    private static final int TRIES = Integer.getInteger("proctor.fuzz.tries", 40);

    @Inject
    RunningHere runningHere;

    @Inject
    JobService jobs;

    @Inject
    MeterRegistry metrics;

    @Inject
    EntityManager em;

    private final List<Path> gates = new ArrayList<>();

    @AfterEach
    void letEveryRunGo() throws IOException {
        for (Path gate : gates) {
            if (!Files.exists(gate)) {
                Files.createFile(gate);
            }
        }
        gates.clear();
    }

    @Test
    void aRunningJobReadsFromMemoryExactlyAsFromItsRow() throws IOException {
        String key = newClientKey();
        Iterator<String> metadata = metadata().sampleStream().iterator();
        int compared = 0;
        for (int i = 0; i < TRIES; i++) {
            String m = metadata.next();
            Path gate = gate();
            String body = "{\"profile\":\"python3\",\"files\":[{\"path\":\"main.py\",\"content\":\"await " + gate
                    + "\\nout ok\"}],\"metadata\":" + m + "}";
            Response r = given().auth()
                    .oauth2(key)
                    .contentType(ContentType.JSON)
                    .body(body)
                    .post("/api/v1/jobs");
            if (r.statusCode() >= 400) {
                // metadata the service refuses (too large, a NUL): nothing to read
                assertTrue(r.statusCode() < 500, "try " + i + ": " + r.asString() + " for " + m);
                continue;
            }
            UUID id = UUID.fromString(r.path("id"));
            awaitHeld(id, "try " + i);
            double before = answered();
            String fromMemory = get(key, id);
            assertEquals(before + 1, answered(), "try " + i + ": the poll was not answered from memory");
            runningHere.ended(id);
            String fromRow = get(key, id);
            assertEquals(fromRow, fromMemory, "try " + i + ", metadata " + m);
            assertEquals(before + 1, answered(), "try " + i + ": an ended job was still answered from memory");
            Files.createFile(gate);
            awaitState(key, id, "done");
            compared++;
        }
        assertTrue(compared >= TRIES / 2, "only " + compared + " of " + TRIES + " generated jobs were accepted");
    }

    @Test
    void anotherClientsPollIsRefusedAsFromTheRow() throws IOException {
        String key = newClientKey();
        String other = newClientKey();
        UUID id = submitAwaiting(key);
        awaitHeld(id, "");
        given().auth().oauth2(other).get("/api/v1/jobs/" + id).then().statusCode(404);
        given().auth().oauth2(ADMIN).get("/api/v1/jobs/" + id).then().statusCode(200);
    }

    /**
     * A poll is answered on the event loop: a key not yet in this node's cache (read on a worker), an unknown key,
     * a bad id or encoding, a job that is not running here get what any other route gives them.
     */
    @Test
    void pollsOffTheMemoryPathAnswerAsAnyRoute() throws IOException {
        String fresh = newClientKey();
        // the key's first use is this poll: checked against PostgreSQL on a worker
        given().auth()
                .oauth2(fresh)
                .get("/api/v1/jobs/" + UUID.randomUUID())
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        given().auth()
                .oauth2("pk_no_such_key_" + UUID.randomUUID())
                .get("/api/v1/jobs/" + UUID.randomUUID())
                .then()
                .statusCode(401)
                .header("WWW-Authenticate", "Bearer");
        given().get("/api/v1/jobs/" + UUID.randomUUID()).then().statusCode(401);
        given().auth().oauth2(fresh).get("/api/v1/jobs/not-a-uuid").then().statusCode(404);
        String key = newClientKey();
        UUID id = submitAwaiting(key);
        awaitHeld(id, "");
        given().auth()
                .oauth2(key)
                .get("/api/v1/jobs/" + id + "?encoding=hex")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body(org.hamcrest.Matchers.containsString("encoding"));
        given().auth()
                .oauth2(key)
                .get("/api/v1/jobs/" + id + "?encoding=base64")
                .then()
                .statusCode(200);
        letEveryRunGo();
        awaitState(key, id, "done");
        given().auth()
                .oauth2(key)
                .get("/api/v1/jobs/" + id)
                .then()
                .statusCode(200)
                .body("verdict", org.hamcrest.Matchers.equalTo("accepted"))
                .body("tests[0].stdout", org.hamcrest.Matchers.equalTo("ok\n"));
    }

    @Test
    void aCancelThroughThisNodeIsReadAtOnce() throws IOException {
        String key = newClientKey();
        UUID id = submitAwaiting(key);
        awaitHeld(id, "");
        given().auth().oauth2(key).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(200);
        // no waiting: the memory was given up before the cancel was committed
        assertEquals(
                "cancelled",
                given().auth().oauth2(key).get("/api/v1/jobs/" + id).path("state"));
        assertFalse(runningHere.holds(id));
    }

    @Test
    void aCancelCommittedByAnotherNodeEndsTheMemoryOfIt() throws IOException {
        String key = newClientKey();
        UUID id = submitAwaiting(key);
        awaitHeld(id, "");
        // what JobService.cancel of another node commits; its notification reaches this node's listener
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery("""
                        UPDATE jobs SET state = 'cancelled', finished_at = now(), lease_owner = NULL,
                            lease_expires_at = NULL, verdict = NULL
                        WHERE id = ?1 AND state IN ('queued', 'running')""").setParameter(1, id).executeUpdate());
        awaitTrue(() -> !runningHere.holds(id), "the cancel's notification was not heard");
        assertEquals(
                "cancelled",
                given().auth().oauth2(key).get("/api/v1/jobs/" + id).path("state"));
    }

    @Test
    void nothingFromBeforeALostListenerConnectionIsAnsweredFromMemory() throws IOException {
        String key = newClientKey();
        UUID before = submitAwaiting(key);
        awaitHeld(before, "before");
        int killed = QuarkusTransaction.requiringNew()
                .call(() -> ((Number) em.createNativeQuery("""
                        SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                        WHERE query ~ '^\s*LISTEN proctor_(jobs|cancel|done)'""").getSingleResult()).intValue());
        assertTrue(
                killed >= 1,
                "no queue listener connection found: "
                        + QuarkusTransaction.requiringNew()
                                .call(() -> em.createNativeQuery(
                                                "SELECT string_agg(pid || ':' || state || ':' || query, ' | ') FROM pg_stat_activity")
                                        .getSingleResult()));
        awaitTrue(() -> !runningHere.holds(before), "the lost connection was not noticed");
        double answered = answered();
        assertEquals(
                "running",
                given().auth().oauth2(key).get("/api/v1/jobs/" + before).path("state"));
        assertEquals(answered, answered(), "read from memory after the listener lost its connection");
        // a job started while nobody listens is not held, even once the listener is back
        UUID meanwhile = runningHere.isListening() ? null : submitAwaiting(key);
        // once it listens again, jobs started from then on are held; the ones from before are not
        awaitTrue(runningHere::isListening, "the listener did not reconnect");
        if (meanwhile != null) {
            assertFalse(runningHere.holds(meanwhile));
            // its slot is wanted below (two slots here)
            given().auth().oauth2(key).post("/api/v1/jobs/" + meanwhile + "/cancel");
        }
        UUID after = submitAwaiting(key);
        awaitHeld(after, "after the listener reconnected");
        assertFalse(runningHere.holds(before));
    }

    @Test
    void aJobFinishedHereReadsFromMemoryExactlyAsFromItsRow() {
        String key = newClientKey();
        Iterator<String> metadata = metadata().sampleStream().iterator();
        int compared = 0;
        List<String> notHeld = new ArrayList<>();
        for (int i = 0; i < TRIES; i++) {
            String m = metadata.next();
            String body = "{\"profile\":\"python3\",\"files\":[{\"path\":\"main.py\",\"content\":\"out ok\"}],"
                    + "\"metadata\":" + m + "}";
            Response r = given().auth()
                    .oauth2(key)
                    .contentType(ContentType.JSON)
                    .body(body)
                    .post("/api/v1/jobs?wait=true&timeout_s=60");
            if (r.statusCode() >= 400) {
                assertTrue(r.statusCode() < 500, "try " + i + ": " + r.asString() + " for " + m);
                continue;
            }
            assertEquals("done", r.path("state"), "try " + i + ": " + r.asString());
            UUID id = UUID.fromString(r.path("id"));
            /*
             * Held by its result's writer, normally within milliseconds. Holding is best effort (a job not held is
             * read from its row, as any job): one not held by the time it could no longer be answered from memory
             * has nothing to compare, and is counted and skipped like a refused request. Two stressed full-suite
             * runs each had one job not held within a minute, which no run of this class alone showed.
             */
            if (!Await.within(() -> runningHere.keepsFinished(id), HELD_WITHIN, "job " + id + " held")) {
                notHeld.add("try " + i + ": job " + id + ", metadata " + m);
                continue;
            }
            String query = i % 2 == 0 ? "" : "?encoding=base64";
            double before = answeredFinished();
            String fromMemory = get(key, id, query);
            assertEquals(before + 1, answeredFinished(), "try " + i + ": the poll was not answered from memory");
            // from now on its polls read the row
            runningHere.cancelled(id);
            String fromRow = get(key, id, query);
            assertEquals(fromRow, fromMemory, "try " + i + ", metadata " + m + query);
            assertEquals(before + 1, answeredFinished(), "try " + i + ": a dropped job was still answered");
            compared++;
        }
        assertTrue(
                compared >= TRIES / 2,
                "only " + compared + " of " + TRIES + " generated jobs were accepted and held; not held: " + notHeld);
    }

    @Test
    void anotherClientsPollOfAFinishedJobIsRefusedAsFromTheRow() {
        String key = newClientKey();
        UUID id = submitFinished(key);
        double before = answeredFinished();
        given().auth().oauth2(newClientKey()).get("/api/v1/jobs/" + id).then().statusCode(404);
        given().auth().oauth2(ADMIN).get("/api/v1/jobs/" + id).then().statusCode(200);
        // both answered from memory: the refusal as the read would refuse, the admin's read
        assertEquals(before + 2, answeredFinished(), "the polls were not answered from memory");
    }

    @Test
    void aDeletionThroughThisNodeIsReadAtOnce() {
        String key = newClientKey();
        UUID id = submitFinished(key);
        jobs.delete(new Caller(0, "admin", true, 0), id);
        // no waiting: the memory was given up before the deletion was committed
        given().auth().oauth2(key).get("/api/v1/jobs/" + id).then().statusCode(404);
    }

    @Test
    void aDeletionCommittedByAnotherNodeEndsTheMemoryOfIt() {
        String key = newClientKey();
        UUID id = submitFinished(key);
        assertTrue(runningHere.finishedRow(id) != null, "job " + id + " was not held once finished");
        // what another node's deletion (a facade's DELETE, the purge under a short retention) commits; V40's
        // notification reaches this node's listener
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery("DELETE FROM jobs WHERE id = ?1")
                        .setParameter(1, id)
                        .executeUpdate());
        // its entry is removed by the notification only (one too old stays, unanswered)
        awaitTrue(() -> !runningHere.keepsFinished(id), "the deletion's notification was not heard");
        given().auth().oauth2(key).get("/api/v1/jobs/" + id).then().statusCode(404);
    }

    /** A job run to its end ({@code wait=true}): held in memory as finished here. */
    private UUID submitFinished(String key) {
        UUID id = UUID.fromString(given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body("{\"profile\":\"python3\",\"files\":[{\"path\":\"main.py\",\"content\":\"out ok\"}]}")
                .post("/api/v1/jobs?wait=true&timeout_s=60")
                .then()
                .statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("done"))
                .extract()
                .path("id"));
        awaitFinishedHeld(id);
        return id;
    }

    /**
     * Job {@code id}, finished here, is held once its result's writer is through: a job that went through the
     * queue (its slots still busy with an earlier test's runs) may have its waiting request answered first by the
     * listener's notification of the commit (and a read of the row), a moment before the writer's thread holds it.
     */
    private void awaitFinishedHeld(UUID id) {
        awaitTrue(() -> runningHere.keepsFinished(id), "job " + id + " was not held once finished");
    }

    private double answeredFinished() {
        return metrics.counter("proctor.jobs.finished_reads_answered_here").count();
    }

    /** JSON texts of every kind a caller may send as metadata: key orders, number spellings, escapes, nesting. */
    private static Arbitrary<String> metadata() {
        return Arbitraries.lazyOf(() -> value(3)).map(v -> v);
    }

    private static Arbitrary<String> value(int depth) {
        Arbitrary<String> numbers = Arbitraries.of(
                "0",
                "-0",
                "1",
                "1.0",
                "1.50",
                "1e2",
                "1E+2",
                "-2.5e-3",
                "0.1",
                "123456789012345678901234567890",
                "1.7976931348623157e308",
                "4.9e-324",
                "100",
                "3.14159265358979323846264338327950288");
        Arbitrary<String> strings = Arbitraries.strings()
                .withCharRange(' ', '~')
                .withChars('é', 'ü', '中', '\n', '\t', '"', '\\', '/', '\u007f', '\u2028')
                .ofMaxLength(12)
                .map(RunningHereReadsTest::quoted);
        Arbitrary<String> leaves = Arbitraries.oneOf(numbers, strings, Arbitraries.of("true", "false", "null"));
        if (depth == 0) {
            return leaves;
        }
        Arbitrary<String> member = Combinators.combine(
                        Arbitraries.strings()
                                .withCharRange('a', 'z')
                                .withChars('_', 'é', ' ')
                                .ofMinLength(0)
                                .ofMaxLength(6)
                                .map(RunningHereReadsTest::quoted),
                        Arbitraries.lazy(() -> value(depth - 1)))
                .as((k, v) -> k + ":" + v);
        Arbitrary<String> objects = member.list().ofMaxSize(5).map(ms -> "{" + String.join(",", ms) + "}");
        Arbitrary<String> arrays = Arbitraries.lazy(() -> value(depth - 1))
                .list()
                .ofMaxSize(4)
                .map(vs -> "[" + String.join(", ", vs) + "]");
        return Arbitraries.frequencyOf(Tuple.of(2, leaves), Tuple.of(3, objects), Tuple.of(1, arrays));
    }

    private static String quoted(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> b.append(c < ' ' ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return b.append('"').toString();
    }

    private UUID submitAwaiting(String key) throws IOException {
        Path gate = gate();
        String body = "{\"profile\":\"python3\",\"files\":[{\"path\":\"main.py\",\"content\":\"await " + gate
                + "\\nout ok\"}]}";
        return UUID.fromString(given().auth()
                .oauth2(key)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/api/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id"));
    }

    private Path gate() {
        Path gate = Gates.newGate();
        gates.add(gate);
        return gate;
    }

    private static String get(String key, UUID id) {
        return get(key, id, "");
    }

    private static String get(String key, UUID id, String query) {
        return given().auth()
                .oauth2(key)
                .get("/api/v1/jobs/" + id + query)
                .then()
                .statusCode(200)
                .extract()
                .asString();
    }

    private double answered() {
        return metrics.counter("proctor.jobs.reads_answered_here").count();
    }

    private void awaitHeld(UUID id, String context) {
        awaitTrue(() -> runningHere.holds(id), context + ": job " + id + " never held in memory");
    }

    private static void awaitState(String key, UUID id, String state) {
        awaitTrue(
                () -> state.equals(
                        given().auth().oauth2(key).get("/api/v1/jobs/" + id).path("state")),
                "job " + id + " never " + state);
    }

    /** Waits for something another thread does (a notification, a connection lost); fails after DEADLINE. */
    private static void awaitTrue(BooleanSupplier condition, String failure) {
        Await.until(condition, DEADLINE, failure);
    }

    private static String newClientKey() {
        return given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(Map.of("name", "rh-" + UUID.randomUUID().toString().substring(0, 8), "max_concurrent_jobs", 100))
                .post("/api/v1/admin/clients")
                .then()
                .statusCode(201)
                .extract()
                .path("keys[0].key");
    }
}
