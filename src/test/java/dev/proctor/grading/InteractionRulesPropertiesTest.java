package dev.proctor.grading;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.accounting.Usage;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The verdict of an interactive test over every combination of how the submission's run ended
 * (exit code, signal, each limit, internal error, cancelled), how the interactor's ended (the same,
 * with every exit code either protocol defines and others), which ended first, and the protocol.
 * The properties are the rules as a judge states them, not the code's order of checks.
 */
class InteractionRulesPropertiesTest {

    private static final List<String> SIGNALS = List.of("SIGPIPE", "SIGSEGV", "SIGKILL", "SIGABRT", "SIGFPE");
    private static final List<RunStatus> LIMITS = List.of(
            RunStatus.TIME_LIMIT_EXCEEDED,
            RunStatus.WALL_TIME_LIMIT_EXCEEDED,
            RunStatus.MEMORY_LIMIT_EXCEEDED,
            RunStatus.OUTPUT_LIMIT_EXCEEDED);

    static RunResult run(RunStatus status, Integer exit, String signal) {
        return new RunResult(status, exit, signal, Usage.NONE, null, null, List.of(), null);
    }

    static RunResult exited(int code) {
        return run(code == 0 ? RunStatus.OK : RunStatus.RUNTIME_ERROR, code, null);
    }

    /** Every way a run ends, as the engine reports it. */
    @Provide
    Arbitrary<RunResult> runs() {
        Arbitrary<RunResult> exits = Arbitraries.oneOf(
                        Arbitraries.of(0, 1, 2, 3, 4, 42, 43, 127),
                        Arbitraries.integers().between(0, 255))
                .map(InteractionRulesPropertiesTest::exited);
        Arbitrary<RunResult> signals = Arbitraries.of(SIGNALS).map(s -> run(RunStatus.RUNTIME_ERROR, null, s));
        Arbitrary<RunResult> limits = Arbitraries.of(LIMITS).map(s -> run(s, null, "SIGKILL"));
        Arbitrary<RunResult> ours =
                Arbitraries.of(RunStatus.INTERNAL_ERROR, RunStatus.CANCELLED).map(s -> run(s, null, null));
        return Arbitraries.frequencyOf(
                List.of(Tuple.of(5, exits), Tuple.of(3, signals), Tuple.of(2, limits), Tuple.of(1, ours)));
    }

    /** The submission's own verdict as the grader computes it; a runtime error may read as memory (OOM markers). */
    private static Verdict own(RunResult submission, boolean oomMarker) {
        Verdict v = Verdict.ofRun(submission.status());
        return v == Verdict.RUNTIME_ERROR && oomMarker ? Verdict.MEMORY_LIMIT_EXCEEDED : v;
    }

    private static boolean ours(RunResult r) {
        return r.status() == RunStatus.INTERNAL_ERROR || r.status() == RunStatus.CANCELLED;
    }

    private static boolean exitedWith(RunResult r, int code) {
        return r.signal() == null
                && r.exitCode() != null
                && r.exitCode() == code
                && !ours(r)
                && (r.status() == RunStatus.OK || r.status() == RunStatus.RUNTIME_ERROR);
    }

    private static int acceptCode(InteractorProtocol p) {
        return p == InteractorProtocol.KATTIS ? 42 : 0;
    }

    @Property(tries = 3000)
    void theVerdictFollowsTheRules(
            @ForAll("runs") RunResult submission,
            @ForAll boolean oomMarker,
            @ForAll boolean submissionEndedFirst,
            @ForAll("runs") RunResult interactor,
            @ForAll InteractorProtocol protocol) {
        Verdict own = own(submission, oomMarker);
        InteractionRules.Decision d =
                InteractionRules.decide(own, submission, submissionEndedFirst, interactor, protocol);
        Verdict v = d.verdict();

        // accepted only for a submission that exited 0 and an interactor that said so with its code
        if (v == Verdict.ACCEPTED) {
            assertEquals(RunStatus.OK, submission.status());
            assertTrue(exitedWith(interactor, acceptCode(protocol)), () -> "accepted with interactor " + interactor);
        }
        // Proctor's own failure on either side is never anything else
        if (ours(submission) || ours(interactor)) {
            assertEquals(Verdict.INTERNAL_ERROR, v);
        }
        // a submission that failed first keeps its own verdict, whatever the interactor did next
        boolean failedFirst = own != null
                && !"SIGPIPE".equals(submission.signal())
                && (submissionEndedFirst || "SIGPIPE".equals(interactor.signal()));
        if (failedFirst && !ours(submission) && !ours(interactor)) {
            assertEquals(own, v);
        }
        // an interactor that crashed, was killed or broke its protocol is a judge error unless the
        // submission's failure came first (SIGPIPE: the submission left, see below)
        boolean defined = protocol == InteractorProtocol.KATTIS
                ? exitedWith(interactor, 42) || exitedWith(interactor, 43)
                : exitedWith(interactor, 0) || exitedWith(interactor, 1) || exitedWith(interactor, 2);
        if (!defined && !failedFirst && !"SIGPIPE".equals(interactor.signal())) {
            assertEquals(Verdict.INTERNAL_ERROR, v, () -> "interactor " + interactor);
        }
        // the interactor wrote to a submission that had left: never accepted, and no judge error
        if ("SIGPIPE".equals(interactor.signal()) && !ours(submission)) {
            assertEquals(own != null ? own : Verdict.WRONG_ANSWER, v);
        }
        // the verdict is the submission's own or one an interactor can give
        assertTrue(Set.of(Verdict.ACCEPTED, Verdict.WRONG_ANSWER, Verdict.PRESENTATION_ERROR, Verdict.INTERNAL_ERROR)
                        .contains(v)
                || v == own);
        if (protocol == InteractorProtocol.KATTIS) {
            assertNotEquals(Verdict.PRESENTATION_ERROR, v);
        }
        // an internal error always says why; no other verdict does
        assertEquals(v == Verdict.INTERNAL_ERROR, d.reason() != null, () -> v + " with reason " + d.reason());
    }

