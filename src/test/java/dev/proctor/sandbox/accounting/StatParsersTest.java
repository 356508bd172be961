package dev.proctor.sandbox.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every parser against files recorded from a v1 kernel (this host) and written in v2's format. */
class StatParsersTest {

    static String fixture(String path) {
        try (InputStream in = StatParsersTest.class.getResourceAsStream("/cgroup/" + path)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void keyValueSkipsLinesItCannotRead() {
        Map<String, Long> values = KeyValueParser.parse("a 1\nweird line here\nb x\n\nc  -3\n");
        assertEquals(Map.of("a", 1L, "c", -3L), values);
        assertEquals(-1, KeyValueParser.get(values, "missing"));
        assertEquals(Long.MAX_VALUE, KeyValueParser.single("max\n"));
        assertThrows(IllegalArgumentException.class, () -> KeyValueParser.single("12k"));
    }

    @Test
    void cpuacctPrefersNanosecondUserAndSystem() {
        CpuAcctParser.CpuTimes times = CpuAcctParser.parse(
                fixture("v1/cpuacct/cpuacct.usage"),
                fixture("v1/cpuacct/cpuacct.stat"),
                fixture("v1/cpuacct/cpuacct.usage_user"),
                fixture("v1/cpuacct/cpuacct.usage_sys"));
        assertEquals(new CpuAcctParser.CpuTimes(1_814_679, 436_000, 1_247_856), times);
    }

    @Test
    void cpuacctUsageAllGivesTheSplitOfUsageUserAndUsageSysInOneRead() {
        CpuAcctParser.CpuTimes times =
                CpuAcctParser.withSplit(fixture("v1/cpuacct/cpuacct.usage"), fixture("v1/cpuacct/cpuacct.usage_all"));
        assertEquals(
                CpuAcctParser.parse(
                        fixture("v1/cpuacct/cpuacct.usage"),
                        null,
                        fixture("v1/cpuacct/cpuacct.usage_user"),
                        fixture("v1/cpuacct/cpuacct.usage_sys")),
                times);
        assertThrows(IllegalArgumentException.class, () -> CpuAcctParser.withSplit("5\n", "cpu user\n0 1\n"));
        assertThrows(IllegalArgumentException.class, () -> CpuAcctParser.withSplit("5\n", "cpu user system\n0 1 x\n"));
    }

    @Test
    void cpuacctFallsBackToUserHzTicks() {
        CpuAcctParser.CpuTimes times = CpuAcctParser.parse(
                fixture("v1/cpuacct/cpuacct.usage"), fixture("v1/cpuacct/cpuacct.stat"), null, null);
        // user 46, system 134 ticks of 10 ms
        assertEquals(new CpuAcctParser.CpuTimes(1_814_679, 460_000, 1_340_000), times);
    }

    @Test
    void cpuStatV1HasThrottlingInNanoseconds() {
        CpuStatParser.CpuStat stat = CpuStatParser.parseV1(fixture("v1/cpu/cpu.stat"));
        assertEquals(new CpuStatParser.CpuStat(-1, -1, -1, 36, 1_699_584), stat);
    }

    @Test
    void cpuStatV2HasUsageAndThrottlingInMicroseconds() {
        CpuStatParser.CpuStat stat = CpuStatParser.parseV2(fixture("v2/cpu.stat"));
        assertEquals(new CpuStatParser.CpuStat(1_834_212, 1_201_377, 632_835, 36, 1_699_584), stat);
    }

    @Test
    void oomControlCountsKills() {
        OomControlParser.OomControl oom = OomControlParser.parse(fixture("v1/memory/memory.oom_control"));
        assertEquals(1, oom.oomKills());
        assertFalse(oom.killDisabled());
        assertFalse(oom.underOom());
        assertEquals(
                -1, OomControlParser.parse("oom_kill_disable 0\nunder_oom 0\n").oomKills());
    }

    @Test
    void memoryEventsSeparatesLimitHitsFromOomKills() {
        assertEquals(
                new MemoryEventsParser.MemoryEvents(118, 1), MemoryEventsParser.parse(fixture("v2/memory.events")));
    }

    @Test
    void ioStatSumsEveryDevice() {
        assertEquals(
                new IoStatParser.IoBytes(1_459_200 + 90_430_464, 314_773_504 + 299_008_000),
                IoStatParser.parse(fixture("v2/io.stat")));
        assertEquals(new IoStatParser.IoBytes(0, 0), IoStatParser.parse(""));
    }
}
