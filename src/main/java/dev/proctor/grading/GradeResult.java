package dev.proctor.grading;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * What grading a job produced.
 *
 * @param result the {@code jobs.result} JSON: compile, tests, usage
 * @param runs   one record per sandbox run, for the {@code runs} table
 * @param error  when Proctor itself failed: what failed
 */
public record GradeResult(Verdict verdict, double score, ObjectNode result, List<RunRecord> runs, String error) {}
