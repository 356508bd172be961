package dev.proctor.auth;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** Whoever submits jobs: a person, a contest system, a CI pipeline. Owns API keys and quotas. */
@Entity
@Table(name = "clients")
public class Client extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String name;

    @Column(name = "max_concurrent_jobs")
    public int maxConcurrentJobs;

    @Column(name = "max_cpu_time_ms")
    public Long maxCpuTimeMs;

    @Column(name = "max_wall_time_ms")
    public Long maxWallTimeMs;

    @Column(name = "max_memory_mb")
    public Long maxMemoryMb;

    @Column(name = "max_pids")
    public Integer maxPids;

    @Column(name = "max_output_kb")
    public Long maxOutputKb;

    @Column(name = "max_disk_mb")
    public Long maxDiskMb;

    @Column(name = "webhook_secret")
    public String webhookSecret;

    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    public Quota quota() {
        return new Quota(maxConcurrentJobs, maxCpuTimeMs, maxWallTimeMs, maxMemoryMb, maxPids, maxOutputKb, maxDiskMb);
    }
}
