package dev.proctor.cluster;

import static dev.proctor.cluster.ServiceRestartIT.awaitAllDone;
import static dev.proctor.cluster.ServiceRestartIT.count;
import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.bench.ServiceNode;
import dev.proctor.testsupport.PostgresTestResource;
import dev.proctor.testsupport.TestStateDirs;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three nodes on one PostgreSQL share the queue: a node SIGKILLed mid-run loses nothing (its
 * leases expire and another node runs its jobs), a node sent SIGTERM drains within its grace.
 */
class MultiNodeIT {

    private static final Duration GRACE = Duration.ofSeconds(8);
    /** Beyond the grace: the JVM's own shutdown, slow on a busy machine. */
    private static final Duration EXIT_MARGIN = Duration.ofSeconds(30);

    private static final Map<String, String> CLUSTER = Map.of(
            "proctor.node.lease",
            "PT5S",
            "proctor.node.renew-interval",
            "PT1S",
            "proctor.maintenance.requeue-every",
            "2s",
            "proctor.node.slots",
            "2",
            "proctor.node.shutdown-grace",
            "PT8S");

    private final PostgresTestResource postgres = new PostgresTestResource();
    private Map<String, String> datasource;
    private final List<ServiceNode> nodes = new ArrayList<>();
    private final List<Path> states = new ArrayList<>();

    @BeforeEach
    void startCluster() throws Exception {
        requireKernel("root".equals(System.getProperty("user.name")), "the sandbox needs root");
        datasource = postgres.start();
        for (String id : List.of("node-1", "node-2", "node-3")) {
            Path state = TestStateDirs.create(id + "-");
            states.add(state);
            nodes.add(ServiceNode.start(id, datasource, CLUSTER, state));
        }
    }

    /** node-1 never comes back: its state dir is cleaned as a restart would, and nothing stays mounted. */
    @AfterEach
    void stopCluster() throws InterruptedException {
        for (ServiceNode n : nodes) {
            n.close();
        }
        postgres.stop();
        states.forEach(TestStateDirs::removeAfterEngines);
    }

    @Test
    void aKilledNodeLosesNothingAndATerminatedNodeDrains() throws Exception {
        // all submitted through node-3, the one that stays up; every node claims from the shared queue
        ServiceNode api = nodes.get(2);
        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<Future<String>> submitted = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            int n = i;
            submitted.add(clients.submit(() -> ClusterFixture.submitSleeper(api, n, 0.2)));
        }
        clients.shutdown();
        try (Connection db = ClusterFixture.connect(datasource)) {
            awaitLeases(db, "node-1");
            assertTrue(ClusterFixture.sessions(db, nodes.get(0)) > 0, "node-1's PostgreSQL sessions are not named");
            nodes.get(0).kill();
            ClusterFixture.awaitSessionsEnded(db, nodes.get(0));
            // what node-1 still held when it died (it may have finished others just before)
            Set<String> leasedByKilled = leases(db, "node-1");
            assertTrue(!leasedByKilled.isEmpty(), "node-1 died holding jobs");

            ServiceNode draining = nodes.get(1);
            awaitLeases(db, draining.id());
            draining.sigterm();
            // when the node says it drains, not when the signal was sent: a busy JVM takes a while
            // to act on SIGTERM, and claims until then are fair
            Timestamp drainingSince = awaitDraining(db, draining.id());
            assertTrue(draining.awaitExit(GRACE.plus(EXIT_MARGIN)), "node-2 did not exit after SIGTERM");

            List<String> ids = new ArrayList<>();
            for (Future<String> f : submitted) {
                ids.add(f.get(ServiceRestartIT.JOBS_DONE.toSeconds(), TimeUnit.SECONDS));
            }
            awaitAllDone(db, ids);
            assertEquals(
                    300,
                    count(db, "SELECT count(*) FROM jobs WHERE state = 'done' AND verdict = 'accepted'", null),
                    "every job accepted");
            assertEquals(
                    300,
                    count(db, "SELECT count(*) FROM runs WHERE kind = 'test'", null),
                    "one result per job: none lost, none twice");
            for (String id : leasedByKilled) {
                assertNotEquals(
                        "node-1",
                        ServiceRestartIT.text(db, "SELECT result->>'node' FROM jobs WHERE id = ?::uuid", id),
                        "job " + id + " ran elsewhere");
            }
            try (PreparedStatement st = db.prepareStatement(
                    "SELECT count(*) FROM jobs WHERE result->>'node' = 'node-2' AND started_at > ?")) {
                st.setTimestamp(1, drainingSince);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    assertEquals(0, rs.getLong(1), "node-2 claimed no job once draining");
                }
            }
            assertTrue(
                    count(db, "SELECT count(*) FROM qrtz_scheduler_state", null) >= 1,
                    "the nodes share one clustered Quartz scheduler");
        }
    }

    /** The database's clock when the node is first seen draining. */
    private static Timestamp awaitDraining(Connection db, String node) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try (PreparedStatement st = db.prepareStatement("SELECT now() FROM nodes WHERE id = ? AND draining")) {
                st.setString(1, node);
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        return rs.getTimestamp(1);
                    }
                }
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
        throw new AssertionError(node + " never said it was draining after SIGTERM");
    }

    private static Set<String> leases(Connection db, String node) throws SQLException {
        Set<String> held = new HashSet<>();
        try (PreparedStatement st =
                db.prepareStatement("SELECT id FROM jobs WHERE state = 'running' AND lease_owner = ?")) {
            st.setString(1, node);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    held.add(rs.getString(1));
                }
            }
        }
        return held;
    }

    private static Set<String> awaitLeases(Connection db, String node) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Set<String> held = leases(db, node);
            if (!held.isEmpty()) {
                return held;
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
        throw new AssertionError(node + " never held a job");
    }
}
