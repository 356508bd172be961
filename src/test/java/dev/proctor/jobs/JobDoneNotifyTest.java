package dev.proctor.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.maintenance.QueueMaintenance;
import dev.proctor.testsupport.NoDispatchProfile;
import dev.proctor.testsupport.PostgresTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Which job rows announce themselves (V35): a job inserted claimed by its node and finished by it sends no NOTIFY
 * at all; a queued job, a job whose end a request elsewhere follows ({@link JobRows#followDone}), a cancelled job
 * and a job ended by the requeue job after its lease expired do. Absence is checked without waiting: a marker
 * notification sent after the statement arrives after anything the statement sent (they are delivered in commit
 * order).
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(NoDispatchProfile.class)
class JobDoneNotifyTest {

    private static final Duration LEASE = Duration.ofSeconds(30);

    @Inject
    JobRows rows;

    @Inject
    QueueMaintenance maintenance;

    @Inject
    EntityManager em;

    private Connection listener;

    @BeforeEach
    void listen() throws SQLException {
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery("DELETE FROM jobs").executeUpdate());
        var cfg = ConfigProvider.getConfig();
        listener = DriverManager.getConnection(
                cfg.getValue("quarkus.datasource.jdbc.url", String.class),
                cfg.getOptionalValue("quarkus.datasource.username", String.class)
                        .orElse(null),
                cfg.getOptionalValue("quarkus.datasource.password", String.class)
                        .orElse(null));
        try (Statement s = listener.createStatement()) {
            s.execute("LISTEN proctor_jobs; LISTEN proctor_cancel; LISTEN proctor_done");
        }
    }

    @AfterEach
    void close() throws SQLException {
        listener.close();
    }

    /** Every notification sent so far, as "channel id", up to a marker sent now. */
    private List<String> notifications() throws SQLException {
        String marker = UUID.randomUUID().toString();
        try (Statement s = listener.createStatement()) {
            // this session's own notifications come back to it, in commit order with everyone else's
            s.execute("NOTIFY proctor_done, '" + marker + "'");
        }
        List<String> seen = new ArrayList<>();
        PGConnection pg = listener.unwrap(PGConnection.class);
        while (true) {
            // blocks until something arrives; the marker always does
            PGNotification[] ns = pg.getNotifications(0);
            for (PGNotification n : ns == null ? new PGNotification[0] : ns) {
                if (n.getParameter().equals(marker)) {
                    return seen;
                }
                seen.add(n.getName() + " " + n.getParameter());
            }
        }
    }

    private void update(String statement, UUID id) {
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery(statement).setParameter(1, id).executeUpdate());
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

    /** As the finish statement (ResultRows) ends a job under its lease. */
    private void finishAsItsNode(UUID id) {
        update("""
                UPDATE jobs SET state = 'done', verdict = 'accepted', finished_at = now(), lease_owner = NULL,
                    lease_expires_at = NULL
                WHERE id = ?1 AND state = 'running' AND lease_owner = 'node-a'""", id);
    }

    @Test
    void aJobInsertedClaimedAndFinishedByItsNodeAnnouncesNothing() throws SQLException {
        Job job = newJob();
        assertTrue(rows.insert(job, 100, 100, "node-a", LEASE).claimed());
        finishAsItsNode(job.id);
        assertEquals(List.of(), notifications());
    }

    @Test
    void aQueuedJobIsAnnouncedAndSoIsItsEnd() throws SQLException {
        Job job = newJob();
        assertFalse(rows.insert(job, 100, 100, null, null).claimed());
        assertEquals(List.of("proctor_jobs " + job.id), notifications());
        update(
                "UPDATE jobs SET state = 'running', lease_owner = 'node-a', lease_expires_at = now() + interval '30 s'"
                        + " WHERE id = ?1",
                job.id);
        assertEquals(List.of(), notifications());
        finishAsItsNode(job.id);
        assertEquals(List.of("proctor_done " + job.id), notifications());
    }

    @Test
    void aJobFollowedFromAnotherNodeAnnouncesItsEnd() throws SQLException {
        Job job = newJob();
        assertTrue(rows.insert(job, 100, 100, "node-a", LEASE).claimed());
        assertEquals(JobState.RUNNING, rows.followDone(job.id));
        // asked once is enough: the second ask changes nothing
        assertNull(rows.followDone(job.id));
        finishAsItsNode(job.id);
        assertEquals(List.of("proctor_done " + job.id), notifications());
    }

    @Test
    void followingAJobThatEndedAlreadySaysSo() throws SQLException {
        Job job = newJob();
        assertTrue(rows.insert(job, 100, 100, "node-a", LEASE).claimed());
        finishAsItsNode(job.id);
        assertEquals(JobState.DONE, rows.followDone(job.id));
        assertEquals(List.of(), notifications());
    }

    @Test
    void aCancelledJobIsAnnounced() throws SQLException {
        Job job = newJob();
        assertTrue(rows.insert(job, 100, 100, "node-a", LEASE).claimed());
        update("UPDATE jobs SET state = 'cancelled', finished_at = now(), lease_owner = NULL WHERE id = ?1", job.id);
        assertEquals(List.of("proctor_cancel " + job.id, "proctor_done " + job.id), notifications());
    }

    @Test
    void aJobEndedByTheRequeueJobAfterItsLeaseExpiredIsAnnounced() throws SQLException {
        Job job = newJob();
        assertTrue(rows.insert(job, 100, 100, "node-a", LEASE).claimed());
        // its node stopped renewing, and it has used up its attempts: the requeue job ends it
        update("UPDATE jobs SET lease_expires_at = now() - interval '1 second', attempts = 1000 WHERE id = ?1", job.id);
        assertEquals(List.of(), notifications());
        maintenance.requeueExpiredLeases();
        assertEquals(
                "done",
                QuarkusTransaction.requiringNew()
                        .call(() -> em.createNativeQuery("SELECT state FROM jobs WHERE id = ?1")
                                .setParameter(1, job.id)
                                .getSingleResult()));
        assertEquals(List.of("proctor_done " + job.id), notifications());
    }
}
