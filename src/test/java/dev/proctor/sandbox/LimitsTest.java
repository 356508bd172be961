package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link Limits}'s written-out equality means what a record's generated one means: equal exactly when every
 * component is, with an equal hash then. Components come from small sets (neighbours included: a nanosecond,
 * a byte, the next double) so that pairs equal in all but one component are common.
 */
class LimitsTest {

    @Property(tries = 3000)
    void equalExactlyWhenEveryComponentIs(@ForAll("limits") Limits a, @ForAll("limits") Limits b) {
        assertEquals(components(a).equals(components(b)), a.equals(b), a + " vs " + b);
        assertEquals(a.equals(b), b.equals(a));
        if (a.equals(b)) {
            assertEquals(a.hashCode(), b.hashCode(), a + " vs " + b);
        }
    }

    @Property(tries = 500)
    void aCopyIsEqualAndHashesTheSame(@ForAll("limits") Limits a) {
        Limits copy = new Limits(
                Duration.ofNanos(a.cpuTime().toNanos()),
                Duration.ofNanos(a.wallTime().toNanos()),
                a.memoryBytes(),
                a.maxPids(),
                a.outputBytes(),
                a.diskBytes(),
                a.cpus());
        assertEquals(a, copy);
        assertEquals(a.hashCode(), copy.hashCode());
    }

    @Test
    void notEqualToOtherTypesOrNull() {
        Limits a = Limits.defaults();
        assertNotEquals(null, a);
        assertNotEquals(a, (Object) components(a));
        assertEquals(a, a);
    }

    private static List<Object> components(Limits l) {
        return List.of(
                l.cpuTime(), l.wallTime(), l.memoryBytes(), l.maxPids(), l.outputBytes(), l.diskBytes(), l.cpus());
    }

    @Provide
    Arbitrary<Limits> limits() {
        Arbitrary<Duration> time = Arbitraries.of(
                Duration.ofMillis(1),
                Duration.ofSeconds(1),
                Duration.ofSeconds(1).plusNanos(1),
                Duration.ofSeconds(3));
        long mib = Limits.MIB;
        return Combinators.combine(
                        time,
                        time,
                        Arbitraries.of(4 * mib, 4 * mib + 1, 256 * mib),
                        Arbitraries.of(1, 64),
                        Arbitraries.of(0L, mib),
                        Arbitraries.of(mib, 64 * mib),
                        Arbitraries.of(0.5, 1.0, Math.nextUp(1.0), 2.0))
                .as(Limits::new);
    }
}
