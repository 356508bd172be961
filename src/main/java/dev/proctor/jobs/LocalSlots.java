package dev.proctor.jobs;

import dev.proctor.grading.JobSpec;
import java.time.Duration;
import java.util.UUID;

/**
 * This node's run slots as the submission path sees them. A job accepted while a slot is free and the queue is
 * empty is inserted already running under this node's lease (one statement: durable, and claimed, before its id
 * is returned) and handed to that slot with its request already parsed: no claim round trip, no wake-up of the
 * claim loop, no NOTIFY, no second parse of the request. A node that dies with such a job holds its lease like
 * any claim's, so the job is requeued when the lease expires.
 */
public interface LocalSlots {

    /**
     * A slot reserved for a job about to be inserted, or null when none is free (or this node does not dispatch,
     * or is stopping). The caller ends every reservation with exactly one of {@link Slot#run} or {@link
     * Slot#release}.
     */
    Slot reserve();

    /** This node's id: the lease owner of the jobs it runs. */
    String nodeId();

    /** A reserved slot: the lease a job inserted into it is written with, and what to do with it next. */
    interface Slot {

        /** The node whose lease the job is inserted under. */
        String node();

        /** The lease's length, as a claim's. */
        Duration lease();

        /** The job {@code id} was inserted running under this slot's lease: run it ({@code request} as stored). */
        default void run(UUID id, String request, JobSpec spec) {
            run(id, request, spec, false);
        }

        /**
         * As {@link #run(UUID, String, JobSpec)}; {@code here}: on the calling thread, returning once the job's
         * result is written and this node's requests waiting for it are answered (a request that waits for its own
         * job runs it instead of parking while a runner thread is woken for it), else on a runner thread.
         */
        void run(UUID id, String request, JobSpec spec, boolean here);

        /** The slot was not used (the job was queued, refused, or its key seen before): free it again. */
        void release();
    }
}
