package dev.proctor.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for something another thread does, polling it every 5 ms to a deadline: never a fixed sleep. */
public final class Await {

    private static final long POLL_MS = 5;

    private Await() {}

    /** Returns once {@code condition} holds; fails with {@code failure} when it has not within {@code timeout}. */
    public static void until(BooleanSupplier condition, Duration timeout, String failure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(failure + " within " + timeout);
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting: " + failure);
            }
        }
    }
}
