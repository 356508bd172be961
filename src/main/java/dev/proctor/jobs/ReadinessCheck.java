package dev.proctor.jobs;

import dev.proctor.sandbox.SandboxEngine;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready when the database answers and the sandbox engine reports what it can run; shows queue depth. */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    @Inject
    AgroalDataSource db;

    @Inject
    SandboxEngine engine;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("proctor").up();
        try (Connection c = db.getConnection();
                Statement s = c.createStatement();
                // each count on its partial index (jobs_queued, jobs_running_lease): a probe never scans the
                // finished jobs
                ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM jobs WHERE state = 'queued'), "
                        + "(SELECT count(*) FROM jobs WHERE state = 'running')")) {
            rs.next();
            b.withData("queued", rs.getLong(1)).withData("running", rs.getLong(2));
        } catch (Exception e) {
            b.down().withData("database", e.getMessage() == null ? "unavailable" : e.getMessage());
        }
        try {
            var info = engine.info();
            b.withData("cgroup", info.cgroupVersion()).withData("images", String.join(",", info.images()));
        } catch (RuntimeException e) {
            b.down().withData("sandbox", e.getMessage() == null ? "unavailable" : e.getMessage());
        }
        return b.build();
    }
}
