package dev.proctor.jobs;

import java.util.UUID;

/**
 * Announced (synchronously, CDI) on the node that accepted a job, once it is committed as queued: this
 * node's dispatcher claims it at once instead of after PostgreSQL's NOTIFY has come back round (other nodes
 * still learn of it through the NOTIFY).
 *
 * @param id the job
 */
public record JobQueued(UUID id) {}
