package dev.proctor.grading;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.proctor.sandbox.RunStatus;
import java.util.Locale;

/** The verdict of a test or a job, as the API names it. */
public enum Verdict {
    ACCEPTED,
    WRONG_ANSWER,
    PRESENTATION_ERROR,
    TIME_LIMIT_EXCEEDED,
    WALL_TIME_LIMIT_EXCEEDED,
    MEMORY_LIMIT_EXCEEDED,
    OUTPUT_LIMIT_EXCEEDED,
    RUNTIME_ERROR,
    COMPILE_ERROR,
    INTERNAL_ERROR;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Every wire name, comma-separated, for messages. */
    public static String wireNames() {
        return String.join(
                ", ", java.util.Arrays.stream(values()).map(Verdict::wire).toList());
    }

    /** A verdict from its wire name; IllegalArgumentException for any other text. */
    public static Verdict parse(String s) {
        for (Verdict v : values()) {
            if (v.wire().equalsIgnoreCase(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("not a verdict: " + s);
    }

    /** The verdict of a run that did not end normally; {@code null} for OK (the checker decides). */
    public static Verdict ofRun(RunStatus status) {
        return switch (status) {
            case OK -> null;
            case INTERNAL_ERROR, CANCELLED -> INTERNAL_ERROR;
            case MEMORY_LIMIT_EXCEEDED -> MEMORY_LIMIT_EXCEEDED;
            case TIME_LIMIT_EXCEEDED -> TIME_LIMIT_EXCEEDED;
            case WALL_TIME_LIMIT_EXCEEDED -> WALL_TIME_LIMIT_EXCEEDED;
            case OUTPUT_LIMIT_EXCEEDED -> OUTPUT_LIMIT_EXCEEDED;
            case RUNTIME_ERROR -> RUNTIME_ERROR;
        };
    }
}
