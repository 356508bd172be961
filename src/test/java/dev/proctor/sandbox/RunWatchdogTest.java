package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.testsupport.Await;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The watchdog's guards: their decisions with the clock driven by the test (the deadlines are far off for
 * the watchdog's own thread), and its thread's sleeps, with the real clock and margins of seconds.
 */
class RunWatchdogTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final long PAST = TIMEOUT.plusSeconds(1).toNanos();
    /** How long a test waits for the watchdog's thread to do what it must (a busy machine's margin). */
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @Test
    void aGuardFiresOncePastItsDeadlineAndNotBefore() {
        try (RunWatchdog watchdog = new RunWatchdog()) {
            AtomicInteger fired = new AtomicInteger();
            watchdog.arm(TIMEOUT, fired::incrementAndGet);

            assertTrue(watchdog.expire(System.nanoTime()).isPresent(), "the guard's deadline is the next");
            assertEquals(0, fired.get(), "fired before its deadline");
            assertEquals(OptionalLong.empty(), watchdog.expire(System.nanoTime() + PAST));
            watchdog.expire(System.nanoTime() + PAST);
            assertEquals(1, fired.get());
            assertEquals(0, watchdog.armed());
        }
    }

    @Test
    void aClosedGuardNeverFiresAndLeavesNothingBehind() {
        try (RunWatchdog watchdog = new RunWatchdog()) {
            AtomicInteger fired = new AtomicInteger();
            for (int i = 0; i < 1000; i++) {
                watchdog.arm(TIMEOUT, fired::incrementAndGet).close();
            }
            RunWatchdog.Guard open = watchdog.arm(TIMEOUT, fired::incrementAndGet);

            assertEquals(1, watchdog.armed());
            watchdog.expire(System.nanoTime() + PAST);
            assertEquals(1, fired.get(), "only the guard left open fires");
            open.close();
        }
    }

    @Test
    void anEarlierDeadlineWakesAThreadSleepingTowardsALaterOne() throws InterruptedException {
        try (RunWatchdog watchdog = new RunWatchdog()) {
            AtomicInteger lateFired = new AtomicInteger();
            RunWatchdog.Guard late = watchdog.arm(Duration.ofHours(1), lateFired::incrementAndGet);
            awaitTrue(() -> !watchdog.sleepsUntilArmed(), "the thread sleeps towards the hour's deadline");

            CountDownLatch fired = new CountDownLatch(1);
            AtomicLong firedAt = new AtomicLong();
            long deadline = System.nanoTime() + Duration.ofMillis(100).toNanos();
            watchdog.arm(Duration.ofMillis(100), () -> {
                firedAt.set(System.nanoTime());
                fired.countDown();
            });

            assertTrue(fired.await(PATIENCE.toSeconds(), TimeUnit.SECONDS), "the earlier guard never fired");
            assertTrue(firedAt.get() - deadline >= 0, "fired before its deadline");
            assertEquals(0, lateFired.get());
            assertEquals(1, watchdog.armed(), "the hour's guard is still armed");
            late.close();
        }
    }

    @Test
    void withNoGuardLeftTheThreadSleepsUntilOneIsArmed() throws InterruptedException {
        try (RunWatchdog watchdog = new RunWatchdog()) {
            awaitTrue(watchdog::sleepsUntilArmed, "a new watchdog's thread sleeps with no deadline");

            AtomicInteger fired = new AtomicInteger();
            RunWatchdog.Guard guard = watchdog.arm(Duration.ofSeconds(2), fired::incrementAndGet);
            awaitTrue(() -> !watchdog.sleepsUntilArmed(), "the thread sleeps towards the guard's deadline");
            // closed before it: the thread wakes at the deadline, finds nothing, and sleeps with none again
            guard.close();
            awaitTrue(watchdog::sleepsUntilArmed, "the thread sleeps with no deadline once the guard is gone");
            assertEquals(0, fired.get(), "a closed guard fired");
        }
    }

    @Test
    void aGuardWhoseActionThrowsLeavesTheOthersWatched() throws InterruptedException {
        try (RunWatchdog watchdog = new RunWatchdog()) {
            watchdog.arm(Duration.ofMillis(20), () -> {
                throw new IllegalStateException("a cancel that fails");
            });
            CountDownLatch fired = new CountDownLatch(1);
            watchdog.arm(Duration.ofMillis(200), fired::countDown);

            assertTrue(fired.await(PATIENCE.toSeconds(), TimeUnit.SECONDS), "the second guard never fired");
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        Await.until(condition, PATIENCE, what);
    }
}
