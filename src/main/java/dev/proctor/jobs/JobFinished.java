package dev.proctor.jobs;

import java.util.UUID;

/**
 * Fired (asynchronously) on the node that ran a job once its result is stored: for whatever must follow a
 * finished job on that node, without the dispatcher knowing who listens.
 */
public record JobFinished(UUID id) {
}
