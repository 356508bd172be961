package dev.proctor.jobs.queue;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A service instance that runs jobs; its heartbeat tells the fleet it is alive. */
@Entity
@Table(name = "nodes")
public class Node extends PanacheEntityBase {

    @Id
    public String id;

    public String hostname;

    public int slots;

    public int running;

    @Column(name = "started_at")
    public OffsetDateTime startedAt;

    @Column(name = "heartbeat_at")
    public OffsetDateTime heartbeatAt;

    public boolean draining;
}
