package dev.proctor.faults;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** Waits for a condition by polling it to a deadline: never a fixed sleep. */
final class Poll {

    private Poll() {}

    /** Polls {@code probe} until it returns a value other than null or false; fails after {@code timeout}. */
    static <T> T until(Duration timeout, String what, Callable<T> probe) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                T v = probe.call();
                if (v != null && !Boolean.FALSE.equals(v)) {
                    return v;
                }
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                AssertionError e = new AssertionError("timed out after " + timeout + " waiting for " + what);
                if (last != null) {
                    e.initCause(last);
                }
                throw e;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    static double seconds(long fromNanos) {
        return (System.nanoTime() - fromNanos) / 1e9;
    }
}
