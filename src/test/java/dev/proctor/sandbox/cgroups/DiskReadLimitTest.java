package dev.proctor.sandbox.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Which devices a run's reads are throttled on, and the lines the kernel is given for them. */
class DiskReadLimitTest {

    @Test
    void thisHostsBlockDevicesAreFoundWithoutTheMemoryBackedOrEmptyOnes() throws IOException {
        List<String> found = DiskReadLimit.blockDevices(Path.of("/sys/block"));
        try (var entries = Files.list(Path.of("/sys/block"))) {
            for (Path e : entries.toList()) {
                String name = e.getFileName().toString();
                String dev = Files.readString(e.resolve("dev")).trim();
                boolean empty = Files.readString(e.resolve("size")).trim().equals("0");
                assertEquals(
                        !name.startsWith("ram") && !name.startsWith("zram") && !empty,
                        found.contains(dev),
                        name + " (" + dev + ") in " + found);
            }
        }
    }

    /**
     * Any /sys/block-like tree: entries with a device number, memory-backed ones, entries with no {@code dev} file
     * or a malformed one; the limit takes every disk's number once, sorted, and nothing else.
     */
    @Property(tries = 200)
    void blockDevicesAreEveryDiskEntrysNumberAndNothingElse(
            @ForAll @Size(max = 16) List<Map.@net.jqwik.api.From("entries") Entry<String, String>> entries,
            @ForAll @Size(max = 16) List<@net.jqwik.api.From("sizes") String> sizes)
            throws IOException {
        Path sys = Files.createTempDirectory("sys-block");
        try {
            Map<String, String> byName = new TreeMap<>();
            entries.forEach(e -> byName.putIfAbsent(e.getKey(), e.getValue()));
            List<String> expected = new ArrayList<>();
            int k = 0;
            for (var e : byName.entrySet()) {
                Path dir = Files.createDirectory(sys.resolve(e.getKey()));
                // a size file with sectors, none, something else, or no size file at all
                String size = sizes.isEmpty() ? null : sizes.get(k++ % sizes.size());
                if (size != null) {
                    Files.writeString(dir.resolve("size"), size);
                }
                if (e.getValue() != null) {
                    Files.writeString(dir.resolve("dev"), e.getValue());
                    String v = e.getValue().trim();
                    boolean memory = e.getKey().startsWith("ram") || e.getKey().startsWith("zram");
                    boolean empty = size != null && size.trim().equals("0");
                    if (!memory && !empty && v.matches("[0-9]{1,10}:[0-9]{1,10}") && !expected.contains(v)) {
                        expected.add(v);
                    }
                }
            }
            expected.sort(null);
            List<String> found = DiskReadLimit.blockDevices(sys);
            assertEquals(expected, found);
            // what it found it accepts as devices
            assertEquals(found, new DiskReadLimit(1, 1, found).devices());
        } finally {
            try (var walk = Files.walk(sys)) {
                walk.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    @Provide
    Arbitrary<Map.Entry<String, String>> entries() {
        Arbitrary<String> name = Arbitraries.oneOf(
                Arbitraries.of("sda", "vda", "nvme0n1", "loop0", "loop7", "dm-0", "md0", "ram0", "zram0", "ram15"),
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8));
        Arbitrary<String> dev = Arbitraries.oneOf(
                Arbitraries.integers()
                        .between(0, 4095)
                        .flatMap(major ->
                                Arbitraries.integers().between(0, 1 << 20).map(minor -> major + ":" + minor + "\n")),
                Arbitraries.of("", "\n", "8", "8:", ":0", "a:b\n", "8:0:1", "-1:0", " 8:0 \n", "99999999999:0"),
                Arbitraries.just(null));
        return net.jqwik.api.Combinators.combine(name, dev).as(java.util.AbstractMap.SimpleEntry::new);
    }

    @Provide
    Arbitrary<String> sizes() {
        return Arbitraries.oneOf(
                Arbitraries.of("0\n", "0", " 0 \n", "8\n", "536870912\n", "", "x\n"), Arbitraries.just(null));
    }

    @Test
    void theKernelIsGivenOneLinePerDeviceWithMaxWhereThereIsNoLimit() {
        DiskReadLimit both = new DiskReadLimit(4096, 100, List.of("8:0"));
        assertEquals("8:0 4096", both.v1Bytes("8:0"));
        assertEquals("8:0 100", both.v1Ops("8:0"));
        assertEquals("8:0 rbps=4096 riops=100", both.v2Line("8:0"));
        DiskReadLimit bytesOnly = new DiskReadLimit(4096, 0, List.of("8:0"));
        // v1: 0 removes a rule
        assertEquals("8:0 0", bytesOnly.v1Ops("8:0"));
        assertEquals("8:0 rbps=4096 riops=max", bytesOnly.v2Line("8:0"));
        assertEquals("8:0 rbps=max riops=100", new DiskReadLimit(0, 100, List.of("8:0")).v2Line("8:0"));
    }

    @Test
    void aLimitLimitsOnlyWithADeviceAndANonZeroRate() {
        assertTrue(new DiskReadLimit(1, 0, List.of("8:0")).limits());
        assertTrue(new DiskReadLimit(0, 1, List.of("8:0")).limits());
        assertFalse(new DiskReadLimit(0, 0, List.of("8:0")).limits());
        assertFalse(new DiskReadLimit(1, 1, List.of()).limits());
        assertFalse(DiskReadLimit.NONE.limits());
    }

    @Property(tries = 200)
    void negativeRatesAndMalformedDevicesAreRefused(
            @ForAll long bytes, @ForAll long ops, @ForAll("notDevices") String device) {
        if (bytes < 0 || ops < 0) {
            assertThrows(IllegalArgumentException.class, () -> new DiskReadLimit(bytes, ops, List.of()));
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> new DiskReadLimit(Math.abs(bytes % 1000), Math.abs(ops % 1000), List.of("8:0", device)));
    }

    @Provide
    Arbitrary<String> notDevices() {
        return Arbitraries.strings().ofMaxLength(24).filter(s -> !s.matches("[0-9]{1,10}:[0-9]{1,10}"));
    }
}
