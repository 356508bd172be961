package dev.proctor.sandbox.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The index-scanning {@link KeyValueParser} reads every text as the rule its comment states, written
 * here the plain way (split into lines, trim, split on {@code \s+}, a line of two fields with a long
 * second one is a pair, the later of two pairs with one key counts): texts of keys, numbers (signed, too
 * long for a long, or not numbers), every kind of whitespace and control characters, in any order.
 */
class KeyValueParserPropertiesTest {

    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    /** The rule, plainly. */
    private static Map<String, Long> rule(String text) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] fields = WHITESPACE.split(line.trim());
            if (fields.length == 2) {
                try {
                    values.put(fields[0], Long.parseLong(fields[1]));
                } catch (NumberFormatException notANumber) {
                    // skipped
                }
            }
        }
        return values;
    }

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> token = Arbitraries.oneOf(
                Arbitraries.of("nr_throttled", "throttled_time", "oom_kill", "max", "a", "ab", "b"),
                Arbitraries.longs().map(n -> Long.toString(n)),
                Arbitraries.of("+7", "-0", "007", "9223372036854775808", "-9223372036854775809", "1e3", "0x10", ""),
                Arbitraries.strings().withChars("ab09+-_").ofMaxLength(4));
        Arbitrary<String> gap = Arbitraries.strings()
                .withChars(' ', '\t', '\n', '\r', '\u000B', '\f', '\u0001', '\u001F')
                .ofMinLength(0)
                .ofMaxLength(3);
        return Arbitraries.oneOf(token, gap).list().ofMaxSize(24).map(parts -> String.join("", parts));
    }

    @Property(tries = 2000)
    void parseIsTheRule(@ForAll("texts") String text) {
        Map<String, Long> expected = rule(text);
        Map<String, Long> parsed = KeyValueParser.parse(text);
        assertEquals(expected, parsed, () -> "text " + visible(text));
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(parsed.keySet()), () -> visible(text));
    }

    @Property(tries = 2000)
    void getIsTheRulesValueOrMinusOne(@ForAll("texts") String text) {
        Map<String, Long> expected = rule(text);
        List<String> keys = new ArrayList<>(List.of("nr_throttled", "oom_kill", "max", "a", "ab", ""));
        keys.addAll(expected.keySet());
        for (String key : keys) {
            assertEquals(
                    expected.getOrDefault(key, -1L),
                    KeyValueParser.get(text, key),
                    () -> "key " + visible(key) + " in " + visible(text));
        }
    }

    @Example
    void kernelFilesReadAsTheyAre() {
        String cpuStat = "nr_periods 22\nnr_throttled 3\nthrottled_time 4500\nnr_bursts 0\nburst_time 0\n";
        assertEquals(3, KeyValueParser.get(cpuStat, "nr_throttled"));
        assertEquals(4500, KeyValueParser.get(cpuStat, "throttled_time"));
        assertEquals(-1, KeyValueParser.get(cpuStat, "throttled"));
        String oom = "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n";
        assertEquals(2, KeyValueParser.get(oom, "oom_kill"));
        assertEquals(0, KeyValueParser.get(oom, "under_oom"));
    }

    private static String visible(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            b.append(c < ' ' ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return b.append('"').toString();
    }
}
