package dev.proctor.cluster;

import dev.proctor.bench.ServiceNode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Shared by the tests that run several service processes on one throwaway PostgreSQL. */
final class ClusterFixture {

    private ClusterFixture() {}

    /**
     * A job with one test whose program sleeps, so that jobs are caught running. Its CPU and wall
     * limits are far above what it needs, so that only the tests' own events (a kill) end it early.
     */
    static String submitSleeper(ServiceNode node, int n, double seconds) throws IOException, InterruptedException {
        String program = "import time\\ntime.sleep(" + seconds + ")\\nprint(input())";
        String body = "{\"profile\":\"python3\",\"files\":[{\"path\":\"main.py\",\"content\":\"" + program + "\"}],"
                + "\"limits\":{\"cpu_time_ms\":5000,\"wall_time_ms\":" + Math.max(15_000, (long) (seconds * 10_000))
                + "},"
                + "\"tests\":[{\"name\":\"t\",\"stdin\":\"" + n + "\\n\",\"expected_output\":\"" + n + "\\n\"}]}";
        return node.submit(body);
    }

    /** The PostgreSQL sessions of a node started by {@link ServiceNode} (named by its id: application_name). */
    static long sessions(Connection db, ServiceNode node) throws SQLException {
        try (PreparedStatement st =
                db.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
            st.setString(1, ServiceNode.APPLICATION_NAME_PREFIX + node.id());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Waits until PostgreSQL has ended every session of a node that was killed. What the node sent before it
     * died (a COMMIT of a finished job's result) is still in those sessions' sockets and is carried out before
     * the backend sees the connection closed: only then does the database say what the dead node left.
     */
    static void awaitSessionsEnded(Connection db, ServiceNode node) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (sessions(db, node) > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the sessions of the killed node " + node.id() + " did not end");
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    static Connection connect(Map<String, String> datasource) throws SQLException {
        return DriverManager.getConnection(
                datasource.get("quarkus.datasource.jdbc.url"),
                datasource.get("quarkus.datasource.username"),
                datasource.get("quarkus.datasource.password"));
    }
}
