package dev.proctor.jobs;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** Requests waiting for a job to finish (?wait=true), completed by the done notification of any node. */
@ApplicationScoped
public class JobWaiters {

    private final Map<UUID, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();

    public CompletableFuture<Void> register(UUID id) {
        return waiting.computeIfAbsent(id, k -> new CompletableFuture<>());
    }

    public void unregister(UUID id, CompletableFuture<Void> f) {
        waiting.remove(id, f);
    }

    /** This node ran it: the waiter needs no round trip through PostgreSQL's NOTIFY. */
    void onFinished(@ObservesAsync JobFinished finished) {
        finished(finished.id());
    }

    public void finished(UUID id) {
        CompletableFuture<Void> f = waiting.remove(id);
        if (f != null) {
            f.complete(null);
        }
    }
}
