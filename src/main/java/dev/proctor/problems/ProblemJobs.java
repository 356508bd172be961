package dev.proctor.problems;

import dev.proctor.grading.GradeResult;
import dev.proctor.grading.JobResult;
import dev.proctor.grading.JobSpec;
import dev.proctor.grading.OutputCaps;
import dev.proctor.grading.RunRecord;
import dev.proctor.grading.Verdict;
import dev.proctor.profiles.Profile;
import dev.proctor.profiles.ProfileRegistry;
import dev.proctor.sandbox.Cancellation;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A job against a stored problem, graded on this node: the version's files come from the node's cache
 * (filled from PostgreSQL, leased for the job), the job's sources are built, the package's output validator
 * too, and {@link ProblemGrader} runs the tests. The result has one outcome per test (named by its path below
 * {@code data/}, the validator's messages as its {@code message}) and the problem's score.
 */
@ApplicationScoped
public class ProblemJobs {

    @Inject
    ProblemStore store;

    @Inject
    ProblemService service;

    @Inject
    PackagePrograms programs;

    @Inject
    ProfileRegistry profiles;

    @Inject
    ProblemsConfig config;

    @Inject
    OutputCaps caps;

    /**
     * Resolves {@code ref} (an id or the caller's name) and {@code version} for a submission in {@code profile}:
     * the version to grade against and its time limit (the package's, or the configured default, times the
     * profile's multiplier). Refusals name the field {@code problem} / {@code version}.
     */
    public JobSpec.ProblemRef resolve(dev.proctor.auth.Caller caller, String ref, Integer version, String profile) {
        if (version != null && version < 1) {
            throw dev.proctor.core.Rejection.invalid("version", "version must be a positive integer");
        }
        ProblemStore.StoredVersion v;
        try {
            v = service.version(caller, ref, version);
        } catch (dev.proctor.core.Rejection e) {
            if (e.reason() != dev.proctor.core.Rejection.Reason.NOT_FOUND) {
                throw e;
            }
            throw dev.proctor.core.Rejection.unprocessable(version == null ? "problem" : "version", e.getMessage());
        }
        ProblemPackage pkg = v.pkg();
        Duration base = v.timeLimit().orElse(config.defaultTimeLimit());
        double factor = config.timeMultiplier(profile);
        return new JobSpec.ProblemRef(
                v.row().problemId(), v.row().version(), (long) Math.ceil(base.toMillis() * factor));
    }

    public GradeResult grade(JobSpec spec, Cancellation cancel) {
        JobSpec.ProblemRef ref = spec.problem();
        Optional<ProblemStore.StoredVersion> stored = store.version(ref.id(), ref.version());
        if (stored.isEmpty()) {
            return GradeResult.failed("problem " + ref.id() + " version " + ref.version() + " no longer exists");
        }
        Profile profile = profiles.find(spec.profile()).orElse(null);
        if (profile == null) {
            return GradeResult.failed("profile " + spec.profile() + " is no longer configured");
        }
        ProblemPackage pkg = stored.get().pkg();
        TestFileCache cache = service.cache();
        Map<String, TestFileCache.Lease> leases = new HashMap<>();
        try (PackagePrograms.Built submission = programs.buildSources(profile, spec.files(), spec.compileLimits())) {
            JobResult.CompileStep compile = compile(submission.compile());
            List<RunRecord> runs = new ArrayList<>();
            if (submission.compile() != null) {
                runs.add(record(RunRecord.Kind.COMPILE, 0, null, submission.compile(), null));
            }
            if (!submission.ok()) {
                RunResult c = submission.compile();
                Verdict v = c.status() == RunStatus.INTERNAL_ERROR ? Verdict.INTERNAL_ERROR : Verdict.COMPILE_ERROR;
                return new GradeResult(
                        v,
                        0,
                        new JobResult(compile, List.of(), null, null),
                        runs,
                        v == Verdict.INTERNAL_ERROR ? "compile step: " + c.message() : null);
            }
            java.util.function.Function<PackageFile, Path> locate =
                    f -> leases.computeIfAbsent(f.sha256(), d -> cache.get(d, f.size()))
                            .path();
            PackagePrograms.Built validator = null;
            if (pkg.outputValidator() != null) {
                Optional<PackagePrograms.Built> v =
                        programs.build(pkg.outputValidator(), pkg.filesUnder(pkg.outputValidator()), locate, null);
                v.map(PackagePrograms.Built::compile)
                        .ifPresent(c -> runs.add(record(
                                RunRecord.Kind.CHECKER,
                                -1,
                                "compile",
                                c,
                                c.status() == RunStatus.OK ? null : Verdict.INTERNAL_ERROR)));
                if (v.isEmpty() || !v.get().ok()) {
                    v.ifPresent(PackagePrograms.Built::close);
                    return GradeResult.failed("the problem's output validator cannot be built here");
                }
                validator = v.get();
            }
            try {
                ProblemGrader.Result r = new ProblemGrader(programs)
                        .grade(
                                pkg,
                                locate,
                                submission,
                                validator,
                                new ProblemGrader.Settings(
                                        Duration.ofMillis(ref.timeLimitMs()),
                                        !pkg.scoring() && config.stopAtFirstFailure(),
                                        caps.capturedBytes()),
                                cancel);
                runs.addAll(r.runs());
                return result(r, compile, pkg, runs);
            } finally {
                if (validator != null) {
                    validator.close();
                }
            }
        } catch (RuntimeException e) {
            return GradeResult.failed("grading against problem " + ref.id() + " failed: " + e.getMessage());
        } finally {
            leases.values().forEach(TestFileCache.Lease::close);
        }
    }

    private static JobResult.CompileStep compile(RunResult c) {
        if (c == null) {
            return null;
        }
        byte[] out = new byte[c.stdout().length + c.stderr().length];
        System.arraycopy(c.stdout(), 0, out, 0, c.stdout().length);
        System.arraycopy(c.stderr(), 0, out, c.stdout().length, c.stderr().length);
        return new JobResult.CompileStep(
                c.status(),
                c.exitCode(),
                out.length > 16384 ? java.util.Arrays.copyOf(out, 16384) : out,
                JobResult.StepUsage.of(c.usage()));
    }

    private static RunRecord record(RunRecord.Kind kind, int seq, String name, RunResult r, Verdict v) {
        return RunRecord.of(kind, seq, name, r, v);
    }

    private GradeResult result(
            ProblemGrader.Result r, JobResult.CompileStep compile, ProblemPackage pkg, List<RunRecord> runs) {
        List<JobResult.TestOutcome> tests = new ArrayList<>();
        long cpu = 0;
        long wall = 0;
        long mem = 0;
        for (ProblemGrader.TestResult t : r.tests()) {
            String message = t.judgeMessage() == null
                    ? t.teamMessage()
                    : t.teamMessage() == null ? t.judgeMessage() : t.judgeMessage() + "\n" + t.teamMessage();
            tests.add(new JobResult.TestOutcome(
                    t.name(),
                    t.verdict(),
                    t.status(),
                    t.exitCode(),
                    t.signal(),
                    t.stdout(),
                    t.stderr(),
                    t.cpuTimeMs(),
                    t.wallTimeMs(),
                    t.memoryPeakBytes(),
                    t.usage().pidsPeak(),
                    t.usage().oomKills(),
                    t.usage().stdoutBytes(),
                    t.usage().stderrBytes(),
                    1.0,
                    message,
                    t.interactor()));
            cpu += t.cpuTimeMs();
            wall += t.wallTimeMs();
            mem = Math.max(mem, t.memoryPeakBytes());
        }
        Verdict v = r.verdict() == null ? Verdict.INTERNAL_ERROR : r.verdict();
        double score = pkg.scoring() ? r.score() : (v == Verdict.ACCEPTED ? 1 : 0);
        String error = v == Verdict.INTERNAL_ERROR ? "a run or the output validator failed inside Proctor" : null;
        return new GradeResult(
                v,
                score,
                new JobResult(
                        compile,
                        tests,
                        new JobResult.Totals(cpu, wall, mem, tests.size()),
                        null,
                        r.groups().stream()
                                .map(g -> new JobResult.GroupOutcome(g.name(), g.verdict(), g.score(), g.maxScore()))
                                .toList()),
                runs,
                error);
    }
}
