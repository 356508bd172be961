package dev.proctor.jobs.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.bench.ThrowawayPostgres;
import dev.proctor.grading.RunRecord;
import dev.proctor.grading.Verdict;
import dev.proctor.jobs.Job;
import dev.proctor.jobs.JobState;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.accounting.Sample;
import dev.proctor.sandbox.accounting.Usage;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.flywaydb.core.Flyway;

/**
 * A job's end written in one statement ({@link ResultRows}): for any number of runs with any outputs
 * and accounting, the {@code runs} rows read back are exactly the runs produced, in order, and the job row
 * is done with the verdict, score, result and error given; a node without the lease writes nothing.
 * Against a throwaway PostgreSQL with the project's migrations.
 */
class ResultRowsPropertiesTest {

    private static ThrowawayPostgres postgres;
    private static Connection db;

    @BeforeContainer
    static void startDatabase() throws SQLException {
        postgres = new ThrowawayPostgres();
        Map<String, String> ds = postgres.start();
        String url = ds.get("quarkus.datasource.jdbc.url");
        String user = ds.get("quarkus.datasource.username");
        String password = ds.get("quarkus.datasource.password");
        Flyway.configure()
                .dataSource(url, user, password)
                .locations("filesystem:migrations")
                .load()
                .migrate();
        db = DriverManager.getConnection(url, user, password);
        try (PreparedStatement s = db.prepareStatement(
                "INSERT INTO clients (name, webhook_secret) VALUES ('rows', 'secret') ON CONFLICT DO NOTHING")) {
            s.executeUpdate();
        }
    }

    @AfterContainer
    static void stopDatabase() throws SQLException {
        if (db != null) {
            db.close();
        }
        if (postgres != null) {
            postgres.stop();
        }
    }

    @Provide
    Arbitrary<List<RunRecord>> runLists() {
        Arbitrary<RunRecord.Kind> kind = Arbitraries.of(RunRecord.Kind.class);
        // text columns cannot hold NUL, nor a lone surrogate (no UTF-8 for it); everything else any Unicode
        Arbitrary<String> name = Arbitraries.strings()
                .all()
                .excludeChars('\0')
                .ofMaxLength(40)
                .filter(s -> s.codePoints().noneMatch(cp -> cp >= 0xD800 && cp <= 0xDFFF))
                .injectNull(0.2);
        Arbitrary<RunStatus> status = Arbitraries.of(RunStatus.class);
        Arbitrary<Verdict> verdict = Arbitraries.of(Verdict.class).injectNull(0.3);
        Arbitrary<Integer> exit = Arbitraries.integers().between(-1, 255).injectNull(0.3);
        Arbitrary<String> signal =
                Arbitraries.of("SIGKILL", "SIGSEGV", "SIGXCPU").injectNull(0.6);
        Arbitrary<Long> count = Arbitraries.oneOf(
                Arbitraries.of(-1L, 0L, Long.MAX_VALUE), Arbitraries.longs().between(0, 1L << 40));
        Arbitrary<Usage> usage = count.list()
                .ofSize(14)
                .map(u -> new Usage(
                        u.get(0), u.get(1), u.get(2), u.get(3), u.get(4), u.get(5), u.get(6), u.get(7), u.get(8),
                        u.get(9), u.get(10), u.get(11), u.get(12), u.get(13)));
        Arbitrary<List<Sample>> timeline =
                Combinators.combine(count, count, count).as(Sample::new).list().ofMaxSize(6);
        Arbitrary<RunRecord> unlimited = Combinators.combine(kind, name, status, verdict, exit, signal, usage, timeline)
                .as((k, n, st, v, e, sig, u, t) -> new RunRecord(k, 0, n, st, v, e, sig, u, t));
        Arbitrary<Long> memoryLimit = Arbitraries.longs().between(1, 1L << 40).injectNull(0.3);
        Arbitrary<RunRecord> run = Combinators.combine(unlimited, memoryLimit)
                .as((r, m) -> new RunRecord(
                        r.kind(),
                        r.seq(),
                        r.testName(),
                        r.status(),
                        r.verdict(),
                        r.exitCode(),
                        r.signal(),
                        r.usage(),
                        r.timeline(),
                        m));
        // (kind, seq) is unique per job: the grader numbers its runs so
        return run.list().ofMaxSize(120).map(ResultRowsPropertiesTest::numbered);
    }

