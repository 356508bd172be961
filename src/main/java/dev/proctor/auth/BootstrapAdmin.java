package dev.proctor.auth;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * At the first start (no admin key exists yet) creates the {@code admin} client and one admin key,
 * and prints the key once. Only its hash is stored: lose it and issue another with an admin key,
 * or revoke every admin key in the database and restart.
 */
@ApplicationScoped
public class BootstrapAdmin {

    private static final Logger LOG = Logger.getLogger(BootstrapAdmin.class);
    /** Serialises the check between nodes starting at once. */
    private static final long LOCK_ID = 0x70726f63746f72L;

    @Inject
    EntityManager em;

    @Inject
    ApiKeys keys;

    /** A fixed bootstrap key (tests, provisioning); by default a random one is made and printed. */
    @ConfigProperty(name = "proctor.bootstrap.admin-key")
    Optional<String> fixedKey;

    @Transactional
    void onStart(@Observes StartupEvent event) {
        em.createNativeQuery("SELECT pg_advisory_xact_lock(?1)")
                .setParameter(1, LOCK_ID)
                .getSingleResult();
        if (ApiKey.count("admin = true and revokedAt is null") > 0) {
            return;
        }
        Client admin = Client.find("name", "admin").firstResult();
        if (admin == null) {
            admin = new Client();
            admin.name = "admin";
            admin.maxConcurrentJobs = 64;
            admin.webhookSecret = ApiKeys.randomToken(32);
            admin.persist();
        }
        if (fixedKey.isPresent()) {
            keys.register(admin.id, fixedKey.get(), true);
            LOG.info("bootstrap admin key taken from proctor.bootstrap.admin-key");
            return;
        }
        ApiKeys.Issued issued = keys.issue(admin.id, true);
        String line = "=".repeat(72);
        LOG.infof(
                "%n%s%n PROCTOR BOOTSTRAP ADMIN KEY (shown once, stored hashed):%n   %s%n%s", line, issued.key(), line);
    }
}
