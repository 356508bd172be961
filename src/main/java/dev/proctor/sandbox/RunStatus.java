package dev.proctor.sandbox;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Why a run ended, decided in this order of precedence (first match wins):
 * internal error, memory, CPU time, wall time, output, signal or exit code, ok.
 */
public enum RunStatus {
    INTERNAL_ERROR,
    /** cancelled by the caller before it ended by itself */
    CANCELLED,
    MEMORY_LIMIT_EXCEEDED,
    TIME_LIMIT_EXCEEDED,
    WALL_TIME_LIMIT_EXCEEDED,
    OUTPUT_LIMIT_EXCEEDED,
    RUNTIME_ERROR,
    OK;

    /** snake_case name as used in JSON: {@code memory_limit_exceeded}. */
    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
