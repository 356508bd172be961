package dev.proctor.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for something another thread does, polling it every 5 ms to a deadline: never a fixed sleep. */
public final class Await {

    private static final long POLL_MS = 5;

    private Await() {}

    /** Returns once {@code condition} holds; fails with {@code failure} when it has not within {@code timeout}. */
    public static void until(BooleanSupplier condition, Duration timeout, String failure) {
        if (!within(condition, timeout, failure)) {
            throw new AssertionError(failure + " within " + timeout);
        }
    }

    /**
     * Whether {@code condition} holds within {@code timeout}, for a wait whose miss is not a failure in itself;
     * {@code what} names the wait if interrupted.
     */
    public static boolean within(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting: " + what);
            }
        }
        return true;
    }
}
