package dev.proctor.jobs.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.grading.GradeResult;
import dev.proctor.grading.JobResult;
import dev.proctor.grading.Verdict;
import dev.proctor.maintenance.QueueMaintenance;
import dev.proctor.testsupport.NoDispatchProfile;
import dev.proctor.testsupport.PostgresTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Claims, leases, lease-guarded results and requeueing, against the real database. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(NoDispatchProfile.class)
class JobStoreTest {

    @Inject
    JobStore store;

    @Inject
    QueueMaintenance maintenance;

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    @BeforeEach
    void emptyQueue() {
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery("DELETE FROM jobs").executeUpdate());
    }

    private UUID enqueue() {
        UUID id = UUID.randomUUID();
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery("""
                INSERT INTO jobs (id, client_id, state, profile, request)
                VALUES (?1, (SELECT min(id) FROM clients), 'queued', 'bash', CAST('{}' AS jsonb))""").setParameter(1, id).executeUpdate());
        return id;
    }

    private Object column(UUID id, String column) {
        return QuarkusTransaction.requiringNew()
                .call(() -> em.createNativeQuery("SELECT " + column + " FROM jobs WHERE id = ?1")
                        .setParameter(1, id)
                        .getSingleResult());
    }

    private GradeResult accepted() {
        return new GradeResult(Verdict.ACCEPTED, 1.0, JobResult.empty("node-a"), List.of(), null);
    }

    @Test
    void aJobIsClaimedOnceAndOnlyItsLeaseHolderWritesTheResult() {
        UUID id = enqueue();
        JobStore.Claim a = store.claim("node-a", Duration.ofSeconds(30));
        assertNotNull(a);
        assertEquals(id, a.id());
        assertNull(store.claim("node-b", Duration.ofSeconds(30)));
        assertNull(store.finish(id, "node-b", accepted()));
        assertEquals(Set.of(id), store.renew("node-a", Set.of(id), Duration.ofSeconds(30), 1));
        assertNotNull(store.finish(id, "node-a", accepted()));
        assertNull(store.finish(id, "node-a", accepted()));
        assertEquals("done", column(id, "state"));
    }

    @Test
    void anExpiredLeaseIsRequeuedThenGivesUpAfterMaxAttempts() {
        UUID id = enqueue();
        for (int attempt = 1; attempt <= 3; attempt++) {
            assertNotNull(store.claim("dead-node-" + attempt, Duration.ofMillis(1)));
            QuarkusTransaction.requiringNew()
                    .run(() -> em.createNativeQuery("UPDATE jobs SET lease_expires_at = now() - interval '1 second'")
                            .executeUpdate());
            maintenance.requeueExpiredLeases();
        }
        assertEquals("done", column(id, "state"));
        assertEquals("internal_error", column(id, "verdict"));
        assertTrue(((String) column(id, "error")).contains("3 times"));
        // the last node waking up late cannot overwrite that
        assertNull(store.finish(id, "dead-node-3", accepted()));
    }

    @Test
    void aResultThatCannotBeStoredIsReplacedByAnInternalErrorOnlyByTheLeaseHolder() {
        UUID id = enqueue();
        assertNotNull(store.claim("node-a", Duration.ofSeconds(30)));
        assertFalse(store.fail(id, "node-b", "not yours", List.of()));
        assertTrue(store.fail(id, "node-a", "the result could not be stored: refused", List.of()));
        assertEquals("done", column(id, "state"));
        assertEquals("internal_error", column(id, "verdict"));
        assertEquals("the result could not be stored: refused", column(id, "error"));
        assertEquals("node-a", column(id, "result->>'node'"));
        assertNull(store.finish(id, "node-a", accepted()));
    }

    @Test
    void shutdownHandsRunningJobsBack() {
        UUID id = enqueue();
        assertNotNull(store.claim("leaving", Duration.ofSeconds(30)));
        assertEquals(1, store.handBack("leaving"));
        assertEquals("queued", column(id, "state"));
        assertEquals(0, ((Number) column(id, "attempts")).intValue());
    }

    @Test
    void aDrainingNodeClaimsNothingOthersStillDo() {
        UUID id = enqueue();
        store.registerNode("drainer", "host", 1);
        store.markDraining("drainer");
        assertNull(store.claim("drainer", Duration.ofSeconds(30)));
        assertEquals(id, store.claim("stayer", Duration.ofSeconds(30)).id());
        // a restart under the same id claims again
        store.registerNode("drainer", "host", 1);
        UUID next = enqueue();
        assertEquals(next, store.claim("drainer", Duration.ofSeconds(30)).id());
    }
}
