package dev.proctor.grading;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CheckersTest {

    private static Verdict check(String type, String expected, String actual) {
        return Checkers.check(
                CheckerType.fromWire(type),
                expected.getBytes(StandardCharsets.UTF_8),
                actual.getBytes(StandardCharsets.UTF_8),
                1e-6,
                0);
    }

    @Test
    void exactComparesBytes() {
        assertEquals(Verdict.ACCEPTED, check("exact", "1 2\n", "1 2\n"));
        assertEquals(Verdict.WRONG_ANSWER, check("exact", "1 2\n", "1 2"));
    }

    @Test
    void trimmedIgnoresTrailingWhitespaceOfLinesAndEnd() {
        assertEquals(Verdict.ACCEPTED, check("trimmed", "a\nb\n", "a  \r\nb\n\n\n"));
        assertEquals(Verdict.WRONG_ANSWER, check("trimmed", "a\nb\n", " a\nb\n"));
        assertEquals(Verdict.WRONG_ANSWER, check("trimmed", "a\nb\n", "a\n\nb\n"));
    }

    @Test
    void tokensIgnoresAllWhitespace() {
        assertEquals(Verdict.ACCEPTED, check("tokens", "1 2 3\n", "1\n2   3"));
        assertEquals(Verdict.WRONG_ANSWER, check("tokens", "1 2 3", "1 2"));
    }

    @Test
    void floatAllowsAbsoluteOrRelativeError() {
        assertEquals(Verdict.ACCEPTED, check("float", "3.1415926", "3.14159265"));
        assertEquals(Verdict.WRONG_ANSWER, check("float", "3.1415926", "3.1416"));
        assertEquals(
                Verdict.ACCEPTED,
                Checkers.check(CheckerType.fromWire("float"), "1000000".getBytes(), "1000001".getBytes(), 0, 1e-5));
        assertEquals(Verdict.WRONG_ANSWER, check("float", "1.0 yes", "1.0 no"));
        assertEquals(Verdict.WRONG_ANSWER, check("float", "1.0", "abc"));
    }

    @Test
    void checkerExitCodesFollowTestlib() {
        assertEquals(Verdict.ACCEPTED, Checkers.ofCheckerExit(0));
        assertEquals(Verdict.WRONG_ANSWER, Checkers.ofCheckerExit(1));
        assertEquals(Verdict.PRESENTATION_ERROR, Checkers.ofCheckerExit(2));
        assertEquals(Verdict.INTERNAL_ERROR, Checkers.ofCheckerExit(3));
    }
}
