package dev.proctor.compat.piston;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The semver ranges Piston clients send as {@code version}: {@code *}, exact or partial versions
 * ({@code 3}, {@code 3.11}, {@code 3.x}), comparators ({@code >=3.8 <4}), caret and tilde ranges, and
 * alternatives joined by {@code ||}.
 */
final class SemverRange {

    private static final Pattern COMPARATOR = Pattern.compile(
            "(>=|<=|>|<|=|\\^|~)?\\s*v?(\\*|x|X|\\d+)(?:\\.(\\*|x|X|\\d+))?(?:\\.(\\*|x|X|\\d+))?(?:[-+][0-9A-Za-z.-]*)?");

    private SemverRange() {}

    /** Whether {@code version} (MAJOR.MINOR.PATCH) satisfies {@code range}; a malformed range matches nothing. */
    static boolean satisfies(String version, String range) {
        int[] v = parse(version);
        if (v == null || range == null) {
            return false;
        }
        for (String alternative : range.split("\\|\\|")) {
            if (all(v, alternative.strip())) {
                return true;
            }
        }
        return false;
    }

    private static boolean all(int[] v, String set) {
        if (set.isEmpty() || set.equals("*") || set.equalsIgnoreCase("x") || set.equals("latest")) {
            return true;
        }
        for (String c : set.split("\\s+")) {
            if (!one(v, c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean one(int[] v, String c) {
        Matcher m = COMPARATOR.matcher(c);
        if (!m.matches()) {
            return false;
        }
        String op = m.group(1) == null ? "" : m.group(1);
        Integer[] p = {num(m.group(2)), num(m.group(3)), num(m.group(4))};
        int given = p[0] == null ? 0 : p[1] == null ? 1 : p[2] == null ? 2 : 3;
        int[] low = {orZero(p[0]), orZero(p[1]), orZero(p[2])};
        return switch (op) {
            case ">=" -> compare(v, low) >= 0;
            case ">" -> given == 3 ? compare(v, low) > 0 : compare(v, bump(low, given - 1)) >= 0;
            case "<" -> compare(v, low) < 0;
            case "<=" -> given == 3 ? compare(v, low) <= 0 : compare(v, bump(low, given - 1)) < 0;
            case "^" -> compare(v, low) >= 0 && compare(v, caretTop(low, given)) < 0;
            case "~" -> compare(v, low) >= 0 && compare(v, bump(low, given >= 2 ? 1 : 0)) < 0;
            default ->
                given == 0
                        || compare(v, low) >= 0
                                && (given == 3 ? compare(v, low) == 0 : compare(v, bump(low, given - 1)) < 0);
        };
    }

    private static int[] caretTop(int[] low, int given) {
        if (low[0] > 0 || given <= 1) {
            return bump(low, 0);
        }
        if (low[1] > 0 || given == 2) {
            return bump(low, 1);
        }
        return bump(low, 2);
    }

    /** The version after every version with the same first {@code index + 1} parts. */
    private static int[] bump(int[] v, int index) {
        int[] out = new int[3];
        for (int i = 0; i < index; i++) {
            out[i] = v[i];
        }
        out[index] = v[index] + 1;
        return out;
    }

    private static int compare(int[] a, int[] b) {
        for (int i = 0; i < 3; i++) {
            if (a[i] != b[i]) {
                return Integer.compare(a[i], b[i]);
            }
        }
        return 0;
    }

    private static Integer num(String s) {
        return s == null || s.equals("*") || s.equalsIgnoreCase("x") ? null : Integer.valueOf(s);
    }

    private static int orZero(Integer i) {
        return i == null ? 0 : i;
    }

    static int[] parse(String version) {
        if (version == null) {
            return null;
        }
        String[] p = version.split("\\.");
        if (p.length != 3) {
            return null;
        }
        try {
            return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
