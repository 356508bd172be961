package dev.proctor.problems;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The format's default output validator: the team's output against the judge's answer, token by token
 * (whitespace-separated), case-insensitive and blind to how much whitespace there is unless {@code
 * case_sensitive} / {@code space_change_sensitive}; a judge token that is a number accepts any team number
 * within {@code float_absolute_tolerance} or {@code float_relative_tolerance} ({@code float_tolerance} sets
 * both). Bytes, not text: whitespace is ASCII whitespace only.
 */
public final class DefaultValidator {

    /** The options, from {@code validator_flags} and the group's output validator flags. */
    public record Options(
            boolean caseSensitive, boolean spaceChangeSensitive, double absTolerance, double relTolerance) {

        public static Options parse(List<String> flags) {
            boolean cs = false;
            boolean sc = false;
            double abs = -1;
            double rel = -1;
            for (int i = 0; i < flags.size(); i++) {
                String f = flags.get(i);
                switch (f) {
                    case "case_sensitive" -> cs = true;
                    case "space_change_sensitive" -> sc = true;
                    case "float_tolerance", "float_absolute_tolerance", "float_relative_tolerance" -> {
                        if (i + 1 >= flags.size()) {
                            throw new IllegalArgumentException(f + " needs a value");
                        }
                        double v = Double.parseDouble(flags.get(++i));
                        if (!f.equals("float_relative_tolerance")) {
                            abs = v;
                        }
                        if (!f.equals("float_absolute_tolerance")) {
                            rel = v;
                        }
                    }
                    default -> {
                        // unknown flags are the custom validator's business; the default one ignores them
                    }
                }
            }
            return new Options(cs, sc, abs, rel);
        }
    }

    /** The outcome: accepted, or why not (a judge message). */
    public record Outcome(boolean accepted, String message) {}

    private DefaultValidator() {}

    public static Outcome check(byte[] answer, byte[] team, Options o) {
        int i = 0;
        int j = 0;
        int token = 0;
        while (true) {
            if (o.spaceChangeSensitive()) {
                // whitespace must match exactly, byte for byte, between tokens
                int si = i;
                int sj = j;
                while (i < answer.length && space(answer[i])) {
                    i++;
                }
                while (j < team.length && space(team[j])) {
                    j++;
                }
                if (!java.util.Arrays.equals(answer, si, i, team, sj, j)) {
                    return new Outcome(false, "whitespace differs before token " + (token + 1));
                }
            } else {
                while (i < answer.length && space(answer[i])) {
                    i++;
                }
                while (j < team.length && space(team[j])) {
                    j++;
                }
            }
            if (i >= answer.length || j >= team.length) {
                if (i >= answer.length && j >= team.length) {
                    return new Outcome(true, null);
                }
                return new Outcome(
                        false,
                        i >= answer.length
                                ? "team output has more than the " + token + " tokens of the answer"
                                : "team output ends after " + token + " tokens");
            }
            int ie = i;
            while (ie < answer.length && !space(answer[ie])) {
                ie++;
            }
            int je = j;
            while (je < team.length && !space(team[je])) {
                je++;
            }
            token++;
            if (!same(answer, i, ie, team, j, je, o)) {
                return new Outcome(
                        false, "token " + token + ": expected " + show(answer, i, ie) + ", got " + show(team, j, je));
            }
            i = ie;
            j = je;
        }
    }

    private static boolean same(byte[] a, int as, int ae, byte[] b, int bs, int be, Options o) {
        if (o.absTolerance() >= 0 || o.relTolerance() >= 0) {
            Double x = number(a, as, ae);
            if (x != null) {
                Double y = number(b, bs, be);
                if (y == null) {
                    return false;
                }
                double diff = Math.abs(x - y);
                if (o.absTolerance() >= 0 && diff <= o.absTolerance()) {
                    return true;
                }
                return o.relTolerance() >= 0 && diff <= o.relTolerance() * Math.abs(x);
            }
        }
        if (ae - as != be - bs) {
            return false;
        }
        for (int k = 0; k < ae - as; k++) {
            byte p = a[as + k];
            byte q = b[bs + k];
            if (p != q && (o.caseSensitive() || lower(p) != lower(q))) {
                return false;
            }
        }
        return true;
    }

    /** A decimal number (no hex, no inf/nan words: those compare as text), or null. */
    private static Double number(byte[] s, int from, int to) {
        if (to - from > 400) {
            return null;
        }
        boolean digit = false;
        for (int k = from; k < to; k++) {
            byte c = s[k];
            if (c >= '0' && c <= '9') {
                digit = true;
            } else if (c != '+' && c != '-' && c != '.' && c != 'e' && c != 'E') {
                return null;
            }
        }
        if (!digit) {
            return null;
        }
        try {
            double d = Double.parseDouble(new String(s, from, to - from, StandardCharsets.US_ASCII));
            return Double.isFinite(d) ? d : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean space(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == 0x0b || b == 0x0c;
    }

    private static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
    }

    private static String show(byte[] s, int from, int to) {
        int end = Math.min(to, from + 40);
        String t = new String(s, from, end - from, StandardCharsets.UTF_8);
        return "\"" + t + (to > end ? "…" : "") + "\"";
    }
}
