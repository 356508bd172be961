package dev.proctor.grading;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The built-in output checkers; program checkers run in the sandbox (see {@link Grader}). */
public final class Checkers {

    private Checkers() {
    }

    /** Judges {@code actual} against {@code expected} with a built-in checker type. */
    public static Verdict check(String type, byte[] expected, byte[] actual, double absError, double relError) {
        return switch (type) {
            case "exact" -> java.util.Arrays.equals(expected, actual) ? Verdict.ACCEPTED : Verdict.WRONG_ANSWER;
            case "trimmed" -> trimmed(text(expected)).equals(trimmed(text(actual)))
                    ? Verdict.ACCEPTED : Verdict.WRONG_ANSWER;
            case "tokens" -> tokens(text(expected)).equals(tokens(text(actual)))
                    ? Verdict.ACCEPTED : Verdict.WRONG_ANSWER;
            case "float" -> floats(tokens(text(expected)), tokens(text(actual)), absError, relError);
            default -> throw new IllegalArgumentException("not a built-in checker: " + type);
        };
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Trailing whitespace of every line and trailing empty lines ignored; \r\n same as \n. */
    static String trimmed(String s) {
        String[] lines = s.replace("\r\n", "\n").split("\n", -1);
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            b.append(l.stripTrailing()).append('\n');
        }
        int end = b.length();
        while (end > 0 && b.charAt(end - 1) == '\n') {
            end--;
        }
        return b.substring(0, end);
    }

    static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        for (String t : s.split("\\s+")) {
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * Token by token: where both tokens are numbers, equal within abs_error or rel_error (either
     * suffices); other tokens must be equal.
     */
    static Verdict floats(List<String> expected, List<String> actual, double absError, double relError) {
        if (expected.size() != actual.size()) {
            return Verdict.WRONG_ANSWER;
        }
        for (int i = 0; i < expected.size(); i++) {
            String e = expected.get(i);
            String a = actual.get(i);
            Double ev = number(e);
            Double av = number(a);
            if (ev == null || av == null) {
                if (!e.equals(a)) {
                    return Verdict.WRONG_ANSWER;
                }
                continue;
            }
            if (ev.isNaN() || av.isNaN()) {
                if (!(ev.isNaN() && av.isNaN())) {
                    return Verdict.WRONG_ANSWER;
                }
                continue;
            }
            double diff = Math.abs(ev - av);
            boolean ok = diff <= absError || diff <= relError * Math.abs(ev) || ev.equals(av);
            if (!ok) {
                return Verdict.WRONG_ANSWER;
            }
        }
        return Verdict.ACCEPTED;
    }

    private static Double number(String s) {
        if (!s.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?|[-+]?(inf|nan|Infinity|NaN)")) {
            return null;
        }
        String n = s.replace("inf", "Infinity").replace("nan", "NaN");
        return Double.parseDouble(n);
    }

    /** A testlib-style checker program's exit code: 0 ok, 1 wrong answer, 2 presentation, else ours. */
    public static Verdict ofCheckerExit(int exitCode) {
        return switch (exitCode) {
            case 0 -> Verdict.ACCEPTED;
            case 1 -> Verdict.WRONG_ANSWER;
            case 2 -> Verdict.PRESENTATION_ERROR;
            default -> Verdict.INTERNAL_ERROR;
        };
    }
}
