package dev.proctor.jobs.queue;

import dev.proctor.grading.RunRecord;
import dev.proctor.grading.Verdict;
import dev.proctor.jobs.Job;
import dev.proctor.jobs.JobState;
import dev.proctor.sandbox.accounting.Usage;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * A job's end in one statement, so in one round trip and one transaction: the job row set done (only while
 * {@code node} holds its lease) and all its runs inserted, each column of the runs sent as one array and
 * unnested by PostgreSQL, in their order. Either everything is stored or nothing (a rejected run row rejects
 * the job's update too).
 */
final class ResultRows {

    /**
     * The job's row is found by its id (jobs_pkey), one index entry. Its state is compared under {@code COLLATE
     * "C"} (for text equality the same as the default collation: byte for byte) so that the planner cannot prove
     * from it the predicate of the partial indexes on {@code state} (jobs_client_active, V34; jobs_running_lease):
     * with a plain {@code state = 'running'} the generic plan the driver settles on after five executions was a
     * full scan of jobs_client_active filtered on the id, costed from the statistics as one tiny page, walking in
     * fact every queued and running job of every client and every entry of a finished job not yet vacuumed (the
     * index has a page per few hundred jobs that went through it; while any snapshot older than those jobs is
     * open, none of their entries can even be marked dead): thousands of buffers per finish where the id needs
     * about five.
     */
    static final String FINISH = """
            WITH job AS (
                UPDATE jobs SET state = 'done', verdict = ?, score = ?, result = CAST(? AS jsonb), error = ?,
                    finished_at = now(), lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ? AND state = 'running' COLLATE "C" AND lease_owner = ?
                RETURNING id, client_id, state, verdict, score, profile, idempotency_key, attempts, error,
                    callback_url, webhook_state, created_at, started_at, finished_at),
            run AS (
                INSERT INTO runs (job_id, kind, seq, test_name, status, verdict, exit_code, signal,
                    cpu_time_us, user_us, system_us, wall_us, memory_peak_bytes, oom_kills, memory_limit_hits,
                    pids_peak, throttled_periods, throttled_us, io_read_bytes, io_write_bytes, stdout_bytes,
                    stderr_bytes, timeline, memory_limit_bytes)
                SELECT job.id, r.kind, r.seq, r.test_name, r.status, r.verdict, r.exit_code, r.signal,
                    r.cpu_time_us, r.user_us, r.system_us, r.wall_us, r.memory_peak_bytes, r.oom_kills,
                    r.memory_limit_hits, r.pids_peak, r.throttled_periods, r.throttled_us, r.io_read_bytes,
                    r.io_write_bytes, r.stdout_bytes, r.stderr_bytes, r.timeline, r.memory_limit_bytes
                FROM job, unnest(CAST(? AS text[]), CAST(? AS int4[]), CAST(? AS text[]), CAST(? AS text[]),
                        CAST(? AS text[]), CAST(? AS int4[]), CAST(? AS text[]), CAST(? AS int8[]),
                        CAST(? AS int8[]), CAST(? AS int8[]), CAST(? AS int8[]), CAST(? AS int8[]),
                        CAST(? AS int8[]), CAST(? AS int8[]), CAST(? AS int8[]), CAST(? AS int8[]),
                        CAST(? AS int8[]), CAST(? AS int8[]), CAST(? AS int8[]), CAST(? AS int8[]),
                        CAST(? AS int8[]), CAST(? AS bytea[]), CAST(? AS int8[]))
                    WITH ORDINALITY AS r(kind, seq, test_name, status, verdict, exit_code, signal, cpu_time_us,
                        user_us, system_us, wall_us, memory_peak_bytes, oom_kills, memory_limit_hits, pids_peak,
                        throttled_periods, throttled_us, io_read_bytes, io_write_bytes, stdout_bytes, stderr_bytes,
                        timeline, memory_limit_bytes, ord)
                ORDER BY r.ord
                RETURNING 1)
            SELECT job.* FROM job""";

    private ResultRows() {}

    /** The job's columns at its end. */
    record Ending(String verdict, double score, String resultJson, String error) {}

    /**
     * Ends job {@code id} held by {@code node} with {@code ending} and inserts {@code runs}; returns the job row as
     * stored (without its request; its result as {@code ending} had it), or null (and nothing written) when the
     * node no longer holds the job's lease.
     */
    static Job write(Connection c, UUID id, String node, Ending ending, List<RunRecord> runs) throws SQLException {
        int n = runs.size();
        String[] kind = new String[n];
        Integer[] seq = new Integer[n];
        String[] testName = new String[n];
        String[] status = new String[n];
        String[] verdict = new String[n];
        Integer[] exitCode = new Integer[n];
        String[] signal = new String[n];
        Long[][] usage = new Long[14][n];
        byte[][] timeline = new byte[n][];
        Long[] memoryLimit = new Long[n];
        for (int i = 0; i < n; i++) {
            RunRecord r = runs.get(i);
            kind[i] = r.kind().wire();
            seq[i] = r.seq();
            testName[i] = r.testName();
            status[i] = r.status().wire();
            verdict[i] = r.verdict() == null ? null : r.verdict().wire();
            exitCode[i] = r.exitCode();
            signal[i] = r.signal();
            long[] u = columns(r.usage());
            for (int k = 0; k < u.length; k++) {
                usage[k][i] = u[k];
            }
            byte[] t = r.timelineBytes();
            timeline[i] = t == null ? new byte[0] : t;
            memoryLimit[i] = r.memoryLimitBytes();
        }
        try (PreparedStatement s = c.prepareStatement(FINISH)) {
            int p = 1;
            s.setString(p++, ending.verdict());
            s.setDouble(p++, ending.score());
            s.setString(p++, ending.resultJson());
            if (ending.error() == null) {
                s.setNull(p++, Types.VARCHAR);
            } else {
                s.setString(p++, ending.error());
            }
            s.setObject(p++, id);
            s.setString(p++, node);
            p = array(c, s, p, "text", kind);
            p = array(c, s, p, "int4", seq);
            p = array(c, s, p, "text", testName);
            p = array(c, s, p, "text", status);
            p = array(c, s, p, "text", verdict);
            p = array(c, s, p, "int4", exitCode);
            p = array(c, s, p, "text", signal);
            for (Long[] column : usage) {
                p = array(c, s, p, "int8", column);
            }
            p = array(c, s, p, "bytea", timeline);
            array(c, s, p, "int8", memoryLimit);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? stored(rs, ending) : null;
            }
        }
    }

    private static Job stored(ResultSet r, Ending ending) throws SQLException {
        Job j = new Job();
        j.id = r.getObject(1, UUID.class);
        j.clientId = r.getLong(2);
        j.state = JobState.parse(r.getString(3));
        j.verdict = Verdict.parse(r.getString(4));
        j.score = r.getObject(5, Double.class);
        j.profile = r.getString(6);
        j.idempotencyKey = r.getString(7);
        j.attempts = r.getInt(8);
        j.error = r.getString(9);
        j.callbackUrl = r.getString(10);
        j.webhookState = r.getString(11);
        j.createdAt = r.getObject(12, OffsetDateTime.class);
        j.startedAt = r.getObject(13, OffsetDateTime.class);
        j.finishedAt = r.getObject(14, OffsetDateTime.class);
        j.result = ending.resultJson();
        return j;
    }

    /** The usage columns of {@code runs}, in the statement's order (cpu_time_us … stderr_bytes). */
    private static long[] columns(Usage u) {
        return new long[] {
            u.cpuTimeMicros(),
            u.userTimeMicros(),
            u.systemTimeMicros(),
            u.wallTimeMicros(),
            u.memoryPeakBytes(),
            u.oomKills(),
            u.memoryLimitHits(),
            u.pidsPeak(),
            u.throttledPeriods(),
            u.throttledMicros(),
            u.ioReadBytes(),
            u.ioWriteBytes(),
            u.stdoutBytes(),
            u.stderrBytes()
        };
    }

    private static int array(Connection c, PreparedStatement s, int p, String type, Object[] values)
            throws SQLException {
        Array a = c.createArrayOf(type, values);
        s.setArray(p, a);
        return p + 1;
    }
}
