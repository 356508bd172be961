package dev.proctor.sandbox.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * cpuacct.usage_all against usage_user and usage_sys: the same per-CPU counters, so for any table of
 * CPUs the split read from it is the split read from the two files that add it up; anything that is
 * not such a table is refused with IllegalArgumentException (which the cgroup's reader turns into a
 * cgroup not reused), never read as some other number.
 */
class CpuAcctUsageAllPropertiesTest {

    @Property
    void theSplitIsTheSumOfEveryCpusCounters(
            @ForAll("cpus") List<long[]> cpus,
            @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long usage,
            @ForAll boolean trailingNewline) {
        StringBuilder table = new StringBuilder("cpu user system\n");
        long user = 0;
        long system = 0;
        for (int i = 0; i < cpus.size(); i++) {
            table.append(i).append(' ').append(cpus.get(i)[0]).append(' ').append(cpus.get(i)[1]);
            if (i < cpus.size() - 1 || trailingNewline) {
                table.append('\n');
            }
            user += cpus.get(i)[0];
            system += cpus.get(i)[1];
        }
        CpuAcctParser.CpuTimes split = CpuAcctParser.withSplit(usage + "\n", table.toString());
        assertEquals(CpuAcctParser.parse(usage + "\n", null, user + "\n", system + "\n"), split, table::toString);
    }

    @Property
    void aLineOfAnotherShapeIsRefused(
            @ForAll("cpus") List<long[]> cpus,
            @ForAll @IntRange(min = 0, max = 40) int at,
            @ForAll("notAValue") String bad) {
        StringBuilder table = new StringBuilder("cpu user system\n");
        int spoilt = at % cpus.size();
        for (int i = 0; i < cpus.size(); i++) {
            table.append(i).append(' ').append(i == spoilt ? bad : Long.toString(cpus.get(i)[0]));
            table.append(' ').append(cpus.get(i)[1]).append('\n');
        }
        assertThrows(IllegalArgumentException.class, () -> CpuAcctParser.withSplit("1\n", table.toString()));
    }

    @Property
    void aTableWithoutItsHeaderIsRefused(@ForAll("cpus") List<long[]> cpus) {
        StringBuilder table = new StringBuilder();
        for (int i = 0; i < cpus.size(); i++) {
            table.append(i)
                    .append(' ')
                    .append(cpus.get(i)[0])
                    .append(' ')
                    .append(cpus.get(i)[1])
                    .append('\n');
        }
        assertThrows(IllegalArgumentException.class, () -> CpuAcctParser.withSplit("1\n", table.toString()));
    }

    @Provide
    Arbitrary<List<long[]>> cpus() {
        // up to 512 CPUs, each counter below 2^53: their sums cannot overflow
        Arbitrary<Long> counter = Arbitraries.longs().between(0, 1L << 53);
        return counter.list()
                .ofSize(2)
                .map(l -> new long[] {l.get(0), l.get(1)})
                .list()
                .ofMinSize(1)
                .ofMaxSize(512);
    }

    @Provide
    Arbitrary<String> notAValue() {
        return Arbitraries.oneOf(
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(6),
                Arbitraries.just("1 2"),
                Arbitraries.just(""),
                Arbitraries.just("99999999999999999999"),
                Arbitraries.just("1.5"));
    }
}
