package dev.proctor.sandbox.accounting;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one parser of the cgroup "flat keyed" format ({@code key value} per line: cpu.stat,
 * memory.events, cpuacct.stat, memory.oom_control…) and of single-value files. Every stat
 * parser builds on it rather than carrying its own copy.
 *
 * <p>A line is read as {@code line.trim()} split on runs of whitespace ({@code \s}: space, tab,
 * line tabulation, form feed, carriage return); a line of exactly two fields whose second is a
 * {@code long} is a pair, every other line is skipped (newer kernels add keys, and a parser must not
 * break on them); of two pairs with one key, the later counts. The lines are scanned by index, with
 * no pattern, no array of lines or fields, and {@link #get(String, String)} builds no map: the
 * engine reads cpu.stat and memory.oom_control after every run, and splitting them with a pattern
 * cost it more than reading them.
 */
public final class KeyValueParser {

    private KeyValueParser() {}

    /** The pairs of {@code text}, in the order of their first line (see the class comment). */
    public static Map<String, Long> parse(String text) {
        Map<String, Long> values = new LinkedHashMap<>();
        Line line = new Line(text);
        while (line.next()) {
            if (line.isPair()) {
                values.put(text.substring(line.keyStart, line.keyEnd), line.value);
            }
        }
        return values;
    }

    /** The value of {@code key}, or -1 when the kernel does not report it. */
    public static long get(Map<String, Long> values, String key) {
        return values.getOrDefault(key, -1L);
    }

    /** {@code get(parse(text), key)}, without the map. */
    public static long get(String text, String key) {
        long found = -1;
        Line line = new Line(text);
        while (line.next()) {
            if (line.keyEnd - line.keyStart == key.length() && text.startsWith(key, line.keyStart) && line.isPair()) {
                found = line.value;
            }
        }
        return found;
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

    /** What {@code \s} matches, but the newline, which ends a line. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\u000B' || c == '\f' || c == '\r';
    }

    /** A cursor over the lines of a text: the current line's bounds, trimmed, and its first two fields. */
    private static final class Line {
        private final String text;
        private int next;
        int keyStart;
        int keyEnd;
        private int valueStart;
        private int end;
        long value;

        Line(String text) {
            this.text = text;
        }

        /** Moves to the next line; false past the last. */
        boolean next() {
            int n = text.length();
            if (next > n) {
                return false;
            }
            int lineEnd = text.indexOf('\n', next);
            if (lineEnd < 0) {
                lineEnd = n;
            }
            int a = next;
            int b = lineEnd;
            next = lineEnd + 1;
            while (a < b && text.charAt(a) <= ' ') {
                a++;
            }
            while (b > a && text.charAt(b - 1) <= ' ') {
                b--;
            }
            int k = a;
            while (k < b && !isSpace(text.charAt(k))) {
                k++;
            }
            int v = k;
            while (v < b && isSpace(text.charAt(v))) {
                v++;
            }
            keyStart = a;
            keyEnd = k;
            valueStart = v;
            end = b;
            return true;
        }

        /** Whether the line is a pair: two fields (the trimmed line ends with the second), a long second; sets value. */
        boolean isPair() {
            if (keyEnd == keyStart || valueStart == end) {
                return false;
            }
            for (int i = valueStart; i < end; i++) {
                if (isSpace(text.charAt(i))) {
                    return false;
                }
            }
            try {
                value = Long.parseLong(text, valueStart, end, 10);
                return true;
            } catch (NumberFormatException e) {
                return false;
            }
        }
    }
}
