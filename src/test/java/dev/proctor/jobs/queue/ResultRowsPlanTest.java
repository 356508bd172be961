package dev.proctor.jobs.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.grading.RunRecord;
import dev.proctor.grading.Verdict;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.accounting.Usage;
import dev.proctor.testsupport.NoDispatchProfile;
import dev.proctor.testsupport.PostgresTestResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The per-job statements on {@code jobs} reach their row through {@code jobs_pkey}, whatever the statistics say
 * about the partial indexes on {@code state}: a job's finish and a node's lease renewal read a handful of index
 * entries while thousands of other jobs are queued, with the generic plan the driver settles on after five
 * executions. The statistics are taken when no job is queued or running (most rows finished, as in production),
 * which made jobs_client_active look like one tiny page to the planner.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(NoDispatchProfile.class)
class ResultRowsPlanTest {

    private static final int QUEUED = 2000;

    @Inject
    AgroalDataSource db;

    private static void run(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Index entries the current transaction read from every index of {@code jobs} (its own statistics). */
    private static long entriesRead(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT sum(pg_stat_get_xact_tuples_returned(indexrelid)) FROM pg_index"
                        + " WHERE indrelid = CAST('jobs' AS regclass)")) {
            r.next();
            return r.getLong(1);
        }
    }

    private static UUID runningJob(Connection c, String node) throws SQLException {
        UUID id = UUID.randomUUID();
        try (PreparedStatement s = c.prepareStatement("""
                INSERT INTO jobs (id, client_id, state, profile, request, lease_owner, lease_expires_at, attempts,
                    started_at)
                VALUES (?, (SELECT min(id) FROM clients), 'running', 'bash', CAST('{}' AS jsonb), ?,
                    now() + interval '30 seconds', 1, now())""")) {
            s.setObject(1, id);
            s.setString(2, node);
            s.executeUpdate();
        }
        return id;
    }

    @Test
    void aFinishAndARenewalReadTheirJobsNotTheQueue() throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(true);
            run(c, "DELETE FROM jobs");
            run(c, """
                    INSERT INTO jobs (id, client_id, state, profile, request, finished_at)
                    SELECT gen_random_uuid(), (SELECT min(id) FROM clients), 'done', 'bash', CAST('{}' AS jsonb),
                        now()
                    FROM generate_series(1, 2000)""");
            run(c, "ANALYZE jobs");
            run(c, """
                    INSERT INTO jobs (id, client_id, state, profile, request)
                    SELECT gen_random_uuid(), c.id, 'queued', 'bash', CAST('{}' AS jsonb)
                    FROM generate_series(1, %d) g, (SELECT min(id) AS id FROM clients) c""".formatted(QUEUED));
            UUID renewed = runningJob(c, "node-plan");
            UUID finished = runningJob(c, "node-plan");
            c.setAutoCommit(false);
            try {
                run(c, "SET LOCAL plan_cache_mode = force_generic_plan");
                long before = entriesRead(c);
                Usage usage = new Usage(1000, 800, 200, 3000, 1 << 20, 0, 0, 1, 0, 0, 0, 0, 3, 0);
                List<RunRecord> runs = List.of(new RunRecord(
                        RunRecord.Kind.TEST, 0, "t1", RunStatus.OK, Verdict.ACCEPTED, 0, null, usage, List.of()));
                assertNotNull(ResultRows.write(
                        c, finished, "node-plan", new ResultRows.Ending("accepted", 1.0, "{}", null), runs));
                long finish = entriesRead(c) - before;
                // its own pkey entry, and the runs' foreign key check of it: not the 2000 queued jobs
                assertTrue(finish <= 4, "the finish read " + finish + " index entries of jobs");
                try (PreparedStatement s = c.prepareStatement(JobStore.RENEW)) {
                    s.setDouble(1, 30);
                    s.setString(2, "node-plan");
                    s.setArray(3, c.createArrayOf("uuid", new Object[] {renewed, finished}));
                    try (ResultSet r = s.executeQuery()) {
                        assertTrue(r.next());
                        assertEquals(renewed, r.getObject(1, UUID.class));
                    }
                }
                long renewal = entriesRead(c) - before - finish;
                assertTrue(renewal <= 4, "the renewal read " + renewal + " index entries of jobs");
            } finally {
                c.rollback();
                c.setAutoCommit(true);
                run(c, "DELETE FROM jobs");
            }
        }
    }
}
