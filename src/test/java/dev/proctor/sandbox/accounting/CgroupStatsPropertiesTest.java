package dev.proctor.sandbox.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A reused cgroup's counters over a sequence of runs, as the kernel keeps them, and the pool's rules
 * (counters reset where v1 lets them be, a baseline read at hand-out, a cgroup whose pids peak went above
 * {@link CgroupStats#PIDS_FLOOR} replaced): every run's figures are its own, never negative, never
 * another run's.
 */
class CgroupStatsPropertiesTest {

    /** What one run does to its cgroup's counters. */
    record Work(
            long cpu,
            long user,
            long system,
            long memoryPeak,
            long oomKills,
            long limitHits,
            long pids,
            long throttledPeriods,
            long throttledMicros,
            long ioRead,
            long ioWrite) {}

    @Provide
    Arbitrary<Work> work() {
        Arbitrary<Long> micros = Arbitraries.longs().between(0, 10_000_000_000L);
        Arbitrary<Long> events = Arbitraries.longs().between(0, 1_000);
        Arbitrary<Long> bytes = Arbitraries.longs().between(0, 1L << 40);
        Arbitrary<Long> pids = Arbitraries.oneOf(
                Arbitraries.just(CgroupStats.PIDS_FLOOR), Arbitraries.longs().between(CgroupStats.PIDS_FLOOR, 4096));
        return Combinators.combine(micros, micros, micros, bytes, events, events, pids, events)
                .as((cpu, user, system, memory, oom, hits, p, throttled) -> new Work(
                        cpu, user, system, memory, oom, hits, p, throttled, throttled * 1000, memory / 3, memory / 7));
    }

    /** A cgroup as the kernel counts: sums over every run it held, high-water marks over all of them. */
    private static final class KernelCounters {
        long cpu, user, system, oomKills, limitHits, throttledPeriods, throttledMicros, ioRead, ioWrite;
        long pidsPeak;
        long memoryWatermark;

        CgroupStats read() {
            return new CgroupStats(
                    cpu,
                    user,
                    system,
                    memoryWatermark,
                    oomKills,
                    limitHits,
                    pidsPeak,
                    throttledPeriods,
                    throttledMicros,
                    ioRead,
                    ioWrite);
        }

        void add(Work w) {
            cpu += w.cpu();
            user += w.user();
            system += w.system();
            oomKills += w.oomKills();
            limitHits += w.limitHits();
            throttledPeriods += w.throttledPeriods();
            throttledMicros += w.throttledMicros();
            ioRead += w.ioRead();
            ioWrite += w.ioWrite();
            pidsPeak = Math.max(pidsPeak, w.pids());
            memoryWatermark = Math.max(memoryWatermark, w.memoryPeak());
        }

        /** What v1 lets the pool reset: cpuacct.usage (and with it usage_user/_sys), failcnt, the watermark. */
        void resetV1() {
            cpu = 0;
            user = 0;
            system = 0;
            limitHits = 0;
            memoryWatermark = 0;
        }
    }

    @Property
    void everyRunOfAReusedCgroupIsAccountedAlone(@ForAll("runs") List<Work> runs, @ForAll boolean resettable) {
        KernelCounters kernel = new KernelCounters();
        for (Work w : runs) {
            if (kernel.pidsPeak > CgroupStats.PIDS_FLOOR) {
                // the pool replaces it: the next run gets a fresh cgroup
                kernel = new KernelCounters();
            }
            if (resettable) {
                kernel.resetV1();
            }
            CgroupStats handOut = kernel.read();
            kernel.add(w);
            CgroupStats own = kernel.read().since(handOut);

            assertEquals(w.cpu(), own.cpuUsageMicros());
            assertEquals(w.user(), own.cpuUserMicros());
            assertEquals(w.system(), own.cpuSystemMicros());
            assertEquals(w.oomKills(), own.oomKills());
            assertEquals(w.limitHits(), own.memoryLimitHits());
            assertEquals(w.throttledPeriods(), own.throttledPeriods());
            assertEquals(w.throttledMicros(), own.throttledMicros());
            assertEquals(w.ioRead(), own.ioReadBytes());
            assertEquals(w.ioWrite(), own.ioWriteBytes());
            assertEquals(w.pids(), own.pidsPeak());
            if (resettable) {
                assertEquals(w.memoryPeak(), own.memoryPeakBytes());
            }
        }
    }

    @Provide
    Arbitrary<List<Work>> runs() {
        return work().list().ofMinSize(1).ofMaxSize(30);
    }

    /** Whatever the two readings, a figure is never negative, and one the kernel does not report stays -1. */
    @Property
    void aFigureIsNeverNegativeAndAnUnreportedOneStaysUnreported(
            @ForAll("counter") long now, @ForAll("counter") long before) {
        long counter = CgroupStats.counter(now, before);
        assertTrue(now < 0 ? counter == -1 : counter >= 0 && counter <= now);
        long peak = CgroupStats.peak(now, before, CgroupStats.PIDS_FLOOR);
        assertTrue(peak == -1 || peak == now);
        assertTrue(now >= 0 || peak == -1);
    }

    @Provide
    Arbitrary<Long> counter() {
        return Arbitraries.oneOf(Arbitraries.just(-1L), Arbitraries.longs().between(0, Long.MAX_VALUE / 2));
    }

    /**
     * A peak that cannot be reset, above the floor at hand-out (the pool never hands such a cgroup out):
     * a run below it gets "unknown", not the earlier run's figure.
     */
    @Property
    void aPeakHiddenByAnEarlierRunsIsUnknown(@ForAll("earlierPeak") long earlier, @ForAll("ownPeak") long own) {
        long reported = CgroupStats.peak(Math.max(earlier, own), earlier, CgroupStats.PIDS_FLOOR);
        assertEquals(own > earlier ? own : -1, reported);
    }

    @Provide
    Arbitrary<Long> earlierPeak() {
        return Arbitraries.longs().between(CgroupStats.PIDS_FLOOR + 1, 10_000);
    }

    @Provide
    Arbitrary<Long> ownPeak() {
        return Arbitraries.longs().between(1, 20_000);
    }

    @Example
    void aFreshCgroupsFiguresAreTakenAsRead() {
        CgroupStats read = new CgroupStats(5, 3, 2, 4096, 1, 7, 9, 4, 400, -1, -1);
        assertEquals(read, read.since(CgroupStats.FRESH));
    }
}
