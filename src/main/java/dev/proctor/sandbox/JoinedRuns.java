package dev.proctor.sandbox;

import java.util.Objects;

/**
 * How two joined runs ({@link SandboxEngine#runJoined}) ended.
 *
 * @param first        the result of the first spec (its stdout is empty: it went to the second)
 * @param second       the result of the second spec
 * @param firstEndedFirst whether the first run ended before the second (or at the same instant), by
 *                     the supervisors' monotonic clock; false when either run never started
 */
public record JoinedRuns(RunResult first, RunResult second, boolean firstEndedFirst) {

    public JoinedRuns {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
    }

    /** Both runs failed inside Proctor, for the same reason. */
    public static JoinedRuns internalError(String message) {
        return new JoinedRuns(RunResult.internalError(message), RunResult.internalError(message), false);
    }
}
