package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which of two joined runs ended first: the order of their output pipes' closes, else their end stamps. */
class JoinedEndsTest {

    static final int FIRST = 1;
    static final int SECOND = 2;

    @Test
    void theCloseOrderDecidesWhateverTheStampsSay() {
        // the first closed its output first although pid 1 stamped its end later (it was scheduled late)
        assertTrue(JoinedEnds.firstEndedFirst(List.of(FIRST, SECOND), FIRST, SECOND, 2_000, 1_000));
        assertFalse(JoinedEnds.firstEndedFirst(List.of(SECOND, FIRST), FIRST, SECOND, 1_000, 2_000));
    }

    @Test
    void otherWatchesBetweenTheClosesDoNotMatter() {
        assertFalse(JoinedEnds.firstEndedFirst(List.of(7, SECOND, 7, FIRST), FIRST, SECOND, 1, 2));
    }

    @Test
    void withoutBothClosesTheStampsDecideATieGoingToTheFirst() {
        assertTrue(JoinedEnds.firstEndedFirst(List.of(SECOND), FIRST, SECOND, 1_000, 2_000));
        assertFalse(JoinedEnds.firstEndedFirst(null, FIRST, SECOND, 2_000, 1_000));
        assertTrue(JoinedEnds.firstEndedFirst(null, FIRST, SECOND, 1_000, 1_000));
    }

    @Test
    void aRunThatNeverEndedIsNotFirst() {
        assertFalse(JoinedEnds.firstEndedFirst(List.of(), FIRST, SECOND, 0, 1_000));
        assertFalse(JoinedEnds.firstEndedFirst(List.of(), FIRST, SECOND, 1_000, 0));
    }
}
