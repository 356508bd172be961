package dev.proctor.sandbox.accounting;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one parser of the cgroup "flat keyed" format ({@code key value} per line: cpu.stat,
 * memory.events, cpuacct.stat, memory.oom_control…) and of single-value files. Every stat
 * parser builds on it rather than carrying its own copy.
 */
public final class KeyValueParser {

    /** Compiled once: {@code String.split("\\s+")} compiles its pattern anew for every line. */
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private KeyValueParser() {}

    /**
     * Parses {@code key value} lines. Lines that do not have exactly two fields with a numeric
     * second one are skipped: newer kernels add keys, and a parser must not break on them.
     */
    public static Map<String, Long> parse(String text) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] fields = WHITESPACE.split(line.trim());
            if (fields.length == 2) {
                Long value = parseLongOrNull(fields[1]);
                if (value != null) {
                    values.put(fields[0], value);
                }
            }
        }
        return values;
    }

    /** The value of {@code key}, or -1 when the kernel does not report it. */
    public static long get(Map<String, Long> values, String key) {
        return values.getOrDefault(key, -1L);
    }

    /** A file holding one number (cpuacct.usage, memory.peak…); "max" is Long.MAX_VALUE. */
    public static long single(String text) {
        String trimmed = text.trim();
        if (trimmed.equals("max")) {
            return Long.MAX_VALUE;
        }
        Long value = parseLongOrNull(trimmed);
        if (value == null) {
            throw new IllegalArgumentException("not a number: '" + trimmed + "'");
        }
        return value;
    }

    static Long parseLongOrNull(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