    private static Verdict decide(RunResult sub, boolean subFirst, RunResult judge, InteractorProtocol p) {
        return InteractionRules.decide(own(sub, false), sub, subFirst, judge, p).verdict();
    }

    @Example
    void kattisExamples() {
        InteractorProtocol k = InteractorProtocol.KATTIS;
        RunResult ok = exited(0);
        assertEquals(Verdict.ACCEPTED, decide(ok, true, exited(42), k));
        assertEquals(Verdict.WRONG_ANSWER, decide(ok, false, exited(43), k));
        assertEquals(Verdict.INTERNAL_ERROR, decide(ok, true, exited(0), k));
        assertEquals(Verdict.INTERNAL_ERROR, decide(ok, true, run(RunStatus.RUNTIME_ERROR, null, "SIGSEGV"), k));
        assertEquals(Verdict.INTERNAL_ERROR, decide(ok, true, run(RunStatus.TIME_LIMIT_EXCEEDED, null, "SIGKILL"), k));
        RunResult tle = run(RunStatus.TIME_LIMIT_EXCEEDED, null, "SIGKILL");
        assertEquals(Verdict.TIME_LIMIT_EXCEEDED, decide(tle, true, exited(43), k));
        assertEquals(Verdict.TIME_LIMIT_EXCEEDED, decide(tle, true, run(RunStatus.RUNTIME_ERROR, null, "SIGSEGV"), k));
        // the interactor said wrong answer first; the submission went on and was killed
        assertEquals(Verdict.WRONG_ANSWER, decide(tle, false, exited(43), k));
        // the interactor accepted first, the submission then crossed a limit: never accepted
        assertEquals(Verdict.TIME_LIMIT_EXCEEDED, decide(tle, false, exited(42), k));
        // SIGPIPE on the submission: the interactor had ended, whatever the clock says
        assertEquals(Verdict.WRONG_ANSWER, decide(run(RunStatus.RUNTIME_ERROR, null, "SIGPIPE"), true, exited(43), k));
        // SIGPIPE on the interactor: the submission had left
        RunResult judgePiped = run(RunStatus.RUNTIME_ERROR, null, "SIGPIPE");
        assertEquals(Verdict.WRONG_ANSWER, decide(ok, false, judgePiped, k));
        assertEquals(
                Verdict.RUNTIME_ERROR, decide(run(RunStatus.RUNTIME_ERROR, null, "SIGSEGV"), false, judgePiped, k));
    }

    @Example
    void testlibExamples() {
        InteractorProtocol t = InteractorProtocol.TESTLIB;
        RunResult ok = exited(0);
        assertEquals(Verdict.ACCEPTED, decide(ok, true, exited(0), t));
        assertEquals(Verdict.WRONG_ANSWER, decide(ok, true, exited(1), t));
        assertEquals(Verdict.PRESENTATION_ERROR, decide(ok, true, exited(2), t));
        assertEquals(Verdict.INTERNAL_ERROR, decide(ok, true, exited(3), t));
        assertEquals(Verdict.INTERNAL_ERROR, decide(ok, true, exited(42), t));
        assertEquals(Verdict.RUNTIME_ERROR, decide(exited(1), true, exited(1), t));
        assertEquals(Verdict.RUNTIME_ERROR, decide(exited(1), false, exited(0), t));
        assertEquals(Verdict.WRONG_ANSWER, decide(exited(1), false, exited(1), t));
        assertEquals(Verdict.INTERNAL_ERROR, decide(ok, true, run(RunStatus.INTERNAL_ERROR, null, null), t));
    }
}
