package dev.proctor.grading;

import com.fasterxml.jackson.databind.JsonNode;
import dev.proctor.profiles.LimitSet;
import java.util.List;

/**
 * A validated job, as stored in {@code jobs.request}: files decoded, every limit resolved and capped.
 */
public record JobSpec(
        String profile,
        List<SpecFile> files,
        List<SpecTest> tests,
        LimitSet compileLimits,
        Checker checker,
        boolean stopOnFirstFailure,
        String callbackUrl,
        JsonNode metadata,
        List<String> args,
        Interactor interactor,
        ProblemRef problem) {

    /** Specs stored before {@code args} existed read as no arguments; {@code interactor} is null for most jobs. */
    public JobSpec {
        args = args == null ? List.of() : List.copyOf(args);
    }

    /**
     * A stored problem version the job is graded against (its tests, validators and groups), with the time
     * limit resolved at submission: the package's, times the profile's multiplier.
     */
    public record ProblemRef(java.util.UUID id, int version, long timeLimitMs) {}

    public JobSpec withProblem(ProblemRef ref) {
        return new JobSpec(
                profile,
                files,
                List.of(),
                compileLimits,
                checker,
                stopOnFirstFailure,
                callbackUrl,
                metadata,
                args,
                interactor,
                ref);
    }

    /** A file to place in the job's work directory. */
    public record SpecFile(String path, byte[] content) {}

    /** A test with its resolved limits. */
    public record SpecTest(String name, byte[] stdin, byte[] expectedOutput, LimitSet limits, double weight) {}

    /** The resolved checker; {@code files} and {@code profile} only for type program. */
    public record Checker(
            CheckerType type,
            double absError,
            double relError,
            String profile,
            List<SpecFile> files,
            LimitSet limits) {}

    /**
     * The interactor of an interactive job, its limits resolved; each test's stdin is its input file and
     * its expected output (or null) the answer file. {@code maximum}: the most its limits may be raised to
     * (its profile's run maximum, the server's and the client's quota when the job was accepted); null in
     * jobs stored before it was kept, which then get the profile's run maximum.
     */
    public record Interactor(
            InteractorProtocol protocol, String profile, List<SpecFile> files, LimitSet limits, LimitSet maximum) {}

    public boolean weighted() {
        return tests.stream().anyMatch(t -> t.weight() != 1.0);
    }
}
