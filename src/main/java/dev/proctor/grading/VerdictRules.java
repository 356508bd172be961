package dev.proctor.grading;

import dev.proctor.profiles.Profile;
import dev.proctor.sandbox.RunResult;
import java.util.List;

/** How a job's verdict and score derive from its tests. */
public final class VerdictRules {

    private VerdictRules() {}

    /** One graded test: its verdict and weight. */
    public record Graded(Verdict verdict, double weight) {}

    /**
     * The verdict of a test's run before the checker ({@code null}: it ended normally, the checker
     * decides). A runtime error (non-zero exit or a signal) whose output carries one of the profile's out-of-memory markers is a
     * memory limit: the runtime hit the heap it was sized to from the limit (a JVM with
     * {@code -XX:+ExitOnOutOfMemoryError}, V8's heap limit) before the cgroup's OOM killer would have.
     */
    public static Verdict runVerdict(Profile profile, RunResult r) {
        Verdict v = Verdict.ofRun(r.status());
        if (v == Verdict.RUNTIME_ERROR && profile.ranOutOfMemory(r.stdout(), r.stderr())) {
            return Verdict.MEMORY_LIMIT_EXCEEDED;
        }
        return v;
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
        double passed = run.stream()
                .filter(t -> t.verdict() == Verdict.ACCEPTED)
                .mapToDouble(Graded::weight)
                .sum();
        return passed / totalWeight;
    }
}
