package dev.proctor.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.maintenance.QueueMaintenance;
import dev.proctor.testsupport.NoDispatchProfile;
import dev.proctor.testsupport.PostgresTestResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A submission inserted claimed by the node that accepted it (see {@link LocalSlots}), against the real database:
 * only when the node offers a slot, the queue is empty and the node is not draining; such a job is running under
 * the node's lease, its first attempt, and is requeued like any claim when that lease expires.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(NoDispatchProfile.class)
class JobRowsClaimTest {

    private static final Duration LEASE = Duration.ofSeconds(30);

    @Inject
    JobRows rows;

    @Inject
    QueueMaintenance maintenance;

    @Inject
    EntityManager em;

    @Inject
    AgroalDataSource db;

    @BeforeEach
    void emptyQueue() {
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery("DELETE FROM jobs").executeUpdate());
    }

    private Job newJob() {
        Job job = new Job();
        job.id = UUID.randomUUID();
        job.clientId = QuarkusTransaction.requiringNew()
                .call(() -> ((Number) em.createNativeQuery("SELECT min(id) FROM clients")
                                .getSingleResult())
                        .longValue());
        job.profile = "bash";
        job.request = "{}";
        return job;
    }

    private Object column(UUID id, String column) {
        return QuarkusTransaction.requiringNew()
                .call(() -> em.createNativeQuery("SELECT " + column + " FROM jobs WHERE id = ?1")
                        .setParameter(1, id)
                        .getSingleResult());
    }

    @Test
    void aJobOfferedASlotOnAnEmptyQueueIsInsertedRunningUnderTheNodesLease() {
        Job job = newJob();
        JobRows.Inserted inserted = rows.insert(job, 100, 100, "node-a", LEASE);
        assertNotNull(inserted.createdAt());
        assertTrue(inserted.claimed());
        assertEquals("running", column(job.id, "state"));
        assertEquals("node-a", column(job.id, "lease_owner"));
        assertEquals(1, ((Number) column(job.id, "attempts")).intValue());
        assertNotNull(column(job.id, "started_at"));
        assertEquals(true, column(job.id, "lease_expires_at > now() + interval '20 seconds'"));
        // counted against the client's jobs at once, like a claimed one
        JobRows.Inserted second = rows.insert(newJob(), 100, 1, null, null);
        assertNull(second.createdAt());
        assertEquals(1, second.active());
    }

    @Test
    void withoutASlotOrBehindQueuedJobsTheJobIsQueued() {
        Job plain = newJob();
        JobRows.Inserted a = rows.insert(plain, 100, 100, null, null);
        assertFalse(a.claimed());
        assertEquals("queued", column(plain.id, "state"));
        assertNull(column(plain.id, "lease_owner"));
        assertEquals(0, ((Number) column(plain.id, "attempts")).intValue());
        // a job is queued already: the new one goes behind it, not ahead of it into a slot
        Job behind = newJob();
        JobRows.Inserted b = rows.insert(behind, 100, 100, "node-a", LEASE);
        assertNotNull(b.createdAt());
        assertFalse(b.claimed());
        assertEquals("queued", column(behind.id, "state"));
        assertNull(column(behind.id, "lease_owner"));
    }

    @Test
    void aDrainingNodeIsGivenNothing() {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("""
                INSERT INTO nodes (id, hostname, slots, draining) VALUES ('drainer', 'host', 1, true)
                ON CONFLICT (id) DO UPDATE SET draining = true""").executeUpdate());
        Job job = newJob();
        assertFalse(rows.insert(job, 100, 100, "drainer", LEASE).claimed());
        assertEquals("queued", column(job.id, "state"));
    }

    @Test
    void aDeadNodesJobIsRequeuedWhenItsLeaseExpires() {
        Job job = newJob();
        assertTrue(rows.insert(job, 100, 100, "dies", Duration.ofMillis(1)).claimed());
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery("UPDATE jobs SET lease_expires_at = now() - interval '1 second'")
                        .executeUpdate());
        maintenance.requeueExpiredLeases();
        assertEquals("queued", column(job.id, "state"));
        assertNull(column(job.id, "lease_owner"));
    }

    /** V36: only keys that exist are unique; jobs without one never conflict. */
    @Test
    void aKeyIsUniquePerClientAndJobsWithoutOneNeverConflict() {
        Job keyed = newJob();
        keyed.idempotencyKey = "k-1";
        assertNotNull(rows.insert(keyed, 100, 100, null, null).createdAt());
        Job again = newJob();
        again.idempotencyKey = "k-1";
        assertNull(rows.insert(again, 100, 100, null, null).createdAt());
        assertEquals(keyed.id, rows.byKey(keyed.clientId, "k-1").id);
        for (int i = 0; i < 3; i++) {
            assertNotNull(rows.insert(newJob(), 100, 100, null, null).createdAt());
        }
        assertEquals(
                4L,
                ((Number) QuarkusTransaction.requiringNew()
                                .call(() -> em.createNativeQuery("SELECT count(*) FROM jobs")
                                        .getSingleResult()))
                        .longValue());
    }

    @Test
    void aRefusedSubmissionIsNeitherInsertedNorClaimed() {
        Job job = newJob();
        JobRows.Inserted refused = rows.insert(job, 0, 100, "node-a", LEASE);
        assertNull(refused.createdAt());
        assertFalse(refused.claimed());
        assertEquals(
                0L,
                ((Number) QuarkusTransaction.requiringNew()
                                .call(() -> em.createNativeQuery("SELECT count(*) FROM jobs")
                                        .getSingleResult()))
                        .longValue());
    }
    /**
     * A submission's count of its client's unfinished jobs reads the unfinished ones only: with 20 000 finished
     * jobs of the client stored, it touches a handful of pages (it walked every one of them before V34), and the
     * counts a submission is judged by stay right.
     */
    @Test
    void theClientsActiveCountDoesNotReadItsFinishedJobs() {
        Job first = newJob();
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("""
                    INSERT INTO jobs (id, client_id, state, profile, request, created_at, finished_at)
                    SELECT gen_random_uuid(), ?1, 'done', 'bash', '{}', now() - g * interval '1 second', now()
                    FROM generate_series(1, 20000) g""").setParameter(1, first.clientId).executeUpdate();
            em.createNativeQuery("ANALYZE jobs").executeUpdate();
        });
        assertFalse(rows.insert(first, 100, 100, null, null).claimed());
        JobRows.Inserted second = rows.insert(newJob(), 100, 100, null, null);
        assertEquals(1, second.active());
        assertEquals(1, second.queued());
        String plan = QuarkusTransaction.requiringNew()
                .call(() -> String.valueOf(em.createNativeQuery("""
                        EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
                        SELECT count(*) FROM jobs WHERE client_id = ?1 AND state IN ('queued', 'running')""")
                        .setParameter(1, first.clientId)
                        .getSingleResult()));
        Matcher hit = Pattern.compile("\"Shared Hit Blocks\": (\\d+)").matcher(plan);
        Matcher read = Pattern.compile("\"Shared Read Blocks\": (\\d+)").matcher(plan);
        assertTrue(hit.find() && read.find(), plan);
        long pages = Long.parseLong(hit.group(1)) + Long.parseLong(read.group(1));
        // 20 000 finished rows fill some 400 heap pages and their index entries dozens more
        assertTrue(pages < 20, "the active count read " + pages + " pages: " + plan);
    }

    /** Heap blocks of {@code jobs} the current transaction asked for (its own statistics). */
    private static long heapBlocks(Connection c) throws SQLException {
        try (PreparedStatement s =
                        c.prepareStatement("SELECT pg_stat_get_xact_blocks_fetched(CAST('jobs' AS regclass))");
                ResultSet r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
        }
    }

    /**
     * The counts a submission is judged by are index-only scans, whatever the statistics say (here taken while the
     * client had 3 000 jobs queued): the first one marks the entries of the client's jobs finished since dead, the
     * next ones skip them. A bitmap scan (the plain {@code count(*)} planned from such statistics) visited the 600
     * heap pages of those jobs on every submission until a vacuum. The counts stay exact up to their limits.
     */
    @Test
    void theCountsSkipTheEntriesOfJobsFinishedSinceTheLastVacuum() throws SQLException {
        Job first = newJob();
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("""
                    INSERT INTO jobs (id, client_id, state, profile, request, created_at)
                    SELECT gen_random_uuid(), ?1, 'queued', 'bash', '{}', now() - g * interval '1 second'
                    FROM generate_series(1, 3000) g""").setParameter(1, first.clientId).executeUpdate();
            em.createNativeQuery("ANALYZE jobs").executeUpdate();
        });
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery("UPDATE jobs SET state = 'done', finished_at = now()")
                        .executeUpdate());
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement s = c.prepareStatement("SET LOCAL plan_cache_mode = force_generic_plan")) {
                    s.execute();
                }
                JobRows.insert(c, first, 100, 3, null, null);
                JobRows.Inserted second = JobRows.insert(c, newJob(), 100, 3, null, null);
                assertEquals(1, second.active());
                assertEquals(1, second.queued());
                long before = heapBlocks(c);
                JobRows.Inserted third = JobRows.insert(c, newJob(), 100, 3, null, null);
                long blocks = heapBlocks(c) - before;
                assertEquals(2, third.active());
                assertNotNull(third.createdAt());
                // the two counts' few live jobs and the insert's own page; not the 600 pages of finished jobs
                assertTrue(blocks < 20, "a submission read " + blocks + " heap blocks of jobs");
                // at its limit a count stops there, and the submission is refused as before
                JobRows.Inserted refused = JobRows.insert(c, newJob(), 100, 3, null, null);
                assertNull(refused.createdAt());
                assertEquals(3, refused.active());
                assertEquals(2, JobRows.insert(c, newJob(), 2, 100, null, null).queued());
            } finally {
                c.rollback();
            }
        }
    }

    /**
     * The insert's plan looks the node up once and reads the jobs table's two counts once each: with the claim
     * inlined, every column that read it had its own copy of the node's look-up (six scans of {@code nodes} per
     * submission).
     */
    @Test
    void theInsertLooksTheNodeUpOnce() throws SQLException {
        String plan;
        try (Connection c = db.getConnection();
                PreparedStatement s = c.prepareStatement("EXPLAIN (FORMAT JSON) " + JobRows.INSERT)) {
            // the parameters in JobRows.insert's order: queue limit, client, client limit, node, node, id, client,
            // profile, request, key, callback, webhook state, node, lease, queue limit, client limit
            s.setLong(1, 100);
            s.setLong(2, 1L);
            s.setLong(3, 100);
            s.setString(4, "node-a");
            s.setString(5, "node-a");
            s.setObject(6, UUID.randomUUID());
            s.setLong(7, 1L);
            s.setString(8, "bash");
            s.setString(9, "{}");
            for (int i = 10; i <= 12; i++) {
                s.setNull(i, Types.VARCHAR);
            }
            s.setString(13, "node-a");
            s.setDouble(14, 30);
            s.setLong(15, 100);
            s.setLong(16, 100);
            try (ResultSet r = s.executeQuery()) {
                assertTrue(r.next());
                plan = r.getString(1);
            }
        }
        assertEquals(1, count(plan, "\"Relation Name\": \"nodes\""), plan);
        assertEquals(2, count(plan, "\"Relation Name\": \"jobs\"") - 1, "two counts and the insert: " + plan);
    }

    /**
     * A submission without an Idempotency-Key is a plain insert (no speculative insertion: it cannot conflict in the
     * partial unique index of keys); with a key the insert keeps its arbiter. The other tests insert both ways.
     */
    @Test
    void onlyAKeyedInsertHasAnArbiter() {
        assertFalse(JobRows.INSERT_WITHOUT_KEY.contains("ON CONFLICT"), JobRows.INSERT_WITHOUT_KEY);
        assertTrue(JobRows.INSERT.contains("ON CONFLICT"), JobRows.INSERT);
        assertEquals(
                JobRows.INSERT.replaceAll("\\s+", " ").length()
                        - " ON CONFLICT (client_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
                                .length(),
                JobRows.INSERT_WITHOUT_KEY.replaceAll("\\s+", " ").length());
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /**
     * V37: a job's client is no foreign key (no row lock on the client per submission), but deleting a client still
     * deletes its jobs and their runs, as the foreign key's cascade did; other clients' jobs stay.
     */
    @Test
    void deletingAClientDeletesItsJobsAndTheirRuns() {
        Job kept = newJob();
        assertNotNull(rows.insert(kept, 100, 100, null, null).createdAt());
        long doomed = QuarkusTransaction.requiringNew()
                .call(() -> ((Number) em.createNativeQuery("""
                                INSERT INTO clients (name, webhook_secret) VALUES ('doomed-' || gen_random_uuid(), 's')
                                RETURNING id""").getSingleResult()).longValue());
        Job gone = newJob();
        gone.clientId = doomed;
        assertNotNull(rows.insert(gone, 100, 100, null, null).createdAt());
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery("""
                        INSERT INTO runs (job_id, kind, seq, status, cpu_time_us, user_us, system_us, wall_us,
                            memory_peak_bytes, oom_kills, memory_limit_hits, pids_peak, throttled_periods, throttled_us,
                            io_read_bytes, io_write_bytes, stdout_bytes, stderr_bytes)
                        VALUES (?1, 'test', 1, 'ok', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)""").setParameter(1, gone.id).executeUpdate());
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery("DELETE FROM clients WHERE id = ?1")
                        .setParameter(1, doomed)
                        .executeUpdate());
        assertEquals(
                0L,
                ((Number) QuarkusTransaction.requiringNew()
                                .call(() -> em.createNativeQuery(
                                                "SELECT (SELECT count(*) FROM jobs WHERE client_id = ?1)"
                                                        + " + (SELECT count(*) FROM runs WHERE job_id = ?2)")
                                        .setParameter(1, doomed)
                                        .setParameter(2, gone.id)
                                        .getSingleResult()))
                        .longValue());
        assertEquals("queued", column(kept.id, "state"));
    }
}
