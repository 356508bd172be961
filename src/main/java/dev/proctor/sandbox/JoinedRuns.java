package dev.proctor.sandbox;

import java.util.Objects;

/**
 * How two joined runs ({@link SandboxEngine#runJoined}) ended.
 *
 * @param first        the result of the first spec (its stdout is empty: it went to the second)
 * @param second       the result of the second spec
 * @param firstEndedFirst whether the first run ended before the second: which one let go of its output
 *                     pipe first, in the kernel's order of the two closes ({@link JoinedEnds}); when a
 *                     close was not seen, by the end stamps (a tie to the first); false when either run
 *                     never started
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
