package dev.proctor.compat.common;

import dev.proctor.auth.Caller;
import dev.proctor.jobs.Job;
import dev.proctor.jobs.JobService;
import dev.proctor.jobs.JobWaiters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for a job to finish (the done notification of whichever node ran it), up to a deadline. */
@ApplicationScoped
public class JobAwait {

    @Inject
    JobService jobs;

    @Inject
    JobWaiters waiters;

    public static boolean finished(Job j) {
        return j.state.finished();
    }

    /** The job once finished, or as it is when {@code timeout} has passed. */
    public Job await(Caller caller, UUID id, Duration timeout) {
        CompletableFuture<JobWaiters.Stored> done = waiters.register(id);
        try {
            Job now = jobs.get(caller, id);
            if (finished(now)) {
                return now;
            }
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // answer with the current state
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            waiters.unregister(id, done);
        }
        return jobs.get(caller, id);
    }
}
