package dev.proctor.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.proctor.grading.JobResult;
import dev.proctor.grading.JobSpec;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests waiting for a job to finish (?wait=true). The node that ran the job completes them in-process as
 * soon as its result is committed, with the stored job at hand; any other node's through the done
 * notification of PostgreSQL, without it (the waiter reads the job then).
 */
@ApplicationScoped
public class JobWaiters {

    /**
     * A finished job as stored, when the finishing node has it: its row ({@link Job#request} and
     * {@link Job#result} included), its result already parsed, and the {@code metadata} of its request as every
     * view shows it (null: none; {@link RequestMetadata#UNREAD}: to be read from the row's request).
     */
    public record Stored(Job job, JobResult result, JsonNode metadata) {

        /** {@code metadata}: read from the job's stored request. */
        public Stored(Job job, JobResult result) {
            this(job, result, RequestMetadata.UNREAD);
        }

        /**
         * The stored job with the caller's metadata of its request already parsed ({@code spec}'s), so that its
         * view need not read the request again; {@code spec} null: read then.
         */
        public static Stored of(Job job, JobResult result, JobSpec spec) {
            return spec == null ? new Stored(job, result) : new Stored(job, result, RequestMetadata.of(spec));
        }
    }

    private final Map<UUID, CompletableFuture<Stored>> waiting = new ConcurrentHashMap<>();

    /**
     * Completed when job {@code id} finishes: with the stored job when this node ran it, else with null. Register
     * before the job can finish (before it is inserted) or read it once after registering.
     */
    public CompletableFuture<Stored> register(UUID id) {
        return waiting.computeIfAbsent(id, k -> new CompletableFuture<>());
    }

    /** Whether a request of this node waits for job {@code id}. */
    public boolean isWaiting(UUID id) {
        return waiting.containsKey(id);
    }

    public void unregister(UUID id, CompletableFuture<Stored> f) {
        waiting.remove(id, f);
    }

    /** The job finished on another node (its NOTIFY), or here without its row at hand. */
    public void finished(UUID id) {
        finished(id, null);
    }

    /** The job finished; {@code stored} is null when the finishing node is not this one. */
    public void finished(UUID id, Stored stored) {
        CompletableFuture<Stored> f = waiting.remove(id);
        if (f != null) {
            f.complete(stored);
        }
    }
}
