package dev.proctor.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.proctor.grading.CheckerType;
import dev.proctor.grading.InteractorProtocol;
import dev.proctor.grading.JobSpec;
import dev.proctor.profiles.LimitSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Which jobs a waiting request may run on its own thread: those whose limits bound their runs' wall time (each
 * run's wall-time limit plus an allowance), never one whose runs the request does not list.
 */
class RunHereBoundTest {

    private static LimitSet wall(Long ms) {
        return new LimitSet(1000L, ms, 256L, 16, 1024L, 64L);
    }

    private static JobSpec.SpecTest test(Long wallMs) {
        return new JobSpec.SpecTest("t", new byte[0], null, wall(wallMs), 1.0);
    }

    private static JobSpec spec(
            LimitSet compile, JobSpec.Checker checker, List<JobSpec.SpecTest> tests, JobSpec.Interactor interactor) {
        return new JobSpec(
                "python3", List.of(), tests, compile, checker, false, null, null, List.of(), interactor, null);
    }

    private static final JobSpec.Checker EXACT = new JobSpec.Checker(CheckerType.EXACT, 0, 0, null, List.of(), null);

    @Test
    void eachRunsWallLimitPlusItsAllowanceSummed() {
        long a = JobService.RUN_ALLOWANCE_MS;
        assertEquals(
                2000 + a + 3000 + a,
                JobService.runHereBoundMs(spec(null, EXACT, List.of(test(2000L), test(3000L)), null)));
        assertEquals(
                10_000 + a + 2000 + a,
                JobService.runHereBoundMs(spec(wall(10_000L), EXACT, List.of(test(2000L)), null)));
    }

    @Test
    void unboundedWhenTheRequestDoesNotListItsRunsOrALimitIsMissing() {
        assertEquals(-1, JobService.runHereBoundMs(spec(null, EXACT, List.of(test(null)), null)));
        assertEquals(-1, JobService.runHereBoundMs(spec(wall(null), EXACT, List.of(test(1000L)), null)));
        JobSpec.Checker program = new JobSpec.Checker(CheckerType.PROGRAM, 0, 0, "cpp", List.of(), wall(1000L));
        assertEquals(-1, JobService.runHereBoundMs(spec(null, program, List.of(test(1000L)), null)));
        JobSpec.Interactor interactor =
                new JobSpec.Interactor(InteractorProtocol.values()[0], "python3", List.of(), wall(1000L), null);
        assertEquals(-1, JobService.runHereBoundMs(spec(null, null, List.of(test(1000L)), interactor)));
        JobSpec problem =
                spec(null, EXACT, List.of(), null).withProblem(new JobSpec.ProblemRef(UUID.randomUUID(), 1, 1000));
        assertEquals(-1, JobService.runHereBoundMs(problem));
    }
}
