package dev.proctor.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.proctor.grading.GradeResult;
import dev.proctor.grading.JobSpec;
import java.util.Iterator;
import java.util.UUID;

/**
 * Announced (asynchronously, CDI) on the node that ran a job, once its result is stored, when anyone may follow
 * its end ({@link #followed}: its request names a callback, its own or a facade's): webhooks and facades observe
 * it with the result already built, and the dispatcher knows none of them. A job whose request names none is not
 * announced: an asynchronous event costs a worker's wake-up on every job. Other nodes learn of the finish through
 * PostgreSQL's NOTIFY; this node's waiting requests through {@link JobWaiters}.
 *
 * @param id     the job
 * @param result what the grader built, as stored
 * @param spec   the job's request as stored (its callback and metadata), so that followers with nothing to do
 *               for it need not read the job back; null when it could not be read
 */
public record JobFinished(UUID id, GradeResult result, JobSpec spec) {

    /**
     * Whether an observer may have something to do: true when the request names a callback of its own, or a
     * facade's ({@code metadata.<facade>.callback_url} for any facade, so whenever some {@link #mayHaveCallback}
     * is true), or when the spec is not at hand.
     */
    public boolean followed() {
        if (mayHaveCallback(null)) {
            return true;
        }
        JsonNode metadata = spec.metadata();
        if (metadata == null || !metadata.isObject()) {
            return false;
        }
        for (Iterator<String> facades = metadata.fieldNames(); facades.hasNext(); ) {
            if (mayHaveCallback(facades.next())) {
                return true;
            }
        }
        return false;
    }

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
