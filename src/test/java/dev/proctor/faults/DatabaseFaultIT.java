package dev.proctor.faults;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.proctor.bench.ServiceNode;
import dev.proctor.bench.ThrowawayPostgres;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL failing under a running service (the packaged jar, a throwaway cluster): a result the
 * database rejects ends its job at once, and a database restart loses nothing and reruns nothing.
 */
class DatabaseFaultIT {

    /** Leases a restart outlasts; every timing the test does not test has a wide margin. */
    private static final Map<String, String> NODE = Map.of(
            "proctor.node.lease",
            "PT10S",
            "proctor.node.renew-interval",
            "PT1S",
            "proctor.maintenance.requeue-every",
            "1s",
            "proctor.node.slots",
            "2");

    private static final String MARKER = "REFUSE-THIS-RESULT";
    /** A stand-in for any result PostgreSQL cannot store: a trigger that raises for a marked result. */
    private static final String REFUSING_TRIGGER = """
            CREATE FUNCTION test_refuse_marked_result() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                -- output is stored as base64 (program bytes), so the marker is looked for in the decoded stdout
                IF EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(NEW.result -> 'tests', '[]'::jsonb)) t
                           WHERE t ->> 'stdout_encoding' = 'base64'
                             AND position(convert_to('%1$s', 'UTF8') IN decode(t ->> 'stdout', 'base64')) > 0)
                   OR NEW.result::text LIKE '%%%1$s%%' THEN
                    RAISE EXCEPTION 'result refused by the test trigger' USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER test_refuse BEFORE UPDATE OF result ON jobs
                FOR EACH ROW EXECUTE FUNCTION test_refuse_marked_result();""".formatted(MARKER);

    private TestNode rig;
    private ThrowawayPostgres postgres;
    private ServiceNode node;
    private Api api;

    @BeforeEach
    void start() throws Exception {
        requireKernel("root".equals(System.getProperty("user.name")), "the sandbox needs root");
        rig = TestNode.start("db-fault", NODE);
        postgres = rig.postgres;
        node = rig.node;
        api = rig.api;
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void aResultPostgresRejectsEndsItsJobAtOnceAndIsNotRunAgain() throws Exception {
        try (Connection db = connect();
                Statement st = db.createStatement()) {
            st.execute(REFUSING_TRIGGER);
        }
        long t0 = System.nanoTime();
        String id = api.submit(Api.python("print('" + MARKER + "')", null, MARKER + "\n"));
        JsonNode job = api.awaitFinished(id, Duration.ofSeconds(120));
        double took = Poll.seconds(t0);
        assertEquals("internal_error", job.path("verdict").asText(), job.toString());
        String error = job.path("error").asText();
        assertTrue(error.contains("could not be stored") && error.contains("refused by the test trigger"), error);
        assertEquals(1, job.path("attempts").asInt(), "ended at once, not requeued: " + job);
        assertEquals(1.0, api.metric("proctor_jobs_result_write_failed_total"), "counted in a metric");

        JsonNode next = api.awaitFinished(api.submit(Api.hello()), Duration.ofSeconds(120));
        assertEquals("accepted", next.path("verdict").asText(), "the next job is fine: " + next);
        try (Connection db = connect()) {
            // later requeue passes (every second) left it alone; its run is kept for accounting
            assertEquals(1, count(db, "SELECT attempts FROM jobs WHERE id = ?::uuid", id));
            assertEquals("done", text(db, "SELECT state FROM jobs WHERE id = ?::uuid", id));
            assertEquals(1, count(db, "SELECT count(*) FROM runs WHERE job_id = ?::uuid AND kind = 'test'", id));
        }
        System.out.printf("fault figures: rejected result ended as internal_error %.1f s after submission%n", took);
    }

    @Test
    void postgresRestartedWhileJobsRunLosesNothingAndRunsNothingTwice() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Map<String, Object> job = Api.python("import time\ntime.sleep(1.5)\nprint(input())", i + "\n", i + "\n");
            job.put("limits", Map.of("wall_time_ms", 30000));
            ids.add(api.submit(job));
        }
        Set<String> runningAtStop;
        try (Connection db = connect()) {
            runningAtStop = Poll.until(Duration.ofSeconds(60), "jobs running on the node", () -> {
                Set<String> r = runningOn(db, node.id());
                return r.size() >= 2 ? r : null;
            });
        }
        long stopped = System.nanoTime();
        postgres.stopKeepingData();

