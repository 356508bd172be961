package dev.proctor.sandbox.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * cgroup v1 {@code blkio.throttle.io_service_bytes} as the kernel writes it for any number of devices (a line per
 * device and operation: Read, Write, Sync, Async, Discard, Total; then the cgroup's Total), in any order and with
 * any counts: the bytes read and written are each device's Read and Write summed, never a Total, Sync or Async
 * (which count the same bytes again).
 */
class IoStatParserPropertiesTest {

    record Device(int major, int minor, long read, long write, long discard) {}

    @Provide
    Arbitrary<Device> devices() {
        Arbitrary<Long> bytes = Arbitraries.longs().between(0, 1L << 50);
        return Combinators.combine(
                        Arbitraries.integers().between(0, 4095),
                        Arbitraries.integers().between(0, 1 << 20),
                        bytes,
                        bytes,
                        bytes)
                .as(Device::new);
    }

    @Property(tries = 500)
    void readsAndWritesAreEachDevicesReadAndWriteSummed(
            @ForAll @Size(max = 12) List<@net.jqwik.api.From("devices") Device> devices, @ForAll long seed) {
        List<String> lines = new ArrayList<>();
        long read = 0;
        long write = 0;
        for (Device d : devices) {
            String dev = d.major() + ":" + d.minor();
            lines.add(dev + " Read " + d.read());
            lines.add(dev + " Write " + d.write());
            lines.add(dev + " Sync " + (d.read() + d.write()));
            lines.add(dev + " Async 0");
            lines.add(dev + " Discard " + d.discard());
            lines.add(dev + " Total " + (d.read() + d.write() + d.discard()));
            read += d.read();
            write += d.write();
        }
        Collections.shuffle(lines, new Random(seed));
        lines.add("Total " + (read + write));

        IoStatParser.IoBytes parsed = IoStatParser.parseV1ServiceBytes(String.join("\n", lines) + "\n");

        assertEquals(read, parsed.readBytes());
        assertEquals(write, parsed.writeBytes());
    }

    /**
     * Any text of device numbers, operation names, numbers (signed, too long for a long, not numbers), separators of
     * every kind and control characters, on any number of lines: the scanning parser counts what its rule, written
     * here the plain way, counts.
     */
    @Property(tries = 1000)
    void anyTextIsReadAsTheRuleReadsIt(@ForAll("texts") String text) {
        long read = 0;
        long write = 0;
        for (String line : text.split("\n", -1)) {
            String[] f = line.replaceAll("^\\s+|\\s+$", "").split("\\s+");
            if (f.length != 3 || f[0].indexOf(':') < 0) {
                continue;
            }
            long value;
            try {
                value = Long.parseLong(f[2]);
            } catch (NumberFormatException e) {
                continue;
            }
            if (f[1].equals("Read")) {
                read += value;
            } else if (f[1].equals("Write")) {
                write += value;
            }
        }
        assertEquals(new IoStatParser.IoBytes(read, write), IoStatParser.parseV1ServiceBytes(text), text);
    }

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> token = Arbitraries.oneOf(
                Arbitraries.of(
                        "8:0",
                        "254:0",
                        "7:3",
                        ":",
                        "8:",
                        "a:b",
                        "8-0",
                        "Total",
                        "Read",
                        "Write",
                        "Sync",
                        "Async",
                        "Discard",
                        "read",
                        "Reads",
                        "Rea",
                        "0",
                        "42",
                        "-7",
                        "+5",
                        "9223372036854775807",
                        "9223372036854775808",
                        "1e3",
                        "0x10",
                        ""),
                Arbitraries.longs().map(l -> Long.toString(l)),
                Arbitraries.strings().ofMaxLength(4));
        Arbitrary<String> separator =
                Arbitraries.of(" ", "  ", "\t", "\u000B", "\f", "\r", "\n", "\r\n", "\u0000", "\u00A0");
        return Combinators.combine(token.list().ofMaxSize(30), separator.list().ofMaxSize(30))
                .as((tokens, seps) -> {
                    StringBuilder b = new StringBuilder();
                    for (int i = 0; i < tokens.size(); i++) {
                        b.append(tokens.get(i));
                        b.append(seps.isEmpty() ? " " : seps.get(i % seps.size()));
                    }
                    return b.toString();
                });
    }

    @Property(tries = 200)
    void aCgroupThatReadNothingReadsZero(@ForAll("blank") String text) {
        assertEquals(new IoStatParser.IoBytes(0, 0), IoStatParser.parseV1ServiceBytes(text));
    }

    @Provide
    Arbitrary<String> blank() {
        return Arbitraries.of("", "\n", "Total 0\n", "Total 0", "  Total 0  \n\n");
    }
}
