package dev.proctor.jobs;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/** Cluster-wide queue gauges at /q/metrics: proctor_queue_depth, proctor_jobs_running. */
@ApplicationScoped
public class QueueMetrics {

    @Inject
    AgroalDataSource db;

    void register(@Observes StartupEvent event, MeterRegistry registry) {
        Gauge.builder("proctor.queue.depth", () -> count("queued")).register(registry);
        Gauge.builder("proctor.jobs.running", () -> count("running")).register(registry);
    }

    private double count(String state) {
        try (Connection c = db.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM jobs WHERE state = '" + state + "'")) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return Double.NaN;
        }
    }
}
