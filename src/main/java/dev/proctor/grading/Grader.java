package dev.proctor.grading;

import dev.proctor.config.SandboxConfig;
import dev.proctor.profiles.LimitSet;
import dev.proctor.profiles.Profile;
import dev.proctor.profiles.ProfileRegistry;
import dev.proctor.sandbox.Cancellation;
import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.SandboxEngine;
import dev.proctor.sandbox.Stdin;
import dev.proctor.sandbox.Workdir;
import dev.proctor.sandbox.accounting.Usage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Grades one job: optional compile step, then each test in a fresh run with the compiled files (as the
 * compile step left them: a copy-on-write view, the last test the directory itself), each output judged by
 * the checker. One work directory per job (and one for a program checker, so the
 * job's program cannot touch the checker), closed at the end.
 */
@ApplicationScoped
public class Grader {

    /** Files of a program checker's run: testlib order is input, output, answer. */
    static final String CHECK_INPUT = "input.txt";

    static final String CHECK_OUTPUT = "output.txt";
    static final String CHECK_ANSWER = "answer.txt";

    @Inject
    SandboxEngine engine;

    @Inject
    ProfileRegistry profiles;

    @Inject
    OutputCaps caps;

    @Inject
    SandboxConfig sandboxConfig;

    public GradeResult grade(JobSpec spec, Cancellation cancel) {
        Profile profile = profiles.find(spec.profile()).orElse(null);
        if (profile == null) {
            return GradeResult.failed("profile " + spec.profile() + " is no longer configured");
        }
        long diskMb =
                spec.tests().stream().mapToLong(t -> t.limits().diskMb()).max().orElse(64);
        if (spec.compileLimits() != null) {
            diskMb = Math.max(diskMb, spec.compileLimits().diskMb());
        }
        Grading grading = new Grading(spec, profile, cancel);
        try (Workdir wd = engine.createWorkdir(diskMb * Limits.MIB)) {
            for (JobSpec.SpecFile f : spec.files()) {
                wd.writeFile(f.path(), f.content(), false);
            }
            return grading.run(wd);
        } catch (RuntimeException e) {
            return GradeResult.failed("sandbox failed: " + e.getMessage());
        }
    }

    /** The state of grading one job: its runs so far and their totals. */
    private final class Grading {
        final JobSpec spec;
        final Profile profile;
        final Cancellation cancel;
        final List<RunRecord> runs = new ArrayList<>();
        final List<JobResult.TestOutcome> tests = new ArrayList<>();
        JobResult.CompileStep compile;
        long cpuMicros;
        long wallMicros;
        long memoryPeak;

        Grading(JobSpec spec, Profile profile, Cancellation cancel) {
            this.spec = spec;
            this.profile = profile;
            this.cancel = cancel;
        }

        GradeResult run(Workdir wd) {
            if (profile.compiles()) {
                RunResult c = sandbox(profile, profile.compileArgv(), wd, Stdin.empty(), spec.compileLimits());
                Verdict failed = c.status() == RunStatus.OK
                        ? null
                        : c.status() == RunStatus.INTERNAL_ERROR ? Verdict.INTERNAL_ERROR : Verdict.COMPILE_ERROR;
                record(RunRecord.Kind.COMPILE, 0, null, c, failed);
                compile = new JobResult.CompileStep(
                        c.status(),
                        c.exitCode(),
                        OutputCaps.cut(concat(c.stdout(), c.stderr()), caps.compileBytes()),
                        JobResult.StepUsage.of(c.usage()));
                if (failed != null) {
                    return done(failed, 0, failed == Verdict.INTERNAL_ERROR ? "compile step: " + c.message() : null);
                }
            }
            if (spec.interactor() != null) {
                try (Interaction.Interactor interactor = prepareInteractor()) {
                    if (!interactor.ready()) {
                        RunResult c = interactor.compile();
                        byte[] why = OutputCaps.cut(concat(c.stdout(), c.stderr()), caps.compileBytes());
                        return done(
                                Verdict.INTERNAL_ERROR,
                                0,
                                "the interactor did not compile (" + c.status().wire() + "): "
                                        + new String(why, StandardCharsets.UTF_8));
                    }
                    return tests(wd, null, interactor);
                }
            }
            Workdir checkerDir = null;
            try {
                if (spec.checker().type() == CheckerType.PROGRAM) {
                    checkerDir = prepareChecker();
                    if (checkerDir == null) {
                        return done(Verdict.INTERNAL_ERROR, 0, "the checker program did not compile");
                    }
                }
                return tests(wd, checkerDir, null);
            } finally {
                if (checkerDir != null) {
                    checkerDir.close();
                }
            }
        }

        /** {@code interactor}: the job's, when it is interactive (then there is no checker dir). */
        private GradeResult tests(Workdir wd, Workdir checkerDir, Interaction.Interactor interactor) {
            List<VerdictRules.Graded> graded = new ArrayList<>();
            double totalWeight =
                    spec.tests().stream().mapToDouble(JobSpec.SpecTest::weight).sum();
            for (int i = 0; i < spec.tests().size(); i++) {
                if (cancel.isCancelled()) {
                    break;
                }
                JobSpec.SpecTest t = spec.tests().get(i);
                Workdir dir = testDir(wd, i);
                if (interactor != null) {
                    Verdict v = interactive(t, i, dir, interactor);
                    graded.add(new VerdictRules.Graded(v, t.weight()));
                    if (v != Verdict.ACCEPTED && spec.stopOnFirstFailure()) {
                        break;
                    }
                    continue;
                }
                RunResult r = sandbox(profile, profile.runArgv(), spec.args(), dir, Stdin.of(t.stdin()), t.limits());
                Verdict v = VerdictRules.runVerdict(profile, r);
                if (v == null) {
                    v = t.expectedOutput() == null ? Verdict.ACCEPTED : judge(t, r.stdout(), checkerDir, i);
                }
                record(RunRecord.Kind.TEST, i, t.name(), r, v);
                graded.add(new VerdictRules.Graded(v, t.weight()));
                tests.add(outcome(t, r, v, r.message(), null));
                if (v != Verdict.ACCEPTED && spec.stopOnFirstFailure()) {
                    break;
                }
            }
            Verdict verdict = VerdictRules.jobVerdict(graded);
            String error = verdict == Verdict.INTERNAL_ERROR ? "a run failed inside Proctor (see the tests)" : null;
            return done(verdict, VerdictRules.score(graded, totalWeight), error);
        }

        /**
         * Where test {@code i} runs: each test sees the compile step's files afresh, so it cannot rewrite ./main
         * or leave state for a later test: a copy-on-write view of the work dir (an overlay mount inside the run).
         * The job's last test has no later test, and nothing reads the work dir after it (the checker and the
         * interactor have directories of their own; it is closed right after): it runs on the directory itself,
         * without the overlay's mount and teardown.
         */
        private Workdir testDir(Workdir wd, int i) {
            return i == spec.tests().size() - 1 ? wd : wd.copyOnWrite();
        }

        private Verdict judge(JobSpec.SpecTest t, byte[] actual, Workdir checkerDir, int seq) {
            JobSpec.Checker c = spec.checker();
            if (c.type() != CheckerType.PROGRAM) {
                return Checkers.check(c.type(), t.expectedOutput(), actual, c.absError(), c.relError());
            }
            Profile cp = profiles.find(c.profile()).orElseThrow();
            checkerDir.writeFile(CHECK_INPUT, t.stdin(), false);
            checkerDir.writeFile(CHECK_OUTPUT, actual, false);
            checkerDir.writeFile(CHECK_ANSWER, t.expectedOutput(), false);
            List<String> argv = new ArrayList<>(cp.runArgv());
            argv.addAll(List.of(CHECK_INPUT, CHECK_OUTPUT, CHECK_ANSWER));
            RunResult r = sandbox(cp, argv, checkerDir, Stdin.empty(), c.limits());
            Verdict v = r.status() == RunStatus.OK || r.status() == RunStatus.RUNTIME_ERROR && r.exitCode() != null
                    ? Checkers.ofCheckerExit(r.exitCode())
                    : Verdict.INTERNAL_ERROR;
            record(RunRecord.Kind.CHECKER, seq, t.name(), r, v);
            return v;
        }

        /**
         * One interactive test: the submission (on {@code dir}, see {@link #testDir}) and the interactor joined; the
         * interactor's run is recorded as the test's checker run (it is the test's judge).
         */
        private Verdict interactive(JobSpec.SpecTest t, int seq, Workdir dir, Interaction.Interactor interactor) {
            Interaction.Outcome o = Interaction.run(
                    engine,
                    new Interaction.Submission(profile, spec.args(), dir, t.limits()),
                    interactor,
                    new Interaction.TestData(seq, t.stdin(), t.expectedOutput(), List.of()),
                    sandboxConfig.sampleInterval(),
                    cancel);
            RunResult judge = o.interactor();
            record(
                    RunRecord.Kind.CHECKER,
                    seq,
                    t.name(),
                    judge,
                    interactor.protocol().verdictOf(judge));
            record(RunRecord.Kind.TEST, seq, t.name(), o.submission(), o.verdict());
            JobResult.InteractorRun run = JobResult.InteractorRun.of(judge, o.feedback(), caps.capturedBytes());
            String message = o.reason() != null ? o.reason() : o.submission().message();
            tests.add(outcome(t, o.submission(), o.verdict(), message, run));
            return o.verdict();
        }

        private Interaction.Interactor prepareInteractor() {
            JobSpec.Interactor i = spec.interactor();
            Profile ip = profiles.find(i.profile()).orElseThrow();
            LimitSet max = i.maximum() != null ? i.maximum() : ip.runLimits().maximum();
            Interaction.Interactor interactor = Interaction.Interactor.prepare(
                    engine,
                    ip,
                    i.files(),
                    i.limits(),
                    max.wallTimeMs(),
                    i.protocol(),
                    sandboxConfig.sampleInterval(),
                    cancel);
            RunResult c = interactor.compile();
            if (c != null) {
                record(
                        RunRecord.Kind.CHECKER,
                        -1,
                        "compile",
                        c,
                        c.status() == RunStatus.OK ? null : Verdict.INTERNAL_ERROR);
            }
            return interactor;
        }

        private Workdir prepareChecker() {
            JobSpec.Checker c = spec.checker();
            Profile cp = profiles.find(c.profile()).orElseThrow();
            Workdir dir = engine.createWorkdir(c.limits().diskMb() * Limits.MIB);
            for (JobSpec.SpecFile f : c.files()) {
                dir.writeFile(f.path(), f.content(), false);
            }
            if (cp.compiles()) {
                RunResult r = sandbox(
                        cp,
                        cp.compileArgv(),
                        dir,
                        Stdin.empty(),
                        cp.compileLimits().defaults());
                record(
                        RunRecord.Kind.CHECKER,
                        -1,
                        "compile",
                        r,
                        r.status() == RunStatus.OK ? null : Verdict.INTERNAL_ERROR);
                if (r.status() != RunStatus.OK) {
                    dir.close();
                    return null;
                }
            }
            return dir;
        }

        private JobResult.TestOutcome outcome(
                JobSpec.SpecTest t, RunResult r, Verdict v, String message, JobResult.InteractorRun interactor) {
            Usage u = r.usage();
            return new JobResult.TestOutcome(
                    t.name(),
                    v,
                    r.status(),
                    r.exitCode(),
                    r.signal(),
                    OutputCaps.cut(r.stdout(), caps.capturedBytes()),
                    OutputCaps.cut(r.stderr(), caps.capturedBytes()),
                    u.cpuTimeMillis(),
                    u.wallTimeMillis(),
                    u.memoryPeakBytes(),
                    u.pidsPeak(),
                    u.oomKills(),
                    u.stdoutBytes(),
                    u.stderrBytes(),
                    t.weight(),
                    message,
                    interactor);
        }

        private void record(RunRecord.Kind kind, int seq, String name, RunResult r, Verdict v) {
            runs.add(RunRecord.of(kind, seq, name, r, v));
            cpuMicros += r.usage().cpuTimeMicros();
            wallMicros += r.usage().wallTimeMicros();
            memoryPeak = Math.max(memoryPeak, r.usage().memoryPeakBytes());
        }

        private GradeResult done(Verdict v, double score, String error) {
            JobResult.Totals totals =
                    new JobResult.Totals(cpuMicros / 1000, wallMicros / 1000, memoryPeak, runs.size());
            return new GradeResult(v, score, new JobResult(compile, tests, totals, null), runs, error);
        }

        private RunResult sandbox(Profile p, List<String> argv, Workdir wd, Stdin stdin, LimitSet l) {
            return sandbox(p, argv, List.of(), wd, stdin, l);
        }

        private RunResult sandbox(
                Profile p, List<String> argv, List<String> args, Workdir wd, Stdin stdin, LimitSet l) {
            try {
                return engine.run(
                        p.runSpec(argv, args, l.toLimits(), wd, stdin, sandboxConfig.sampleInterval()), cancel);
            } catch (RuntimeException e) {
                return RunResult.internalError(e.getMessage());
            }
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
