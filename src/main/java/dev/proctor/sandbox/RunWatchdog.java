package dev.proctor.sandbox;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.jboss.logging.Logger;

/**
 * The engine's last resort against a supervisor that never reports: a run past its deadline (its wall
 * limit plus a grace) is cancelled. A run's guard is an entry in a set; one thread sleeps until the earliest
 * deadline in it, and with no guard it sleeps until one is armed. Arming a guard wakes that thread only
 * when the new deadline is earlier than the one it sleeps towards, and closing one wakes nothing: in a
 * stream of runs each deadline is later than the ones before, so the thread wakes about once a wall limit
 * plus grace (to find that deadline's run long gone), and an idle engine's never. (It ticked once a second
 * before, run or no run: on these machines a wake-up of a sleeping JVM thread costs ~0.2 ms of CPU.) A
 * deadline is met when it passes, not within a tick of it.
 */
final class RunWatchdog implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RunWatchdog.class);

    private final Set<Guard> guards = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    /**
     * The deadline the thread sleeps towards ({@link System#nanoTime()}), valid while {@link #timed}: it is
     * written before {@code timed} is set, and {@code timed} is cleared before each look at the guards, so an
     * arm that finds {@code timed} clear, or an earlier deadline than this, wakes the thread (its park then
     * returns at once, even when it has not parked yet) and one that does not is seen by its next look.
     */
    private volatile long wakeAt;

    private volatile boolean timed;
    private volatile boolean closed;

    RunWatchdog() {
        thread = new Thread(this::watch, "sandbox-watchdog");
        thread.setDaemon(true);
        thread.start();
    }

    private void watch() {
        while (!closed) {
            timed = false;
            OptionalLong next = expire(System.nanoTime());
            if (closed) {
                return;
            }
            if (next.isEmpty()) {
                LockSupport.park(this);
            } else {
                wakeAt = next.getAsLong();
                timed = true;
                long wait = wakeAt - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                }
            }
        }
    }

    /** Runs {@code onExpiry} once {@code timeout} has passed, unless the guard is closed first. */
    Guard arm(Duration timeout, Runnable onExpiry) {
        Guard guard = new Guard(System.nanoTime() + timeout.toNanos(), onExpiry);
        guards.add(guard);
        if (!timed || guard.deadlineNanos - wakeAt < 0) {
            LockSupport.unpark(thread);
        }
        return guard;
    }

    /**
     * Fires every guard whose deadline is at or before {@code nowNanos} ({@link System#nanoTime()}); the
     * earliest deadline of those left, if any.
     */
    OptionalLong expire(long nowNanos) {
        boolean any = false;
        long earliest = 0;
        for (Guard guard : guards) {
            if (nowNanos - guard.deadlineNanos >= 0) {
                if (guards.remove(guard)) {
                    fire(guard);
                }
            } else if (!any || guard.deadlineNanos - earliest < 0) {
                any = true;
                earliest = guard.deadlineNanos;
            }
        }
        return any ? OptionalLong.of(earliest) : OptionalLong.empty();
    }

    /** A guard's action; one that throws is logged, and the watchdog goes on watching the others. */
    private static void fire(Guard guard) {
        try {
            guard.onExpiry.run();
        } catch (RuntimeException e) {
            LOG.errorf(e, "a run's watchdog action failed");
        }
    }

    /** Armed guards (for tests). */
    int armed() {
        return guards.size();
    }

    /** Whether the watchdog's thread sleeps with no deadline to wake for (for tests). */
    boolean sleepsUntilArmed() {
        return !timed && thread.getState() == Thread.State.WAITING;
    }

    @Override
    public void close() {
        closed = true;
        guards.clear();
        LockSupport.unpark(thread);
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
