package dev.proctor.grading;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/**
 * The wall limits of an interactive test's two runs ({@link Interaction#walls}): the interactor outlasts the
 * submission, and never goes over its server-side maximum, whatever the submission asked for.
 */
class InteractionWallsPropertiesTest {

    static final long MARGIN = Interaction.JUDGE_WALL_MARGIN.toMillis();

    @Property
    void theInteractorNeverExceedsItsMaximumAndStillOutlastsTheSubmission(
            @ForAll @LongRange(min = 1, max = 3_600_000) long submission,
            @ForAll @LongRange(min = 1, max = 3_600_000) long interactor,
            @ForAll @LongRange(min = 1, max = 3_600_000) long maximum) {
        long judge = Math.min(interactor, maximum); // the request was held to the maximum already
        Interaction.Walls w = Interaction.walls(submission, judge, maximum);
        assertTrue(w.interactorMs() <= maximum, () -> w + " over " + maximum);
        assertTrue(w.interactorMs() >= judge, () -> w + " below the interactor's own " + judge);
        assertTrue(w.submissionMs() >= 1 && w.submissionMs() <= submission, w::toString);
        if (maximum >= 2) {
            assertTrue(w.interactorMs() - w.submissionMs() >= Math.min(MARGIN, maximum / 2), w::toString);
        }
        if (submission + MARGIN <= maximum) {
            assertEquals(submission, w.submissionMs(), "lowered although both fit");
            assertEquals(Math.max(judge, submission + MARGIN), w.interactorMs());
        }
    }

    @Example
    void atTheMaximumTheSubmissionGivesWayByTheMargin() {
        assertEquals(new Interaction.Walls(58_000, 60_000), Interaction.walls(60_000, 3_000, 60_000));
        assertEquals(new Interaction.Walls(5_000, 7_000), Interaction.walls(5_000, 3_000, 60_000));
        assertEquals(new Interaction.Walls(1_000, 2_000), Interaction.walls(30_000, 1_000, 2_000));
    }
}
