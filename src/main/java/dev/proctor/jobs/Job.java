package dev.proctor.jobs;

import dev.proctor.grading.Verdict;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.hibernate.annotations.ColumnTransformer;

/** One submission: what to run (request) and, once done, what came out (result). */
@Entity
@Table(name = "jobs")
public class Job extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "client_id")
    public long clientId;

    @Convert(converter = JobState.Column.class)
    public JobState state;

    @Convert(converter = VerdictColumn.class)
    public Verdict verdict;

    public Double score;
    public String profile;

    /** The validated request, as JSON. */
    @Column(columnDefinition = "jsonb")
    @ColumnTransformer(write = "?::jsonb")
    public String request;

    /** compile, tests and usage totals, as JSON; null until done. */
    @Column(columnDefinition = "jsonb")
    @ColumnTransformer(write = "?::jsonb")
    public String result;

    @Column(name = "idempotency_key")
    public String idempotencyKey;

    public int attempts;

    @Column(name = "lease_owner")
    public String leaseOwner;

    @Column(name = "lease_expires_at")
    public OffsetDateTime leaseExpiresAt;

    public String error;

    @Column(name = "callback_url")
    public String callbackUrl;

    @Column(name = "webhook_state")
    public String webhookState;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    @Column(name = "started_at")
    public OffsetDateTime startedAt;

    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;
}
