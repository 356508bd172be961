package dev.proctor.grading;

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

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
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
