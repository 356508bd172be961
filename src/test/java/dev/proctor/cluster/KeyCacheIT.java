package dev.proctor.cluster;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.bench.ServiceNode;
import dev.proctor.testsupport.PostgresTestResource;
import dev.proctor.testsupport.TestStateDirs;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on one PostgreSQL keep the callers of API keys in memory; a revocation or a quota change, made
 * through one node's admin API or directly in the database, takes effect on the very next request of the node
 * that made it and within a short wait on the other, long before the entries' maximum age (set to minutes
 * here, so that only the notifications can explain the result).
 */
class KeyCacheIT {

    /** Far beyond a notification's delivery, even on a busy machine; far below the maximum age below. */
    private static final Duration NOTIFIED_WITHIN = Duration.ofSeconds(15);

    private static final Map<String, String> NODES =
            Map.of("proctor.auth.cache-max-age", "PT10M", "proctor.node.slots", "1");

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PostgresTestResource postgres = new PostgresTestResource();
    private Map<String, String> datasource;
    private final List<ServiceNode> nodes = new ArrayList<>();
    private final List<Path> states = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        requireKernel("root".equals(System.getProperty("user.name")), "the sandbox needs root");
        datasource = postgres.start();
        for (String id : List.of("keys-1", "keys-2")) {
            Path state = TestStateDirs.create(id + "-");
            states.add(state);
            nodes.add(ServiceNode.start(id, datasource, NODES, state));
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (ServiceNode n : nodes) {
            n.close();
        }
        postgres.stop();
        states.forEach(TestStateDirs::removeAfterEngines);
    }

    @Test
    void aKeyRevokedThroughOneNodeIsRefusedThereAtOnceAndSoonOnTheOther() throws Exception {
        ServiceNode here = nodes.get(0);
        ServiceNode there = nodes.get(1);
        JsonNode key = newClient(here, "revoked-by-api").path("keys").get(0);
        String plain = key.path("key").asText();
        warm(plain);

        HttpResponse<String> revoked = call(
                here, "POST", "/api/v1/admin/keys/" + key.path("id").asLong() + "/revoke", ServiceNode.ADMIN_KEY, null);
        assertEquals(200, revoked.statusCode(), revoked.body());
        HttpResponse<String> next = call(here, "GET", "/api/v1/jobs?limit=1", plain, null);
        assertEquals(401, next.statusCode(), "the very next request on the revoking node: " + next.body());

        double seconds = awaitStatus(there, plain, s -> s == 401);
        System.out.printf("key cache figures: revocation through node 1 seen by node 2 after %.3f s%n", seconds);
    }

    /**
     * The key check's reads of api_keys, counted by PostgreSQL (scans of its key_hash index): every request with
     * an unknown key reads it, a request with a known key that its node holds does not.
     */
    @Test
    void aHeldKeyIsNotReadFromTheDatabaseAnUnknownKeyAlwaysIs() throws Exception {
        ServiceNode node = nodes.get(0);
        String plain = newClient(node, "held").path("keys").get(0).path("key").asText();
        warm(plain);
        int requests = 200;
        try (Connection db = ClusterFixture.connect(datasource)) {
            long before = keyReads(db);
            for (int i = 0; i < requests; i++) {
                assertEquals(
                        401,
                        call(node, "GET", "/api/v1/jobs?limit=1", "pk_guessed_" + i, null)
                                .statusCode());
            }
            long unknown = settledKeyReads(db, before + requests) - before;
            assertTrue(unknown >= requests, unknown + " reads of api_keys for " + requests + " unknown keys");
            before = keyReads(db);
            for (int i = 0; i < requests; i++) {
                assertEquals(
                        200,
                        call(node, "GET", "/api/v1/jobs?limit=1", plain, null).statusCode());
            }
            long held = settledKeyReads(db, Long.MAX_VALUE) - before;
            // a margin for reads after the listener reconnected or an entry aged out on a very busy machine
            assertTrue(held < requests / 10, held + " reads of api_keys for " + requests + " requests of a held key");
            System.out.printf(
                    "key cache figures: reads of api_keys per %d requests: unknown key %d, held key %d%n",
                    requests, unknown, held);
        }
    }

