package dev.proctor.jobs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The waiting requests' timeouts: one thread for all of them, which an earlier deadline must still wake. */
class JobWaitersTest {

    @Test
    void aShortTimeoutAddedWhileALongOneIsPendingEndsFirst() throws Exception {
        JobWaiters waiters = new JobWaiters();
        try {
            CompletableFuture<JobWaiters.Stored> longWait = new CompletableFuture<>();
            waiters.timeout(longWait, 3600);
            CompletableFuture<JobWaiters.Stored> shortWait = new CompletableFuture<>();
            waiters.timeout(shortWait, 0);
            // generous: a broken wake-up would leave it for an hour
            assertNull(shortWait.get(60, TimeUnit.SECONDS));
            assertFalse(longWait.isDone());
        } finally {
            waiters.close();
        }
    }

    @Test
    void aRequestAnsweredBeforeItsTimeoutKeepsItsAnswerAndOthersStillTimeOut() throws Exception {
        JobWaiters waiters = new JobWaiters();
        try {
            UUID id = UUID.randomUUID();
            CompletableFuture<JobWaiters.Stored> job = waiters.register(id);
            CompletableFuture<JobWaiters.Stored> answered = job.copy();
            waiters.timeout(answered, 3600);
            List<CompletableFuture<JobWaiters.Stored>> timedOut = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                CompletableFuture<JobWaiters.Stored> f = new CompletableFuture<>();
                waiters.timeout(f, i % 2);
                timedOut.add(f);
            }
            JobWaiters.Stored stored = new JobWaiters.Stored(new Job(), null);
            waiters.finished(id, stored);
            assertSame(stored, answered.get(60, TimeUnit.SECONDS));
            for (CompletableFuture<JobWaiters.Stored> f : timedOut) {
                assertNull(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            waiters.close();
        }
    }
}
