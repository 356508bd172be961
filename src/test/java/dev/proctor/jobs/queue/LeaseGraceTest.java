package dev.proctor.jobs.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

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
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A lease is not counted as lost before PostgreSQL has been up for one lease period: after a
 * database restart every lease looks expired, and the living nodes must get the time to renew.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(LeaseGraceTest.LongLease.class)
class LeaseGraceTest {

    /** A lease far longer than the test database has been up. */
    public static class LongLease extends NoDispatchProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>(super.getConfigOverrides());
            m.put("proctor.node.lease", "PT24H");
            return m;
        }
    }

    @Inject
    JobStore store;

    @Inject
    QueueMaintenance maintenance;

    @Inject
    EntityManager em;

    @Test
    void anExpiredLeaseWaitsUntilTheDatabaseHasBeenUpForALeasePeriod() {
        UUID id = UUID.randomUUID();
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery("""
                INSERT INTO jobs (id, client_id, state, profile, request)
                VALUES (?1, (SELECT min(id) FROM clients), 'queued', 'bash', CAST('{}' AS jsonb))""").setParameter(1, id).executeUpdate());
        assertNotNull(store.claim("quiet-node", Duration.ofMillis(1)));
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery(
                                "UPDATE jobs SET lease_expires_at = now() - interval '1 hour' WHERE id = ?1")
                        .setParameter(1, id)
                        .executeUpdate());
        try {
            maintenance.requeueExpiredLeases();
            Object state = QuarkusTransaction.requiringNew()
                    .call(() -> em.createNativeQuery("SELECT state FROM jobs WHERE id = ?1")
                            .setParameter(1, id)
                            .getSingleResult());
            assertEquals("running", state, "not requeued: the database has been up for less than a lease");
        } finally {
            QuarkusTransaction.requiringNew()
                    .run(() -> em.createNativeQuery("DELETE FROM jobs WHERE id = ?1")
                            .setParameter(1, id)
                            .executeUpdate());
        }
    }
}
