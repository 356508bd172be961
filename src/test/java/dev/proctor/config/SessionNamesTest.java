package dev.proctor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.testsupport.NoDispatchProfile;
import dev.proctor.testsupport.PostgresTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The service's PostgreSQL sessions carry its name (application_name "proctor") in pg_stat_activity, so an
 * operator tells them from other clients': the pooled ones and the listeners' own connections
 * ({@link ListenConnection}), which the pool's settings do not reach by themselves.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(NoDispatchProfile.class)
class SessionNamesTest {

    @Inject
    EntityManager em;

    @Test
    void pooledAndListeningSessionsAreNamed() {
        assertEquals(
                "proctor",
                QuarkusTransaction.requiringNew()
                        .call(() -> em.createNativeQuery("SELECT current_setting('application_name')")
                                .getSingleResult()));
        // the queue's listener connects on its own thread from start-up: give it time on a busy machine
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long listening = 0;
        while (listening == 0 && System.nanoTime() < deadline) {
            listening = QuarkusTransaction.requiringNew()
                    .call(() -> ((Number) em.createNativeQuery("""
                                    SELECT count(*) FROM pg_stat_activity
                                    WHERE application_name = 'proctor' AND query ~ '^\\s*LISTEN proctor_'""").getSingleResult()).longValue());
            if (listening == 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }
        assertTrue(listening >= 1, "no listening session named proctor");
    }
}
