package dev.proctor.sandbox;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The engine's last resort against a supervisor that never reports: a run past its deadline (its wall
 * limit plus a grace) is cancelled. A run's guard is an entry in a set, checked by one thread every
 * {@code tick}: arming and disarming it wakes no thread and leaves nothing queued (a scheduled task per
 * run did both, and stayed queued until its deadline when cancelled). A deadline is met within one tick.
 */
final class RunWatchdog implements AutoCloseable {

    private final Set<Guard> guards = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sandbox-watchdog");
        t.setDaemon(true);
        return t;
    });

    RunWatchdog(Duration tick) {
        ticker.scheduleWithFixedDelay(
                () -> expire(System.nanoTime()), tick.toNanos(), tick.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Runs {@code onExpiry} once {@code timeout} has passed, unless the guard is closed first. */
    Guard arm(Duration timeout, Runnable onExpiry) {
        Guard guard = new Guard(System.nanoTime() + timeout.toNanos(), onExpiry);
        guards.add(guard);
        return guard;
    }

    /** Fires every guard whose deadline is at or before {@code nowNanos} ({@link System#nanoTime()}). */
    void expire(long nowNanos) {
        for (Guard guard : guards) {
            if (nowNanos - guard.deadlineNanos >= 0 && guards.remove(guard)) {
                guard.onExpiry.run();
            }
        }
    }

    /** Armed guards (for tests). */
    int armed() {
        return guards.size();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        guards.clear();
    }

    /** One run's deadline; closing it disarms it. */
    final class Guard implements AutoCloseable {
        private final long deadlineNanos;
        private final Runnable onExpiry;

        private Guard(long deadlineNanos, Runnable onExpiry) {
            this.deadlineNanos = deadlineNanos;
            this.onExpiry = onExpiry;
        }

        @Override
        public void close() {
            guards.remove(this);
        }
    }
}
