package dev.proctor.grading;

import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunStatus;

/**
 * The verdict of an interactive test, from the submission's run and the interactor's:
 * <ol>
 *   <li>either run failed inside Proctor (or was cancelled): internal error;</li>
 *   <li>the submission failed by itself (a limit, a signal, a non-zero exit) and ended first: its own
 *       verdict, whatever the interactor did after it (it read EOF, or died writing to it);</li>
 *   <li>the interactor died of SIGPIPE (it wrote to a submission that had ended) after a submission
 *       that exited normally: wrong answer, the submission left before the interaction was over;</li>
 *   <li>the interactor did not exit with a code of its protocol (crashed, killed, over a limit, or
 *       reported its own failure): internal error, never accepted;</li>
 *   <li>the interactor accepted but the submission then failed (it went on after the interactor's
 *       end and crossed a limit, or exited non-zero): the submission's verdict;</li>
 *   <li>otherwise the interactor's: accepted, wrong answer or presentation error.</li>
 * </ol>
 * Which ended first is which one let go of its output pipe first, in the kernel's order of the two
 * closes ({@link dev.proctor.sandbox.JoinedRuns#firstEndedFirst()}): a side that ended because it read
 * the other's EOF is always second, however close the two ends are (Kattis: the first to end decides).
 * SIGPIPE says it too: it comes only from writing to a pipe whose reader is gone, so a submission
 * killed by it ended after the interactor, and an interactor killed by it after the submission.
 */
public final class InteractionRules {

    private static final String SIGPIPE = "SIGPIPE";

    private InteractionRules() {}

    /** A verdict, and for an internal error what went wrong (else null). */
    public record Decision(Verdict verdict, String reason) {}

    /**
     * @param own                  the submission run's own verdict ({@link VerdictRules#runVerdict}), null when it
     *                             ended normally (exit 0)
     * @param submission           the submission's run
     * @param submissionEndedFirst whether the submission's run ended before the interactor's, by the clock
     * @param interactor           the interactor's run
     */
    public static Decision decide(
            Verdict own,
            RunResult submission,
            boolean submissionEndedFirst,
            RunResult interactor,
            InteractorProtocol protocol) {
        if (own == Verdict.INTERNAL_ERROR) {
            return new Decision(Verdict.INTERNAL_ERROR, "the submission's run failed inside Proctor");
        }
        if (interactor.status() == RunStatus.INTERNAL_ERROR || interactor.status() == RunStatus.CANCELLED) {
            return new Decision(
                    Verdict.INTERNAL_ERROR,
                    "the interactor's run "
                            + (interactor.status() == RunStatus.CANCELLED ? "was cancelled" : "failed inside Proctor")
                            + (interactor.message() != null ? ": " + interactor.message() : ""));
        }
        boolean judgePiped = SIGPIPE.equals(interactor.signal());
        boolean submissionFirst = judgePiped || submissionEndedFirst && !SIGPIPE.equals(submission.signal());
        if (own != null && submissionFirst) {
            return new Decision(own, null);
        }
        if (judgePiped) {
            return new Decision(Verdict.WRONG_ANSWER, null);
        }
        Verdict judged = protocol.verdictOf(interactor);
        if (judged == Verdict.INTERNAL_ERROR) {
            return new Decision(Verdict.INTERNAL_ERROR, "the interactor " + describe(interactor, protocol));
        }
        if (judged == Verdict.ACCEPTED && own != null) {
            return new Decision(own, null);
        }
        return new Decision(judged, null);
    }

    private static String describe(RunResult r, InteractorProtocol protocol) {
        if (r.signal() != null) {
            return "was killed by " + r.signal();
        }
        if (r.status() != RunStatus.OK && r.status() != RunStatus.RUNTIME_ERROR) {
            return "ended by its own limit: " + r.status().wire();
        }
        if (protocol == InteractorProtocol.TESTLIB && r.exitCode() != null && r.exitCode() == 3) {
            return "reported a failure (testlib exit 3)";
        }
        return "exited with " + r.exitCode() + ", which the " + protocol.wire() + " protocol does not define";
    }
}
