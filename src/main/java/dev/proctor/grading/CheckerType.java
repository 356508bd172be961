package dev.proctor.grading;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** How a test's output is judged: a built-in comparison, or a checker program run in the sandbox. */
public enum CheckerType {
    /** Byte for byte. */
    EXACT,
    /** Trailing ASCII whitespace of each line and trailing empty lines ignored. */
    TRIMMED,
    /** Whitespace-separated tokens equal. */
    TOKENS,
    /** Tokens, numbers within an absolute or relative error. */
    FLOAT,
    /** A testlib-style checker program. */
    PROGRAM;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static CheckerType fromWire(String wire) {
        return parse(wire).orElseThrow(() -> new IllegalArgumentException("not a checker type: " + wire));
    }

    public static Optional<CheckerType> parse(String wire) {
        return Arrays.stream(values()).filter(t -> t.wire().equals(wire)).findFirst();
    }

    /** The wire names, for messages. */
    public static String names() {
        return Arrays.stream(values()).map(CheckerType::wire).toList().toString();
    }
}
