package dev.proctor.grading;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.proctor.sandbox.RunStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerdictRulesTest {

    private static VerdictRules.Graded g(Verdict v) {
        return new VerdictRules.Graded(v, 1);
    }

    @Test
    void jobVerdictIsTheFirstFailingTestInOrder() {
        assertEquals(Verdict.ACCEPTED, VerdictRules.jobVerdict(List.of(g(Verdict.ACCEPTED), g(Verdict.ACCEPTED))));
        assertEquals(
                Verdict.TIME_LIMIT_EXCEEDED,
                VerdictRules.jobVerdict(
                        List.of(g(Verdict.ACCEPTED), g(Verdict.TIME_LIMIT_EXCEEDED), g(Verdict.WRONG_ANSWER))));
    }

    @Test
    void scoreIsPassedOverTotalOrWeights() {
        assertEquals(0.5, VerdictRules.score(List.of(g(Verdict.ACCEPTED), g(Verdict.WRONG_ANSWER)), 2));
        assertEquals(0.25, VerdictRules.score(List.of(g(Verdict.ACCEPTED)), 4));
        assertEquals(
                0.75,
                VerdictRules.score(
                        List.of(
                                new VerdictRules.Graded(Verdict.ACCEPTED, 3),
                                new VerdictRules.Graded(Verdict.WRONG_ANSWER, 1)),
                        4));
    }

    @Test
    void runStatusMapsToVerdictNames() {
        assertEquals(null, Verdict.ofRun(RunStatus.OK));
        assertEquals(
                "memory_limit_exceeded",
                Verdict.ofRun(RunStatus.MEMORY_LIMIT_EXCEEDED).wire());
        assertEquals(
                "wall_time_limit_exceeded",
                Verdict.ofRun(RunStatus.WALL_TIME_LIMIT_EXCEEDED).wire());
        assertEquals("runtime_error", Verdict.ofRun(RunStatus.RUNTIME_ERROR).wire());
        assertEquals("internal_error", Verdict.ofRun(RunStatus.INTERNAL_ERROR).wire());
    }
}
