package dev.proctor.jobs;

import dev.proctor.grading.GradeResult;
import java.util.UUID;

/**
 * Announced (asynchronously, CDI) on the node that ran a job, once its result is stored: webhooks, waiters and
 * facades observe it with the result already built, and the dispatcher knows none of them. Other nodes learn
 * of the finish through PostgreSQL's NOTIFY.
 *
 * @param id     the job
 * @param result what the grader built, as stored
 */
public record JobFinished(UUID id, GradeResult result) {}
