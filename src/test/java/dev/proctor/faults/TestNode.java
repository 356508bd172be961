package dev.proctor.faults;

import dev.proctor.bench.ServiceNode;
import dev.proctor.bench.ThrowawayPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;

/** One packaged service node on its own throwaway PostgreSQL, for one fault test. */
final class TestNode implements AutoCloseable {

    final ThrowawayPostgres postgres = new ThrowawayPostgres();
    final ServiceNode node;
    final Api api;
    private final Map<String, String> datasource;

    private TestNode(String id, Map<String, String> config) throws Exception {
        datasource = postgres.start();
        try {
            node = ServiceNode.start(id, datasource, config);
        } catch (Exception e) {
            postgres.stop();
            throw e;
        }
        api = new Api(node);
        try {
            api.awaitToolchainsDetected();
        } catch (Exception | AssertionError e) {
            close();
            throw e;
        }
    }

    static TestNode start(String id, Map<String, String> config) throws Exception {
        return new TestNode(id, config);
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(
                datasource.get("quarkus.datasource.jdbc.url"),
                datasource.get("quarkus.datasource.username"),
                datasource.get("quarkus.datasource.password"));
    }

    /** One value of one job's row. */
    String column(String id, String column) throws SQLException {
        try (Connection db = connect();
                PreparedStatement st = db.prepareStatement("SELECT " + column + " FROM jobs WHERE id = ?::uuid")) {
            st.setString(1, id);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * SIGTERM first, so that the engine removes its own mounts and cgroups; SIGKILL if it hangs. Then the node's
     * state dir goes ({@link ServiceNode#close}: what a dead engine left cleaned, the directory removed): each fault
     * test's node left a state dir of 1.8 MB in /tmp behind, run after run.
     */
    @Override
    public void close() throws InterruptedException {
        try {
            if (node.terminate(Duration.ofSeconds(60)) == null) {
                node.kill();
            }
            node.close();
        } finally {
            postgres.stop();
        }
    }
}