    private static List<RunRecord> numbered(List<RunRecord> runs) {
        List<RunRecord> out = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            RunRecord r = runs.get(i);
            int seq = r.kind() == RunRecord.Kind.CHECKER && i % 7 == 0 ? -1 - i : i;
            out.add(new RunRecord(
                    r.kind(),
                    seq,
                    r.testName(),
                    r.status(),
                    r.verdict(),
                    r.exitCode(),
                    r.signal(),
                    r.usage(),
                    r.timeline(),
                    r.memoryLimitBytes()));
        }
        return out;
    }

    @Property(tries = 60)
    void whatIsStoredIsWhatWasProduced(
            @ForAll("runLists") List<RunRecord> runs,
            @ForAll Verdict verdict,
            @ForAll("scores") double score,
            @ForAll("errors") String error)
            throws SQLException {
        UUID id = runningJob("node-a");
        String result = "{\"tests\": [], \"n\": " + runs.size() + "}";
        Job stored =
                ResultRows.write(db, id, "node-a", new ResultRows.Ending(verdict.wire(), score, result, error), runs);
        assertEquals(runs, storedRuns(id));
        assertEquals(id, stored.id);
        assertEquals(JobState.DONE, stored.state);
        assertEquals(verdict, stored.verdict);
        assertEquals(score, stored.score);
        assertEquals(error, stored.error);
        assertEquals(result, stored.result);
        assertEquals(1, stored.attempts);
        assertTrue(stored.finishedAt != null && !stored.finishedAt.isBefore(stored.createdAt));
        try (PreparedStatement s = db.prepareStatement(
                "SELECT state, verdict, score, CAST(result AS text), error, lease_owner FROM jobs WHERE id = ?")) {
            s.setObject(1, id);
            try (ResultSet rs = s.executeQuery()) {
                assertTrue(rs.next());
                assertEquals("done", rs.getString(1));
                assertEquals(verdict.wire(), rs.getString(2));
                assertEquals(score, rs.getDouble(3));
                assertEquals("{\"n\": " + runs.size() + ", \"tests\": []}", rs.getString(4));
                assertEquals(error, rs.getString(5));
                assertEquals(null, rs.getString(6));
            }
        }
    }

    @Provide
    Arbitrary<Double> scores() {
        return Arbitraries.doubles().between(0, 1);
    }

    @Provide
    Arbitrary<String> errors() {
        return Arbitraries.strings()
                .alpha()
                .numeric()
                .withChars(' ', ':')
                .ofMaxLength(60)
                .injectNull(0.5);
    }

    @Property(tries = 20)
    void aNodeWithoutTheLeaseWritesNothing(@ForAll("runLists") List<RunRecord> runs) throws SQLException {
        UUID id = runningJob("node-a");
        assertNull(ResultRows.write(db, id, "node-b", new ResultRows.Ending("accepted", 1, "{}", null), runs));
        assertEquals(List.of(), storedRuns(id));
        try (PreparedStatement s = db.prepareStatement("SELECT state FROM jobs WHERE id = ?")) {
            s.setObject(1, id);
            try (ResultSet rs = s.executeQuery()) {
                assertTrue(rs.next());
                assertEquals("running", rs.getString(1));
            }
        }
    }

    @Example
    void aRejectedRunRowLeavesTheJobUnfinished() throws SQLException {
        UUID id = runningJob("node-a");
        RunRecord bad = new RunRecord(
                RunRecord.Kind.TEST, 0, "nul\0name", RunStatus.OK, Verdict.ACCEPTED, 0, null, Usage.NONE, List.of());
        SQLException e = org.junit.jupiter.api.Assertions.assertThrows(
                SQLException.class,
                () -> ResultRows.write(
                        db, id, "node-a", new ResultRows.Ending("accepted", 1, "{}", null), List.of(bad)));
        assertTrue(e.getSQLState().startsWith("22"), e.getSQLState());
        try (PreparedStatement s = db.prepareStatement("SELECT state FROM jobs WHERE id = ?")) {
            s.setObject(1, id);
            try (ResultSet rs = s.executeQuery()) {
                assertTrue(rs.next());
                assertEquals("running", rs.getString(1));
            }
        }
    }

    private static UUID runningJob(String node) throws SQLException {
        UUID id = UUID.randomUUID();
        try (PreparedStatement s = db.prepareStatement("""
                INSERT INTO jobs (id, client_id, state, profile, request, lease_owner, attempts)
                VALUES (?, (SELECT min(id) FROM clients), 'running', 'bash', CAST('{}' AS jsonb), ?, 1)""")) {
            s.setObject(1, id);
            s.setString(2, node);
            s.executeUpdate();
        }
        return id;
    }

    private static List<RunRecord> storedRuns(UUID job) throws SQLException {
        List<RunRecord> out = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement("""
                SELECT kind, seq, test_name, status, verdict, exit_code, signal, cpu_time_us, user_us, system_us,
                    wall_us, memory_peak_bytes, oom_kills, memory_limit_hits, pids_peak, throttled_periods,
                    throttled_us, io_read_bytes, io_write_bytes, stdout_bytes, stderr_bytes, timeline,
                    memory_limit_bytes
                FROM runs WHERE job_id = ? ORDER BY id""")) {
            s.setObject(1, job);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(read(rs));
                }
            }
        }
        return out;
    }

    private static RunRecord read(ResultSet rs) throws SQLException {
        long[] u = new long[14];
        for (int k = 0; k < u.length; k++) {
            u[k] = rs.getLong(8 + k);
        }
        byte[] timeline = rs.getBytes(22);
        List<Sample> samples = new ArrayList<>();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(timeline);
        while (b.remaining() >= 24) {
            samples.add(new Sample(b.getLong(), b.getLong(), b.getLong()));
        }
        assertEquals(0, b.remaining());
        assertArrayEquals(timeline, timelineOf(samples));
        String verdict = rs.getString(5);
        int exit = rs.getInt(6);
        Integer exitCode = rs.wasNull() ? null : exit;
        return new RunRecord(
                kindOf(rs.getString(1)),
                rs.getInt(2),
                rs.getString(3),
                RunStatus.valueOf(rs.getString(4).toUpperCase(java.util.Locale.ROOT)),
                verdict == null ? null : Verdict.parse(verdict),
                exitCode,
                rs.getString(7),
                new Usage(u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13]),
                samples,
                rs.getObject(23, Long.class));
    }

    private static byte[] timelineOf(List<Sample> samples) {
        byte[] b = new RunRecord(RunRecord.Kind.TEST, 0, null, RunStatus.OK, null, null, null, Usage.NONE, samples)
                .timelineBytes();
        return b == null ? new byte[0] : b;
    }

    private static RunRecord.Kind kindOf(String wire) {
        for (RunRecord.Kind k : RunRecord.Kind.values()) {
            if (k.wire().equals(wire)) {
                return k;
            }
        }
        throw new AssertionError("unknown kind " + wire);
    }
}
