package dev.proctor.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

/**
 * The JVM's reading of {@code proctor-http-load}'s output: generated jobs (bodies of any bytes, newlines and
 * lines that look like the format's own included), failures and the CPU line come back as written; an output cut
 * anywhere short of its end is refused, not read as a shorter phase.
 */
class LoadOutputPropertiesTest {

    /** A job (body non-null) or a failure (reason). */
    record Entry(long latency, byte[] body, String reason) {}

    @Property(tries = 300)
    void readsBackWhatWasWritten(@ForAll("entries") List<Entry> entries, @ForAll @LongRange(min = 0) long cpu)
            throws IOException {
        LoadOutput read = LoadOutput.read(encode(entries, cpu));
        List<Entry> jobs = entries.stream().filter(e -> e.body() != null).toList();
        List<String> reasons = entries.stream()
                .filter(e -> e.body() == null)
                .map(Entry::reason)
                .toList();
        assertEquals(jobs.size(), read.jobs().size());
        for (int i = 0; i < jobs.size(); i++) {
            assertEquals(jobs.get(i).latency(), read.jobs().get(i).latencyNanos());
            assertArrayEquals(jobs.get(i).body(), read.jobs().get(i).body());
        }
        assertEquals(reasons, read.reasons());
        assertEquals(reasons.size(), read.failures());
        assertEquals(cpu, read.cpuNanos());
    }

    @Property(tries = 300)
    void anOutputCutShortIsRefused(
            @ForAll("entries") List<Entry> entries, @ForAll @LongRange(min = 0) long cpu, @ForAll double where) {
        byte[] whole = encode(entries, cpu);
        int cut = (int) (Math.abs(where) % 1.0 * whole.length);
        byte[] part = Arrays.copyOf(whole, cut);
        assertThrows(IOException.class, () -> LoadOutput.read(part));
    }

    @Provide
    Arbitrary<List<Entry>> entries() {
        Arbitrary<byte[]> bodies = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
                Arbitraries.of("{\"state\":\"done\"}\nJ 1 2\n", "\nE 5\n", "F x\n", "")
                        .map(s -> s.getBytes(StandardCharsets.UTF_8)));
        Arbitrary<Entry> job = Combinators.combine(Arbitraries.longs().between(0, Long.MAX_VALUE), bodies)
                .as((latency, body) -> new Entry(latency, body, null));
        Arbitrary<Entry> failure =
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(60).map(reason -> new Entry(0, null, reason));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, job), net.jqwik.api.Tuple.of(1, failure))
                .list()
                .ofMaxSize(20);
    }

    /** As httpload.c writes it. */
    private static byte[] encode(List<Entry> entries, long cpu) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<byte[]> parts = new ArrayList<>();
        for (Entry e : entries) {
            if (e.body() != null) {
                parts.add(("J " + e.latency() + " " + e.body().length + "\n").getBytes(StandardCharsets.US_ASCII));
                parts.add(e.body());
                parts.add(new byte[] {'\n'});
            } else {
                parts.add(("F " + e.reason() + "\n").getBytes(StandardCharsets.US_ASCII));
            }
        }
        parts.add(("E " + cpu + "\n").getBytes(StandardCharsets.US_ASCII));
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }
}
