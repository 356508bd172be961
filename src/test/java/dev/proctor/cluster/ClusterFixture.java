package dev.proctor.cluster;

import dev.proctor.bench.ServiceNode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;

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

    static Connection connect(Map<String, String> datasource) throws SQLException {
        return DriverManager.getConnection(
                datasource.get("quarkus.datasource.jdbc.url"),
                datasource.get("quarkus.datasource.username"),
                datasource.get("quarkus.datasource.password"));
    }
}
