package dev.proctor.maintenance;

import dev.proctor.jobs.JobsConfig;
import dev.proctor.jobs.queue.NodeConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.jboss.logging.Logger;

/**
 * Cluster-wide periodic work, run by Quartz on the JDBC store (clustered): once per cluster, whichever
 * node fires it.
 */
@ApplicationScoped
public class QueueMaintenance {

    private static final Logger LOG = Logger.getLogger(QueueMaintenance.class);

    @Inject
    EntityManager em;

    @Inject
    JobsConfig config;

    @Inject
    NodeConfig node;

    /**
     * Jobs whose node stopped renewing go back to the queue; past max attempts they end internal_error.
     * After PostgreSQL itself restarts, every lease looks expired: living nodes get one lease period
     * from the server's start to renew theirs before any counts as lost (a node is presumed dead only
     * when it could have renewed and did not).
     */
    @Scheduled(
            identity = "requeue-expired-leases",
            every = "${proctor.maintenance.requeue-every:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void requeueExpiredLeases() {
        int n = QuarkusTransaction.requiringNew()
                .call(() -> em.createNativeQuery("""
                UPDATE jobs SET
                    state = CASE WHEN attempts >= ?1 THEN 'done' ELSE 'queued' END,
                    verdict = CASE WHEN attempts >= ?1 THEN 'internal_error' ELSE verdict END,
                    error = CASE WHEN attempts >= ?1
                        THEN 'the node running this job stopped ' || attempts || ' times; giving up'
                        ELSE error END,
                    finished_at = CASE WHEN attempts >= ?1 THEN now() ELSE NULL END,
                    lease_owner = NULL, lease_expires_at = NULL
                WHERE state = 'running' AND lease_expires_at < now()
                    AND pg_postmaster_start_time() + make_interval(secs => ?2) < now()""")
                        .setParameter(1, config.maxAttempts())
                        .setParameter(2, (double) node.lease().toMillis() / 1000.0)
                        .executeUpdate());
        if (n > 0) {
            LOG.infof("requeued %d jobs whose lease expired", n);
        }
    }

    /** Finished jobs (and their runs) older than the retention period are deleted. */
    @Scheduled(
            identity = "purge-finished-jobs",
            every = "${proctor.maintenance.purge-every:1h}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void purgeFinishedJobs() {
        int n = QuarkusTransaction.requiringNew()
                .call(() -> em.createNativeQuery("""
                DELETE FROM jobs WHERE state IN ('done', 'cancelled')
                    AND finished_at < now() - make_interval(secs => ?1)""")
                        .setParameter(1, (double) config.retention().toSeconds())
                        .executeUpdate());
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery("DELETE FROM nodes WHERE heartbeat_at < now() - interval '1 day'")
                        .executeUpdate());
        if (n > 0) {
            LOG.infof("purged %d finished jobs past retention", n);
        }
    }
}
