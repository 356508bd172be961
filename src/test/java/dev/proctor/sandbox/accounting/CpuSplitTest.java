package dev.proctor.sandbox.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** User and system time as the total split in the proportion of the kernel's tick samples. */
class CpuSplitTest {

    @Test
    void aShortRunSampledOnceInTheKernelIsAllSystemTime() {
        // ./proctor run -- /bin/echo ok on cgroup v1: cpuacct.usage 5.47 ms, usage_user 0, usage_sys 4 ms (one tick)
        assertEquals(new CpuSplit(0, 5470), CpuSplit.of(5470, 0, 4000));
    }

    @Test
    void aRunNoTickSampledIsAllUserTimeAsTheKernelSaysOfIt() {
        assertEquals(new CpuSplit(900, 0), CpuSplit.of(900, 0, 0));
    }

    @Test
    void anExactSplitStaysAsItIs() {
        assertEquals(new CpuSplit(700_123, 300_456), CpuSplit.of(1_000_579, 700_123, 300_456));
    }

    @Test
    void figuresTheKernelDidNotGiveStayUnknownAsZero() {
        assertEquals(new CpuSplit(0, 0), CpuSplit.of(-1, -1, -1));
        assertEquals(new CpuSplit(12, 0), CpuSplit.of(-1, 12, -1));
        assertEquals(new CpuSplit(0, 40), CpuSplit.of(100, -1, 40));
    }

    @Property
    void userAndSystemAddUpToTheTotalInTheSamplesProportion(
            @ForAll @LongRange(max = 10_000_000_000_000L) long total,
            @ForAll @LongRange(max = 10_000_000_000_000L) long user,
            @ForAll @LongRange(max = 10_000_000_000_000L) long system) {
        CpuSplit s = CpuSplit.of(total, user, system);

        assertEquals(total, s.userMicros() + s.systemMicros());
        assertTrue(s.userMicros() >= 0 && s.systemMicros() >= 0, s::toString);
        if (system == 0) {
            assertEquals(0, s.systemMicros());
        } else if (user == 0) {
            assertEquals(0, s.userMicros());
        } else {
            double exact = (double) total * system / ((double) user + system);
            assertTrue(Math.abs(s.systemMicros() - exact) <= 1 + exact * 1e-12, () -> s + " vs " + exact);
        }
    }

    @Property
    void moreSystemSamplesNeverGiveLessSystemTime(
            @ForAll @LongRange(max = 1_000_000_000_000L) long total,
            @ForAll @LongRange(max = 1_000_000_000_000L) long user,
            @ForAll @LongRange(max = 1_000_000_000_000L) long system,
            @ForAll @LongRange(min = 1, max = 1_000_000L) long more) {
        assertTrue(CpuSplit.of(total, user, system).systemMicros()
                <= CpuSplit.of(total, user, system + more).systemMicros());
    }
}
