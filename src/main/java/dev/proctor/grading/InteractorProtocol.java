package dev.proctor.grading;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunStatus;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How an interactor is invoked and how its exit reads as a verdict. In both, the interactor's stdin
 * is the submission's stdout and its stdout the submission's stdin.
 */
public enum InteractorProtocol {
    /**
     * The Kattis / ICPC problem package format's output validator run as an interactor:
     * {@code interactor input_file judge_answer feedback_dir/}; exit 42 accepted, 43 wrong answer,
     * anything else a judge error. It may write {@code judgemessage.txt} and {@code teammessage.txt}
     * into the feedback directory.
     */
    KATTIS,
    /**
     * A testlib-style interactor: {@code interactor input.txt output.txt [answer.txt]}, output.txt
     * being its own result file; exit 0 ok, 1 wrong answer, 2 presentation error, 3 (fail) or
     * anything else a judge error.
     */
    TESTLIB;

    /** Kattis output validators' exit codes. */
    public static final int KATTIS_ACCEPTED = 42;

    public static final int KATTIS_WRONG_ANSWER = 43;

    /** The files of one test in the interactor's work directory. */
    static final String KATTIS_INPUT = "input";

    static final String KATTIS_ANSWER = "judge_answer";
    static final String KATTIS_FEEDBACK = "feedback";
    static final List<String> KATTIS_FEEDBACK_FILES = List.of("judgemessage.txt", "teammessage.txt");
    static final String TESTLIB_INPUT = "input.txt";
    static final String TESTLIB_OUTPUT = "output.txt";
    static final String TESTLIB_ANSWER = "answer.txt";

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static InteractorProtocol fromWire(String wire) {
        return parse(wire).orElseThrow(() -> new IllegalArgumentException("not an interactor protocol: " + wire));
    }

    public static Optional<InteractorProtocol> parse(String wire) {
        return Arrays.stream(values()).filter(t -> t.wire().equals(wire)).findFirst();
    }

    /** The wire names, for messages. */
    public static String names() {
        return Arrays.stream(values()).map(InteractorProtocol::wire).toList().toString();
    }

    /**
     * What the interactor's run says of the submission: accepted, wrong answer or presentation
     * error, or internal error when it did not exit with a code of the protocol (crashed, killed,
     * crossed a limit, failed inside Proctor, reported its own failure).
     */
    public Verdict verdictOf(RunResult interactor) {
        Integer exit = interactor.exitCode();
        boolean exited = exit != null
                && interactor.signal() == null
                && (interactor.status() == RunStatus.OK || interactor.status() == RunStatus.RUNTIME_ERROR);
        if (!exited) {
            return Verdict.INTERNAL_ERROR;
        }
        return switch (this) {
            case KATTIS ->
                exit == KATTIS_ACCEPTED
                        ? Verdict.ACCEPTED
                        : exit == KATTIS_WRONG_ANSWER ? Verdict.WRONG_ANSWER : Verdict.INTERNAL_ERROR;
            case TESTLIB -> Checkers.ofCheckerExit(exit);
        };
    }
}
