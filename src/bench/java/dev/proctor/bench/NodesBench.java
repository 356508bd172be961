package dev.proctor.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code proctor bench nodes}: jobs/s with 1, 2 and 3 service processes sharing one throwaway
 * PostgreSQL on this machine, and a count proving that nothing was lost or run twice.
 */
public final class NodesBench {

    private static final int JOBS = Integer.getInteger("proctor.bench.jobs", 200);
    private static final String JOB =
            "{\"profile\":\"bash\",\"files\":[{\"path\":\"main.sh\",\"content\":\"read x; echo $x\"}],"
                    + "\"tests\":[{\"name\":\"t\",\"stdin\":\"7\\n\",\"expected_output\":\"7\\n\"}]}";

    private NodesBench() {}

    public static int run(PrintStream out, PrintStream err) {
        out.printf("proctor bench nodes: %d trivial jobs (bash, one test) per round, submitted by 8 clients%n", JOBS);
        for (int nodes = 1; nodes <= 3; nodes++) {
            try {
                round(nodes, out);
            } catch (IOException | InterruptedException | ExecutionException | SQLException e) {
                err.println("proctor bench nodes: round with " + nodes + " nodes failed: " + e.getMessage());
                return 1;
            }
        }
        return 0;
    }

    private static void round(int count, PrintStream out)
            throws IOException, InterruptedException, ExecutionException, SQLException {
        ThrowawayPostgres postgres = ThrowawayPostgres.forBench();
        Map<String, String> db = postgres.start();
        out.println("  " + postgres.commits());
        List<ServiceNode> nodes = new ArrayList<>();
        try {
            for (int i = 1; i <= count; i++) {
                nodes.add(ServiceNode.start("bench-" + i, db, Map.of()));
            }
            long t0 = System.nanoTime();
            ExecutorService clients = Executors.newFixedThreadPool(8);
            List<Future<String>> ids = new ArrayList<>();
            for (int i = 0; i < JOBS; i++) {
                ServiceNode api = nodes.get(i % count);
                ids.add(clients.submit(() -> api.submit(JOB)));
            }
            for (Future<String> f : ids) {
                f.get();
            }
            clients.shutdown();
            try (Connection c = DriverManager.getConnection(
                    db.get("quarkus.datasource.jdbc.url"),
                    db.get("quarkus.datasource.username"),
                    db.get("quarkus.datasource.password"))) {
                awaitDone(c);
                double seconds = (System.nanoTime() - t0) / 1e9;
                long results = single(c, "SELECT count(*) FROM runs WHERE kind = 'test'");
                long accepted = single(c, "SELECT count(*) FROM jobs WHERE verdict = 'accepted'");
                out.printf(
                        "%d node(s): %6.1f jobs/s | %d jobs, %d results, %d accepted, %s%n",
                        count,
                        JOBS / seconds,
                        JOBS,
                        results,
                        accepted,
                        results == JOBS ? "nothing lost or run twice" : "MISMATCH");
            }
        } finally {
            for (ServiceNode n : nodes) {
                n.close();
            }
            postgres.stop();
        }
    }

    private static void awaitDone(Connection c) throws SQLException, InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (single(c, "SELECT count(*) FROM jobs WHERE state <> 'done'") > 0) {
            if (System.nanoTime() > deadline) {
                throw new IOException("jobs still not done after 5 minutes");
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private static long single(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