    /**
     * Scans of the key_hash index. A backend adds its counts to pg_stat_* at most once a second while busy, and up
     * to 10 s after it went idle.
     */
    private static long keyReads(Connection db) throws Exception {
        try (PreparedStatement s = db.prepareStatement("""
                SELECT coalesce(sum(idx_scan), 0) FROM pg_stat_user_indexes
                WHERE relname = 'api_keys' AND indexrelname LIKE '%key_hash%'""")) {
            db.createStatement().execute("SELECT pg_stat_clear_snapshot()");
            try (java.sql.ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    /** The count once it reaches {@code atLeast}, or once it has not moved for 12 s (at most 40 s). */
    private static long settledKeyReads(Connection db, long atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        long last = keyReads(db);
        long since = System.nanoTime();
        while (last < atLeast && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(100);
            long now = keyReads(db);
            if (now != last) {
                last = now;
                since = System.nanoTime();
            } else if (System.nanoTime() - since > Duration.ofSeconds(12).toNanos()) {
                break;
            }
        }
        return last;
    }

    @Test
    void aKeyRevokedAndAQuotaLoweredInTheDatabaseAreSeenByEveryNode() throws Exception {
        JsonNode client = newClient(nodes.get(0), "changed-in-sql");
        JsonNode key = client.path("keys").get(0);
        String plain = key.path("key").asText();
        warm(plain);
        for (ServiceNode n : nodes) {
            // a request rejected after the quota check (version without problem): nothing is ever stored
            HttpResponse<String> r = call(n, "POST", "/api/v1/jobs", plain, overQuotaAfterChange());
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().contains("version"), "within the quota for now: " + r.body());
        }

        try (Connection db = ClusterFixture.connect(datasource);
                PreparedStatement s = db.prepareStatement("UPDATE clients SET max_cpu_time_ms = 100 WHERE id = ?")) {
            s.setLong(1, client.path("id").asLong());
            assertEquals(1, s.executeUpdate());
        }
        long changed = System.nanoTime();
        for (ServiceNode n : nodes) {
            awaitTrue(n, "the lowered quota", () -> {
                HttpResponse<String> r = call(n, "POST", "/api/v1/jobs", plain, overQuotaAfterChange());
                return r.statusCode() == 422 && r.body().contains("cpu_time_ms");
            });
        }
        double quotaSeen = (System.nanoTime() - changed) / 1e9;

        try (Connection db = ClusterFixture.connect(datasource);
                PreparedStatement s = db.prepareStatement("UPDATE api_keys SET revoked_at = now() WHERE id = ?")) {
            s.setLong(1, key.path("id").asLong());
            assertEquals(1, s.executeUpdate());
        }
        long revokedAt = System.nanoTime();
        for (ServiceNode n : nodes) {
            awaitStatus(n, plain, s -> s == 401);
        }
        double revokedSeen = (System.nanoTime() - revokedAt) / 1e9;
        try (Connection db = ClusterFixture.connect(datasource)) {
            assertEquals(0, ServiceRestartIT.count(db, "SELECT count(*) FROM jobs", null), "no job was stored");
        }
        System.out.printf(
                "key cache figures: SQL quota change seen by both nodes after %.3f s, SQL revocation after %.3f s%n",
                quotaSeen, revokedSeen);
    }

    /** Makes both nodes hold the key: its first request reads it, the second is served from memory. */
    private void warm(String key) throws Exception {
        for (ServiceNode n : nodes) {
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = call(n, "GET", "/api/v1/jobs?limit=1", key, null);
                assertEquals(200, r.statusCode(), r.body());
            }
        }
    }

    private static String overQuotaAfterChange() {
        return "{\"profile\":\"python3\",\"version\":1,\"limits\":{\"cpu_time_ms\":1000},"
                + "\"files\":[{\"path\":\"main.py\",\"content\":\"print(1)\"}],"
                + "\"tests\":[{\"name\":\"t\",\"stdin\":\"\",\"expected_output\":\"1\\n\"}]}";
    }

    private static JsonNode newClient(ServiceNode node, String name) throws Exception {
        HttpResponse<String> r =
                call(node, "POST", "/api/v1/admin/clients", ServiceNode.ADMIN_KEY, "{\"name\":\"" + name + "\"}");
        assertEquals(201, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static double awaitStatus(ServiceNode node, String key, IntPredicate wanted) throws Exception {
        long from = System.nanoTime();
        awaitTrue(
                node,
                "the key's new status",
                () -> wanted.test(
                        call(node, "GET", "/api/v1/jobs?limit=1", key, null).statusCode()));
        return (System.nanoTime() - from) / 1e9;
    }

    private interface Probe {
        boolean holds() throws Exception;
    }

    private static void awaitTrue(ServiceNode node, String what, Probe probe) throws Exception {
        long deadline = System.nanoTime() + NOTIFIED_WITHIN.toNanos();
        while (!probe.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(node.id() + " did not show " + what + " within " + NOTIFIED_WITHIN);
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private static HttpResponse<String> call(ServiceNode node, String method, String path, String key, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.uri(path)).header("Authorization", "Bearer " + key);
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return HTTP.send(
                b.method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
