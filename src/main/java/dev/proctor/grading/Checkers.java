package dev.proctor.grading;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BiPredicate;

/**
 * The built-in output checkers; program checkers run in the sandbox (see {@link Grader}). They compare bytes,
 * never decoded text: output that is not UTF-8 is judged as written. Whitespace means ASCII whitespace only
 * (space, \t, \n, \v, \f, \r): a byte of a multi-byte character is never taken for a separator.
 */
public final class Checkers {

    private Checkers() {}

    /** Judges {@code actual} against {@code expected} with a built-in checker type. */
    public static Verdict check(CheckerType type, byte[] expected, byte[] actual, double absError, double relError) {
        boolean ok = switch (type) {
            case EXACT -> Arrays.equals(expected, actual);
            case TRIMMED -> Arrays.equals(trimmed(expected), trimmed(actual));
            case TOKENS -> tokensEqual(expected, actual);
            case FLOAT -> floatsEqual(expected, actual, absError, relError);
            case PROGRAM -> throw new IllegalArgumentException("a checker program runs in the sandbox");
        };
        return ok ? Verdict.ACCEPTED : Verdict.WRONG_ANSWER;
    }

    static boolean space(byte b) {
        return b == ' ' || b >= 0x09 && b <= 0x0d;
    }

    /**
     * Lines split at \n, each without its trailing whitespace (so \r\n is \n), trailing empty lines dropped,
     * joined by \n.
     */
    static byte[] trimmed(byte[] b) {
        byte[] out = new byte[b.length];
        int n = 0;
        int start = 0;
        while (start <= b.length) {
            int nl = start;
            while (nl < b.length && b[nl] != '\n') {
                nl++;
            }
            int end = nl;
            while (end > start && space(b[end - 1])) {
                end--;
            }
            System.arraycopy(b, start, out, n, end - start);
            n += end - start;
            if (nl < b.length) {
                out[n++] = '\n';
            }
            start = nl + 1;
        }
        while (n > 0 && out[n - 1] == '\n') {
            n--;
        }
        return Arrays.copyOf(out, n);
    }

    /** Walks the whitespace-separated tokens of a byte array. */
    static final class Tokens {
        private final byte[] b;
        private int pos;
        int start;
        int end;

        Tokens(byte[] b) {
            this.b = b;
        }

        boolean next() {
            while (pos < b.length && space(b[pos])) {
                pos++;
            }
            if (pos >= b.length) {
                return false;
            }
            start = pos;
            while (pos < b.length && !space(b[pos])) {
                pos++;
            }
            end = pos;
            return true;
        }

        boolean sameAs(Tokens o) {
            return Arrays.equals(b, start, end, o.b, o.start, o.end);
        }

        String ascii() {
            for (int i = start; i < end; i++) {
                if (b[i] < 0) {
                    return null;
                }
            }
            return new String(b, start, end - start, StandardCharsets.US_ASCII);
        }
    }

    static boolean tokensEqual(byte[] expected, byte[] actual) {
        return tokenwise(expected, actual, Tokens::sameAs);
    }

    /**
     * Token by token: where both tokens are numbers, equal within abs_error or rel_error (either suffices);
     * other tokens must be equal byte for byte.
     */
    static boolean floatsEqual(byte[] expected, byte[] actual, double absError, double relError) {
        return tokenwise(expected, actual, (e, a) -> {
            Double ev = number(e.ascii());
            Double av = number(a.ascii());
            return ev == null || av == null ? e.sameAs(a) : close(ev, av, absError, relError);
        });
    }

    /** Both have as many tokens, and each pair is {@code same}. */
    private static boolean tokenwise(byte[] expected, byte[] actual, BiPredicate<Tokens, Tokens> same) {
        Tokens e = new Tokens(expected);
        Tokens a = new Tokens(actual);
        for (; ; ) {
            boolean more = e.next();
            if (more != a.next()) {
                return false;
            }
            if (!more) {
                return true;
            }
            if (!same.test(e, a)) {
                return false;
            }
        }
    }

    static boolean close(double ev, double av, double absError, double relError) {
        if (Double.isNaN(ev) || Double.isNaN(av)) {
            return Double.isNaN(ev) && Double.isNaN(av);
        }
        if (ev == av) {
            return true;
        }
        double diff = Math.abs(ev - av);
        return diff <= absError || diff <= relError * Math.abs(ev);
    }

    /**
     * The value of a decimal number token ({@code [-+]digits[.digits][e[-+]digits]}, {@code inf}, {@code nan}),
     * else null. A linear scan: no regular expression that could backtrack on a long token.
     */
    static Double number(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        int i = s.charAt(0) == '-' || s.charAt(0) == '+' ? 1 : 0;
        String rest = s.substring(i);
        if (rest.equals("inf") || rest.equals("Infinity")) {
            return s.charAt(0) == '-' ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (rest.equals("nan") || rest.equals("NaN")) {
            return Double.NaN;
        }
        int digits = 0;
        while (i < s.length() && isDigit(s.charAt(i))) {
            i++;
            digits++;
        }
        if (i < s.length() && s.charAt(i) == '.') {
            i++;
            while (i < s.length() && isDigit(s.charAt(i))) {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return null;
        }
        if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
                i++;
            }
            int exp = 0;
            while (i < s.length() && isDigit(s.charAt(i))) {
                i++;
                exp++;
            }
            if (exp == 0) {
                return null;
            }
        }
        return i == s.length() ? Double.parseDouble(s) : null;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
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
