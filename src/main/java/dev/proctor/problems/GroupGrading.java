package dev.proctor.problems;

import java.util.List;
import java.util.Set;

/**
 * How a test group is graded ({@code testdata.yaml}, inherited from the nearest ancestor that has one, key by
 * key): the aggregation of its children's scores, the score of an accepted / rejected test, what a rejection
 * does, the verdict aggregation flags, and extra flags for the validators.
 */
public record GroupGrading(
        Aggregation aggregation,
        double acceptScore,
        double rejectScore,
        OnReject onReject,
        Set<String> graderFlags,
        List<String> inputValidatorFlags,
        List<String> outputValidatorFlags,
        Double maxScore) {

    /** How children's scores combine. */
    public enum Aggregation {
        SUM,
        MIN,
        MAX,
        AVG
    }

    /** Whether a rejected test ends its group ({@code first_error}) or grading goes on ({@code grade}). */
    public enum OnReject {
        FIRST_ERROR,
        GRADE
    }

    public static GroupGrading defaults() {
        return new GroupGrading(Aggregation.SUM, 1, 0, OnReject.FIRST_ERROR, Set.of(), List.of(), List.of(), null);
    }
}
