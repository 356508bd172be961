package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The watchdog's guards, its clock driven by the test (its own tick is an hour away). */
class RunWatchdogTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final long PAST = TIMEOUT.plusSeconds(1).toNanos();

    @Test
    void aGuardFiresOncePastItsDeadlineAndNotBefore() {
        try (RunWatchdog watchdog = new RunWatchdog(Duration.ofHours(1))) {
            AtomicInteger fired = new AtomicInteger();
            watchdog.arm(TIMEOUT, fired::incrementAndGet);

            watchdog.expire(System.nanoTime());
            assertEquals(0, fired.get(), "fired before its deadline");
            watchdog.expire(System.nanoTime() + PAST);
            watchdog.expire(System.nanoTime() + PAST);
            assertEquals(1, fired.get());
            assertEquals(0, watchdog.armed());
        }
    }

    @Test
    void aClosedGuardNeverFiresAndLeavesNothingBehind() {
        try (RunWatchdog watchdog = new RunWatchdog(Duration.ofHours(1))) {
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
}
