package dev.proctor.problems;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The default output validator and its flags. */
class DefaultValidatorTest {

    private static boolean ok(String answer, String team, String... flags) {
        return DefaultValidator.check(
                        answer.getBytes(StandardCharsets.UTF_8),
                        team.getBytes(StandardCharsets.UTF_8),
                        DefaultValidator.Options.parse(List.of(flags)))
                .accepted();
    }

    @Test
    void tokensIgnoreCaseAndSpacingByDefault() {
        assertEquals(true, ok("Yes 3\n", "yes   3"));
        assertEquals(true, ok("a\nb\n", "a b"));
        assertEquals(false, ok("a b\n", "a"));
        assertEquals(false, ok("a\n", "a b"));
        assertEquals(false, ok("1\n", "01\n"));
        assertEquals(true, ok("", "\n \t"));
    }

    @Test
    void caseAndSpaceSensitive() {
        assertEquals(false, ok("Yes\n", "yes\n", "case_sensitive"));
        assertEquals(true, ok("Yes\n", "Yes\n", "case_sensitive"));
        assertEquals(false, ok("a b\n", "a  b\n", "space_change_sensitive"));
        assertEquals(false, ok("a b\n", "a b", "space_change_sensitive"));
        assertEquals(true, ok("a b\n", "a b\n", "space_change_sensitive"));
    }

    @Test
    void floatTolerances() {
        assertEquals(false, ok("1.0\n", "1.0001\n"));
        assertEquals(true, ok("1.0\n", "1.0001\n", "float_tolerance", "1e-3"));
        assertEquals(true, ok("1000\n", "1000.5\n", "float_relative_tolerance", "1e-3"));
        assertEquals(false, ok("1000\n", "1000.5\n", "float_absolute_tolerance", "1e-3"));
        assertEquals(true, ok("1000\n", "1000.0005\n", "float_absolute_tolerance", "1e-3"));
        assertEquals(false, ok("1.5\n", "abc\n", "float_tolerance", "1"));
        // a word in the answer is still compared as a word
        assertEquals(true, ok("impossible\n", "IMPOSSIBLE\n", "float_tolerance", "1e-6"));
        assertThrows(IllegalArgumentException.class, () -> DefaultValidator.Options.parse(List.of("float_tolerance")));
    }

    @Test
    void messagesNameTheToken() {
        DefaultValidator.Outcome o = DefaultValidator.check(
                "1 2 3".getBytes(StandardCharsets.US_ASCII),
                "1 2 4".getBytes(StandardCharsets.US_ASCII),
                DefaultValidator.Options.parse(List.of()));
        assertEquals("token 3: expected \"3\", got \"4\"", o.message());
    }
}