        // finished runs wait in the node for the database instead of being rerun later
        Poll.until(
                Duration.ofSeconds(90),
                "a finished result waiting in the node",
                () -> api.metric("proctor_jobs_results_waiting") >= 1);
        int probes = 0;
        // down for longer than a lease: by the database's clock every lease expires meanwhile
        while (Poll.seconds(stopped) < 14 || probes < 2) {
            probes++;
            assertUnavailable(api.call("GET", "/api/v1/jobs/" + ids.get(0), null));
            assertUnavailable(api.call("GET", "/api/v1/jobs?limit=5", null));
            assertUnavailable(api.call("POST", "/api/v1/jobs", Api.hello()));
            assertUnavailable(api.call("POST", "/api/v1/jobs/" + ids.get(ids.size() - 1) + "/cancel", null));
            assertEquals(503, api.readinessStatus(), "readiness reports down while the database is away");
        }
        double downFor = Poll.seconds(stopped);

        postgres.startAgain();
        long restarted = System.nanoTime();
        Poll.until(Duration.ofSeconds(120), "readiness up again", () -> api.readinessStatus() == 200);
        double readyAfter = Poll.seconds(restarted);
        Poll.until(
                Duration.ofSeconds(120),
                "waiting results written",
                () -> api.metric("proctor_jobs_results_waiting") == 0);
        double writtenAfter = Poll.seconds(restarted);
        try (Connection db = connect()) {
            Poll.until(
                    Duration.ofSeconds(240),
                    "every job done",
                    () -> count(db, "SELECT count(*) FROM jobs WHERE state <> 'done'", null) == 0);
            double allDoneAfter = Poll.seconds(restarted);
            for (String id : ids) {
                assertEquals("accepted", text(db, "SELECT verdict FROM jobs WHERE id = ?::uuid", id), "job " + id);
                assertEquals(
                        1,
                        count(db, "SELECT attempts FROM jobs WHERE id = ?::uuid", id),
                        "job " + id + " ran once: no node died"
                                + (runningAtStop.contains(id) ? " (it was running)" : ""));
                assertEquals(
                        1,
                        count(db, "SELECT count(*) FROM runs WHERE job_id = ?::uuid AND kind = 'test'", id),
                        "job " + id + " has one result");
                assertEquals(node.id(), text(db, "SELECT result->>'node' FROM jobs WHERE id = ?::uuid", id));
            }
            assertEquals(ids.size(), count(db, "SELECT count(*) FROM jobs", null), "no job was added while down");
            // the cluster's periodic work is back too: the lease of a node that is gone still expires
            String ghost = java.util.UUID.randomUUID().toString();
            try (PreparedStatement st = db.prepareStatement("""
                    INSERT INTO jobs (id, client_id, state, profile, request, attempts, lease_owner, lease_expires_at)
                    VALUES (?::uuid, (SELECT min(id) FROM clients), 'running', 'python3', '{}', 3, 'gone-node',
                            now() - interval '1 second')""")) {
                st.setString(1, ghost);
                st.executeUpdate();
            }
            Poll.until(
                    Duration.ofSeconds(120),
                    "the requeue job to give up on the gone node's job",
                    () -> "done".equals(text(db, "SELECT state FROM jobs WHERE id = ?::uuid", ghost)));
            System.out.printf(
                    "fault figures: database down %.1f s (%d probe rounds, all 503); after its restart "
                            + "ready in %.1f s, waiting results written in %.1f s, all %d jobs done in %.1f s%n",
                    downFor, probes, readyAfter, writtenAfter, ids.size(), allDoneAfter);
        }
        JsonNode next = api.awaitFinished(api.submit(Api.hello()), Duration.ofSeconds(120));
        assertEquals("accepted", next.path("verdict").asText(), "the service recovered by itself: " + next);
    }

    private static void assertUnavailable(HttpResponse<String> r) {
        assertEquals(503, r.statusCode(), "while the database is down: " + r.body());
        assertTrue(r.headers().firstValue("Retry-After").isPresent(), "503 carries Retry-After");
        assertTrue(r.body().contains("database"), r.body());
    }

    private Connection connect() throws SQLException {
        return rig.connect();
    }

    private static Set<String> runningOn(Connection db, String node) throws SQLException {
        Set<String> ids = new HashSet<>();
        try (PreparedStatement st =
                db.prepareStatement("SELECT id FROM jobs WHERE state = 'running' AND lease_owner = ?")) {
            st.setString(1, node);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        return ids;
    }

    static long count(Connection db, String sql, String id) throws SQLException {
        try (PreparedStatement st = db.prepareStatement(sql)) {
            if (id != null) {
                st.setString(1, id);
            }
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static String text(Connection db, String sql, String id) throws SQLException {
        try (PreparedStatement st = db.prepareStatement(sql)) {
            st.setString(1, id);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
