package dev.proctor.grading;

import java.util.List;

/**
 * What grading a job produced.
 *
 * @param result what is stored in {@code jobs.result}: compile, tests, totals, node
 * @param runs   one record per sandbox run, for the {@code runs} table
 * @param error  when Proctor itself failed: what failed
 */
public record GradeResult(Verdict verdict, double score, JobResult result, List<RunRecord> runs, String error) {

    /** Proctor failed before any test ran. */
    public static GradeResult failed(String error) {
        return new GradeResult(Verdict.INTERNAL_ERROR, 0, JobResult.empty(null), List.of(), error);
    }

    public GradeResult withNode(String node) {
        return new GradeResult(verdict, score, result.withNode(node), runs, error);
    }
}
