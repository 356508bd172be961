package dev.proctor.problems;

import dev.proctor.grading.Verdict;
import dev.proctor.sandbox.Cancellation;
import io.quarkus.logging.Log;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * The time limit of a package that writes none, derived as the format says: every accepted submission in a
 * language Proctor has is graded (at {@link #MEASURING_LIMIT}), and the slowest one's CPU time on its slowest
 * test × {@code ac_to_time_limit}, rounded up to {@code time_resolution} ({@link ProblemLimits#derive}), is
 * the limit. The service does this at upload, {@code ./proctor problem verify} while it grades.
 */
public final class AcceptedTimeLimit {

    /** The CPU time accepted submissions get while the limit is being derived from them. */
    public static final Duration MEASURING_LIMIT = Duration.ofSeconds(10);

    /** A derived limit, the slowest accepted run it came from, and how many submissions were measured. */
    public record Derived(Duration timeLimit, long slowestAcceptedMs, int submissions) {}

    private AcceptedTimeLimit() {}

    /**
     * Grades the accepted submissions and derives the limit; empty when the package writes its own limit,
     * has no accepted submission Proctor can run, or its output validator cannot be built here. An accepted
     * submission that does not compile or is not accepted at the measuring limit is left out (and logged).
     */
    public static Optional<Derived> derive(
            ProblemPackage pkg, Function<PackageFile, Path> locate, PackagePrograms programs) {
        if (pkg.limits().timeLimit().isPresent()) {
            return Optional.empty();
        }
        var accepted = pkg.submissions().stream()
                .filter(s -> s.category().equals("accepted"))
                .filter(s -> programs.language(s.files(), locate).profile().isPresent())
                .toList();
        if (accepted.isEmpty()) {
            return Optional.empty();
        }
        PackagePrograms.Built validator = null;
        if (pkg.outputValidator() != null) {
            Optional<PackagePrograms.Built> v =
                    programs.build(pkg.outputValidator(), pkg.filesUnder(pkg.outputValidator()), locate, null);
            if (v.isEmpty() || !v.get().ok()) {
                v.ifPresent(PackagePrograms.Built::close);
                return Optional.empty();
            }
            validator = v.get();
        }
        try {
            long slowest = -1;
            int measured = 0;
            ProblemGrader grader = new ProblemGrader(programs);
            for (PackageSubmission s : accepted) {
                try (PackagePrograms.Built b =
                        programs.build(s.path(), s.files(), locate, null).orElseThrow()) {
                    if (!b.ok()) {
                        Log.warnf("problem %s: accepted submission %s does not compile", pkg.name(), s.path());
                        continue;
                    }
                    ProblemGrader.Result r = grader.grade(
                            pkg,
                            locate,
                            b,
                            validator,
                            new ProblemGrader.Settings(MEASURING_LIMIT, !pkg.scoring()),
                            Cancellation.none());
                    if (r.verdict() != Verdict.ACCEPTED) {
                        Log.warnf(
                                "problem %s: accepted submission %s got %s",
                                pkg.name(), s.path(), r.verdict() == null ? "no verdict" : r.verdict());
                        continue;
                    }
                    slowest = Math.max(slowest, r.maxCpuTimeMs());
                    measured++;
                }
            }
            if (measured == 0) {
                return Optional.empty();
            }
            return Optional.of(new Derived(pkg.limits().derive(Duration.ofMillis(slowest)), slowest, measured));
        } finally {
            if (validator != null) {
                validator.close();
            }
        }
    }
}
