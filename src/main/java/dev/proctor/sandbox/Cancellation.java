package dev.proctor.sandbox;

import java.util.ArrayList;
import java.util.List;

/** Lets a caller stop a run that is under way; the engine kills the run's processes at once. */
public final class Cancellation {

    private final List<Runnable> listeners = new ArrayList<>();
    private boolean cancelled;

    public static Cancellation none() {
        return new Cancellation();
    }

    public void cancel() {
        List<Runnable> toRun;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            toRun = List.copyOf(listeners);
            listeners.clear();
        }
        toRun.forEach(Runnable::run);
    }

    public synchronized boolean isCancelled() {
        return cancelled;
    }

    /** Runs {@code action} on cancellation, or at once if already cancelled. */
    public void onCancel(Runnable action) {
        synchronized (this) {
            if (!cancelled) {
                listeners.add(action);
                return;
            }
        }
        action.run();
    }

    public synchronized void removeListener(Runnable action) {
        listeners.remove(action);
    }
}
