package dev.proctor.compat.judge0;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Judge0's base64 (Ruby's encode64/decode64), decimals and shell-split arguments; no service. */
class Judge0CodecTest {

    @Test
    void base64IsMimeWithANewlineEvery60CharactersAndAtTheEnd() {
        assertEquals("", Judge0Base64.encode(new byte[0]));
        assertEquals("aGk=\n", Judge0Base64.encode("hi".getBytes()));
        assertEquals(
                "eHh4".repeat(15) + "\n", Judge0Base64.encode("x".repeat(45).getBytes()));
        assertEquals(
                "eHh4".repeat(15) + "\n" + "eA==\n",
                Judge0Base64.encode("x".repeat(46).getBytes()));
    }

    @Test
    void decodingSkipsWhatIsNotBase64AndToleratesMissingPadding() {
        byte[] hi = "hi".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(hi, Judge0Base64.decode("aGk="));
        assertArrayEquals(hi, Judge0Base64.decode("aGk"));
        assertArrayEquals(hi, Judge0Base64.decode(" a G\nk=\r\n"));
        assertArrayEquals(hi, Judge0Base64.decode("aG*k"));
        assertArrayEquals(new byte[0], Judge0Base64.decode(""));
        assertArrayEquals(hi, Judge0Base64.decode("aGk=eA=="));
    }

    @Test
    void decimalsLookLikeJudge0s() {
        assertEquals("5.0", Judge0Outcome.decimal(new BigDecimal("5")));
        assertEquals("2.5", Judge0Outcome.decimal(new BigDecimal("2.50")));
        assertEquals("0.001", Judge0Outcome.seconds(1));
        assertEquals("0.0", Judge0Outcome.seconds(0));
        assertEquals("1.25", Judge0Outcome.seconds(1250));
    }

    @Test
    void argumentsSplitLikeAShell() {
        assertEquals(List.of(), ShellWords.split(null));
        assertEquals(List.of(), ShellWords.split("   "));
        assertEquals(
                List.of("a", "b c", "d e", "f g", "", "h'i"), ShellWords.split(" a 'b c' \"d e\" f\\ g '' \"h'i\" "));
        assertEquals(List.of("x\"y", "$HOME"), ShellWords.split("\"x\\\"y\" '$HOME'"));
    }
}
