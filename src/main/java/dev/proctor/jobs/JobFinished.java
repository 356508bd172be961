package dev.proctor.jobs;

import dev.proctor.grading.GradeResult;
import dev.proctor.grading.JobSpec;
import java.util.UUID;

/**
 * Announced (asynchronously, CDI) on the node that ran a job, once its result is stored: webhooks, waiters and
 * facades observe it with the result already built, and the dispatcher knows none of them. Other nodes learn
 * of the finish through PostgreSQL's NOTIFY.
 *
 * @param id     the job
 * @param result what the grader built, as stored
 * @param spec   the job's request as stored (its callback and metadata), so that followers with nothing to do
 *               for it need not read the job back; null when it could not be read
 */
public record JobFinished(UUID id, GradeResult result, JobSpec spec) {

    /** Whether the job's request may name a callback of any kind (false only when its spec says it names none). */
    public boolean mayHaveCallback(String facade) {
        if (spec == null) {
            return true;
        }
        return facade == null
                ? spec.callbackUrl() != null
                : spec.metadata() != null && spec.metadata().path(facade).hasNonNull("callback_url");
    }
}
