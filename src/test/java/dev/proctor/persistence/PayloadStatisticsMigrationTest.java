package dev.proctor.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * V38 applied to a database at V37 holding jobs and runs: the payload columns (jobs.request, jobs.result,
 * runs.timeline) get no statistics at the next ANALYZE, every other column and the expression index jobs_problem
 * keep theirs, the rows are untouched, and a job's problem is still found through jobs_problem.
 */
class PayloadStatisticsMigrationTest extends MigrationTestDatabase {

    @Test
    void v38AppliesOnAV37DatabaseWithJobsAndKeepsThemFindable() throws SQLException {
        flyway("37").migrate();
        try (Statement s = db.createStatement()) {
            s.execute("INSERT INTO clients (name, webhook_secret) VALUES ('v38', 'secret')");
            // 3 000 jobs, one in ten against one of three problems, each with a run
            s.execute("""
                    INSERT INTO jobs (id, client_id, state, verdict, score, profile, request, result, created_at,
                        started_at, finished_at)
                    SELECT gen_random_uuid(), (SELECT min(id) FROM clients), 'done', 'accepted', 1, 'bash',
                        CASE WHEN g % 10 = 0
                            THEN jsonb_build_object('problem', jsonb_build_object('id', 'p' || (g % 3)), 'n', g)
                            ELSE jsonb_build_object('files', jsonb_build_array(jsonb_build_object('path', 'f' || g)))
                        END,
                        jsonb_build_object('verdict', 'accepted', 'tests', jsonb_build_array(g)),
                        now() - g * interval '1 second', now(), now()
                    FROM generate_series(1, 3000) g""");
            s.execute("""
                    INSERT INTO runs (job_id, kind, seq, status, cpu_time_us, user_us, system_us, wall_us,
                        memory_peak_bytes, oom_kills, memory_limit_hits, pids_peak, throttled_periods, throttled_us,
                        io_read_bytes, io_write_bytes, stdout_bytes, stderr_bytes, timeline)
                    SELECT id, 'test', 1, 'ok', 1, 1, 0, 2, 1, 0, 0, 1, 0, 0, 0, 0, 3, 0, '\\x0001'::bytea
                    FROM jobs""");
        }
        assertEquals("37", flyway("38").info().current().getVersion().getVersion());
        flyway("38").migrate();
        assertEquals("38", flyway("38").info().current().getVersion().getVersion());

        assertEquals(0, statisticsTarget("jobs", "request"));
        assertEquals(0, statisticsTarget("jobs", "result"));
        assertEquals(0, statisticsTarget("runs", "timeline"));
        assertEquals(-1, statisticsTarget("jobs", "state"), "other columns keep the default target");
        assertEquals(-1, statisticsTarget("runs", "job_id"));
        assertEquals(
                3000L,
                number(
                        "SELECT count(*) FROM jobs WHERE request -> 'problem' IS NOT NULL OR request -> 'files' IS NOT NULL"));
        assertEquals(3000L, number("SELECT count(*) FROM runs WHERE timeline = '\\x0001'::bytea"));

        try (Statement s = db.createStatement()) {
            s.execute("ANALYZE jobs");
            s.execute("ANALYZE runs");
        }
        List<String> analyzed = strings("SELECT tablename || '.' || attname FROM pg_stats WHERE schemaname = 'public'"
                + " AND tablename IN ('jobs', 'runs', 'jobs_problem') ORDER BY 1");
        assertTrue(!analyzed.contains("jobs.request") && !analyzed.contains("jobs.result"), analyzed.toString());
        assertTrue(!analyzed.contains("runs.timeline"), analyzed.toString());
        assertTrue(analyzed.contains("jobs.state") && analyzed.contains("runs.job_id"), analyzed.toString());
        assertTrue(analyzed.contains("jobs_problem.expr"), "the expression index keeps its own: " + analyzed);

        // the problems pages' look-up still goes through the expression index, and finds the same jobs
        assertEquals(100L, number("SELECT count(*) FROM jobs j WHERE j.request -> 'problem' ->> 'id' = 'p1'"));
        String plan = String.join(
                "\n", strings("EXPLAIN SELECT count(*) FROM jobs j WHERE j.request -> 'problem' ->> 'id' = 'p1'"));
        assertTrue(plan.contains("jobs_problem"), plan);
    }

    private static int statisticsTarget(String table, String column) throws SQLException {
        try (PreparedStatement s = db.prepareStatement(
                "SELECT attstattarget FROM pg_attribute WHERE attrelid = CAST(? AS regclass) AND attname = ?")) {
            s.setString(1, table);
            s.setString(2, column);
            try (ResultSet r = s.executeQuery()) {
                assertTrue(r.next(), table + "." + column);
                return r.getInt(1);
            }
        }
    }
}
