package dev.proctor.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.auth.Caller;
import dev.proctor.testsupport.NoDispatchProfile;
import dev.proctor.testsupport.PostgresTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A request that waits for a job reads it through {@link JobService#get} once registered (a replayed
 * Idempotency-Key with wait=true, the facades' waits): when another node runs the job, that read asks for its
 * end to be announced (V35); a job this node runs, or a read with no request waiting, leaves the row alone.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(NoDispatchProfile.class)
class JobFollowTest {

    private static final Duration LEASE = Duration.ofSeconds(30);

    @Inject
    JobRows rows;

    @Inject
    JobService jobs;

    @Inject
    JobWaiters waiters;

    @Inject
    LocalSlots slots;

    @Inject
    EntityManager em;

    private long clientId;

    @BeforeEach
    void empty() {
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery("DELETE FROM jobs").executeUpdate());
        clientId = QuarkusTransaction.requiringNew()
                .call(() -> ((Number) em.createNativeQuery("SELECT min(id) FROM clients")
                                .getSingleResult())
                        .longValue());
    }

    private UUID insertedClaimedBy(String node) {
        Job job = new Job();
        job.id = UUID.randomUUID();
        job.clientId = clientId;
        job.profile = "bash";
        job.request = "{}";
        assertTrue(rows.insert(job, 100, 100, node, LEASE).claimed());
        return job.id;
    }

    private boolean doneNotify(UUID id) {
        return (Boolean) QuarkusTransaction.requiringNew()
                .call(() -> em.createNativeQuery("SELECT done_notify FROM jobs WHERE id = ?1")
                        .setParameter(1, id)
                        .getSingleResult());
    }

    private Caller caller() {
        return new Caller(clientId, "test", false, 0);
    }

    @Test
    void aWaitingReadOfAJobElsewhereAsksForItsEnd() {
        UUID id = insertedClaimedBy("some-other-node");
        CompletableFuture<JobWaiters.Stored> done = waiters.register(id);
        try {
            assertEquals(JobState.RUNNING, jobs.get(caller(), id).state);
            assertTrue(doneNotify(id));
        } finally {
            waiters.unregister(id, done);
        }
    }

    @Test
    void aPlainReadOrAJobOfThisNodeLeavesTheRowAlone() {
        UUID elsewhere = insertedClaimedBy("some-other-node");
        assertEquals(JobState.RUNNING, jobs.get(caller(), elsewhere).state);
        assertEquals(false, doneNotify(elsewhere));
        UUID here = insertedClaimedBy(slots.nodeId());
        CompletableFuture<JobWaiters.Stored> done = waiters.register(here);
        try {
            assertEquals(JobState.RUNNING, jobs.get(caller(), here).state);
            assertEquals(false, doneNotify(here));
        } finally {
            waiters.unregister(here, done);
        }
    }
}
