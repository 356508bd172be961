package dev.proctor.grading;

import java.util.List;

/** How a job's verdict and score derive from its tests. */
public final class VerdictRules {

    private VerdictRules() {
    }

    /** One graded test: its verdict and weight. */
    public record Graded(Verdict verdict, double weight) {
    }

    /** The first non-accepted test's verdict, in test order; accepted when all pass. */
    public static Verdict jobVerdict(List<Graded> tests) {
        for (Graded t : tests) {
            if (t.verdict() != Verdict.ACCEPTED) {
                return t.verdict();
            }
        }
        return tests.isEmpty() ? Verdict.INTERNAL_ERROR : Verdict.ACCEPTED;
    }

    /**
     * Share of the total weight of the tests that passed (weights default to 1: passed / total).
     * Tests never run (stop_on_first_failure) count as failed: {@code total} is every test of the job.
     */
    public static double score(List<Graded> run, double totalWeight) {
        if (totalWeight <= 0) {
            return 0;
        }
        double passed = run.stream().filter(t -> t.verdict() == Verdict.ACCEPTED).mapToDouble(Graded::weight).sum();
        return passed / totalWeight;
    }
}
