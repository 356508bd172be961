package dev.proctor.cluster;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.bench.ServiceNode;
import dev.proctor.testsupport.PostgresTestResource;
import dev.proctor.testsupport.TestStateDirs;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service killed with SIGKILL while jobs run, then restarted on the same state dir: every job
 * finishes, none twice, and the restarted node removes everything the dead one left (mounts,
 * mount namespaces, processes, directories). Runs the packaged jar as separate processes against
 * a throwaway PostgreSQL.
 */
class ServiceRestartIT {

    /** How long all jobs of a test may take to finish: far more than they need, even on a busy machine. */
    static final Duration JOBS_DONE = Duration.ofMinutes(10);
    /** A lease five times the renewal interval: a busy node does not lose its jobs for a late renewal. */
    private static final Map<String, String> FAST_LEASES = Map.of(
            "proctor.node.lease",
            "PT5S",
            "proctor.node.renew-interval",
            "PT1S",
            "proctor.maintenance.requeue-every",
            "2s",
            "proctor.node.slots",
            "2");

    private final PostgresTestResource postgres = new PostgresTestResource();
    private Map<String, String> datasource;
    private Path state;
    private final List<ServiceNode> nodes = new ArrayList<>();

    @BeforeEach
    void startDatabase() {
        requireKernel("root".equals(System.getProperty("user.name")), "the sandbox needs root");
        datasource = postgres.start();
        state = TestStateDirs.create("restart-");
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        for (ServiceNode n : nodes) {
            n.close();
        }
        postgres.stop();
        // the last node is killed too: its state dir must still come out clean
        TestStateDirs.removeAfterEngines(state);
    }

    @Test
    void killedWhileRunningThenRestartedFinishesEveryJobExactlyOnceAndLeavesNothing() throws Exception {
        ServiceNode first = start("restart-a");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            ids.add(ClusterFixture.submitSleeper(first, i, 0.6));
        }
        try (Connection db = ClusterFixture.connect(datasource)) {
            awaitRunning(db, "restart-a");
            DeadNodeLeftovers left = DeadNodeLeftovers.of(state, first.pid());
            left.holdARunInItsNamespaces();
            assertTrue(ClusterFixture.sessions(db, first) > 0, "the node's PostgreSQL sessions are not named");
            first.kill();
            assertFalse(first.isAlive(), "SIGKILL did not stop the node");
            ClusterFixture.awaitSessionsEnded(db, first);
            // read after the kill: what the dead node held then is exactly what must run again
            Set<String> runningAtKill = running(db, "restart-a");
            assertFalse(runningAtKill.isEmpty(), "the killed node held no job");
            left.assertLeftBehind();
            left.stackAndNestMounts();

            ServiceNode second = start("restart-b");
            left.assertAllRemoved();

            awaitAllDone(db, ids);
            for (String id : ids) {
                assertEquals(
                        1,
                        count(db, "SELECT count(*) FROM runs WHERE job_id = ?::uuid AND kind = 'test'", id),
                        "job " + id + " has one result, not two");
                assertEquals("accepted", text(db, "SELECT verdict FROM jobs WHERE id = ?::uuid", id), "job " + id);
            }
            for (String id : runningAtKill) {
                assertTrue(
                        count(db, "SELECT attempts FROM jobs WHERE id = ?::uuid", id) >= 2,
                        "job " + id + " was running on the killed node: it ran again");
                assertEquals(second.id(), text(db, "SELECT result->>'node' FROM jobs WHERE id = ?::uuid", id));
            }
        }
    }

    private ServiceNode start(String id) throws Exception {
        ServiceNode node = ServiceNode.start(id, datasource, FAST_LEASES, state);
        nodes.add(node);
        return node;
    }

    private static void awaitRunning(Connection db, String node) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!running(db, node).isEmpty()) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        throw new AssertionError("no job was ever running on " + node);
    }

    private static Set<String> running(Connection db, String node) throws SQLException {
        Set<String> running = new HashSet<>();
        try (PreparedStatement st =
                db.prepareStatement("SELECT id FROM jobs WHERE state = 'running' AND lease_owner = ?")) {
            st.setString(1, node);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    running.add(rs.getString(1));
                }
            }
        }
        return running;
    }

    static void awaitAllDone(Connection db, List<String> ids) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + JOBS_DONE.toNanos();
        long left = ids.size();
        while (System.nanoTime() < deadline) {
            left = count(db, "SELECT count(*) FROM jobs WHERE state <> 'done'", null);
            if (left == 0) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        throw new AssertionError(left + " jobs not done in time");
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
