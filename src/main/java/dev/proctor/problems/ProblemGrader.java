package dev.proctor.problems;

import dev.proctor.grading.Interaction;
import dev.proctor.grading.InteractorProtocol;
import dev.proctor.grading.JobResult;
import dev.proctor.grading.OutputCaps;
import dev.proctor.grading.RunRecord;
import dev.proctor.grading.Verdict;
import dev.proctor.grading.VerdictRules;
import dev.proctor.profiles.LimitSet;
import dev.proctor.profiles.Profile;
import dev.proctor.sandbox.Cancellation;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunSpec;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.Stdin;
import dev.proctor.sandbox.accounting.Usage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Grades a built submission against a problem package: each test in order, in a fresh run with its input
 * file as stdin (from disk, never the heap), judged by the default validator or the package's own ({@code
 * validator input answer feedback_dir [flags] < team_output}, 42 accepted, 43 wrong answer, anything else a
 * judge error); groups aggregate their children's scores as their testdata.yaml says. Pass-fail problems
 * stop at the first failure when asked to (ICPC); a group with {@code on_reject: first_error} stops there.
 */
public final class ProblemGrader {

    static final int FEEDBACK_BYTES = 4096;
    /** Where an output validator finds the test's input and judge answer (its first two arguments). */
    static final String VALIDATOR_INPUT = "/judge_input";

    static final String VALIDATOR_ANSWER = "/judge_answer";

    private final PackagePrograms programs;

    public ProblemGrader(PackagePrograms programs) {
        this.programs = programs;
    }

    /**
     * How to grade: the time limit for one test (CPU), whether the first failure ends a pass-fail problem,
     * and how much wall time a run gets per second of CPU time.
     */
    public record Settings(Duration timeLimit, boolean stopAtFirstFailure, int capturedBytes) {
        /** What a test keeps of each of the submission's streams when the caller names no cap. */
        public static final int DEFAULT_CAPTURED_BYTES = 64 * 1024;

        public Settings(Duration timeLimit, boolean stopAtFirstFailure) {
            this(timeLimit, stopAtFirstFailure, DEFAULT_CAPTURED_BYTES);
        }
    }

    /** One test's outcome; messages are the validator's feedback files (or the default validator's reason). */
    public record TestResult(
            String name,
            String group,
            Verdict verdict,
            RunStatus status,
            long cpuTimeMs,
            long wallTimeMs,
            long memoryPeakBytes,
            double score,
            String judgeMessage,
            String teamMessage,
            Integer exitCode,
            String signal,
            byte[] stdout,
            byte[] stderr,
            Usage usage,
            JobResult.InteractorRun interactor) {}

    /** One group's outcome ({@code data}, {@code data/secret/group1}…). */
    public record GroupResult(String name, Verdict verdict, double score, double maxScore) {}

    /** The whole grading: verdict, score (scoring problems), each test and group, the slowest test's CPU time. */
    public record Result(
            Verdict verdict,
            double score,
            double maxScore,
            List<TestResult> tests,
            List<GroupResult> groups,
            long maxCpuTimeMs,
            List<RunRecord> runs) {}

    /** A group's verdict and score while grading. */
    private record Scored(Verdict verdict, double score, double max) {}

    private final class Run {
        final ProblemPackage pkg;
        final Function<PackageFile, Path> locate;
        final PackagePrograms.Built submission;
        final PackagePrograms.Built validator;
        final Settings settings;
        final Cancellation cancel;
        final LimitSet limits;
        final List<TestResult> tests = new ArrayList<>();
        final List<GroupResult> groups = new ArrayList<>();
        /** The sandbox runs, for the {@code runs} table: each test's (kind test) and its judge's (kind checker). */
        final List<RunRecord> runs = new ArrayList<>();

        final Interaction.Interactor interactor;
        /**
         * The last test case the package runs (in the order {@link #group} walks it): the submission's directory
         * has no run after it, so it runs there in place (see {@link PackagePrograms#run(PackagePrograms.Built,
         * List, Stdin, LimitSet, boolean, Cancellation)}); null when the package runs none.
         */
        final TestNode.TestCase lastCase;

        boolean stopped;

        Run(
                ProblemPackage pkg,
                Function<PackageFile, Path> locate,
                PackagePrograms.Built submission,
                PackagePrograms.Built validator,
                Settings settings,
                Cancellation cancel) {
            this.pkg = pkg;
            this.locate = locate;
            this.submission = submission;
            this.validator = validator;
            this.settings = settings;
            this.cancel = cancel;
            this.limits = submissionLimits(submission.profile(), pkg.limits(), settings.timeLimit());
            // an interactive problem's output validator is its interactor (Kattis protocol)
            this.interactor = pkg.interactive() && validator != null
                    ? Interaction.Interactor.of(
                            validator.profile(),
                            validator.dir(),
                            PackagePrograms.judgeLimits(validator.profile()),
                            InteractorProtocol.KATTIS)
                    : null;
            this.lastCase = lastRun(pkg.data());
        }

        private static TestNode.TestCase lastRun(TestNode.TestGroup g) {
            List<TestNode> children = g.children();
            for (int i = children.size() - 1; i >= 0; i--) {
                TestNode n = children.get(i);
                TestNode.TestCase last = n instanceof TestNode.TestCase c
                        ? (c.input() != null ? c : null)
                        : lastRun((TestNode.TestGroup) n);
                if (last != null) {
                    return last;
                }
            }
            return null;
        }

        Scored group(TestNode.TestGroup g) {
            GroupGrading gr = g.grading();
            List<Scored> children = new ArrayList<>();
            boolean rejected = false;
            for (TestNode n : g.children()) {
                Scored s;
                if (stopped
                        || cancel.isCancelled()
                        || (rejected && gr.onReject() == GroupGrading.OnReject.FIRST_ERROR)) {
                    s = skipped(n);
                } else if (n instanceof TestNode.TestCase c) {
                    s = test(c, g);
                } else {
                    s = group((TestNode.TestGroup) n);
                }
                if (s.verdict() != Verdict.ACCEPTED) {
                    rejected = true;
                    if (!pkg.scoring() && settings.stopAtFirstFailure()) {
                        stopped = true;
                    }
                }
                children.add(s);
            }
            Verdict v = Verdict.ACCEPTED;
            for (Scored s : children) {
                if (s.verdict() != null && s.verdict() != Verdict.ACCEPTED) {
                    v = s.verdict();
                    break;
                }
            }
            double score = aggregate(
                    gr.aggregation(),
                    children.stream().mapToDouble(Scored::score).toArray());
            double max = aggregate(
                    gr.aggregation(), children.stream().mapToDouble(Scored::max).toArray());
            groups.add(new GroupResult(g.name().isEmpty() ? "data" : "data/" + g.name(), v, score, max));
            return new Scored(v, score, max);
        }

        /** A child never run (after a failure that ends its group): no verdict, no score; its maximum counts. */
        private Scored skipped(TestNode n) {
            return new Scored(null, 0, maxOf(n));
        }

        private double maxOf(TestNode n) {
            return n instanceof TestNode.TestGroup g
                    ? aggregate(
                            g.grading().aggregation(),
                            g.children().stream().mapToDouble(this::maxOf).toArray())
                    : accept(n);
        }

        private double accept(TestNode n) {
            return parentGrading(n).acceptScore();
        }

        private GroupGrading parentGrading(TestNode n) {
            for (TestNode.TestGroup g : pkg.data().groups()) {
                if (g.children().contains(n)) {
                    return g.grading();
                }
            }
            return GroupGrading.defaults();
        }

        Scored test(TestNode.TestCase c, TestNode.TestGroup g) {
            GroupGrading gr = g.grading();
            String group = g.name().isEmpty() ? "data" : "data/" + g.name();
            if (c.input() == null) {
                // an interaction sample: shown to teams, not run here
                return new Scored(Verdict.ACCEPTED, 0, 0);
            }
            int seq = tests.size();
            if (pkg.interactive()) {
                return interactive(c, gr, group, seq);
            }
            RunResult r = programs.run(
                    submission, List.of(), Stdin.of(locate.apply(c.input())), limits, c == lastCase, cancel);
            Verdict v = VerdictRules.runVerdict(submission.profile(), r);
            String judge = null;
            String team = null;
            double score = 0;
            Double custom = null;
            if (v == null) {
                if (validator == null) {
                    DefaultValidator.Outcome o = DefaultValidator.check(
                            read(locate.apply(c.answer())), r.stdout(), DefaultValidator.Options.parse(flags(gr)));
                    v = o.accepted() ? Verdict.ACCEPTED : Verdict.WRONG_ANSWER;
                    judge = o.message();
                } else {
                    Judged j = validate(c, gr, r.stdout(), seq);
                    v = j.verdict;
                    judge = j.judge;
                    team = j.team;
                    custom = j.score;
                }
            }
            if (v == Verdict.ACCEPTED) {
                score = custom != null ? custom : gr.acceptScore();
            } else {
                score = gr.rejectScore();
            }
            record(RunRecord.Kind.TEST, seq, c.name(), r, v);
            tests.add(result(c, group, v, r, score, judge != null ? judge : r.message(), team, r.stdout(), null));
            return new Scored(v, score, custom != null ? Math.max(custom, gr.acceptScore()) : gr.acceptScore());
        }

        /**
         * One test of an interactive problem: the submission joined to the interactor ({@link Interaction}, the
         * verdict by {@link dev.proctor.grading.InteractionRules}); the interactor's run is the test's checker run.
         */
        private Scored interactive(TestNode.TestCase c, GroupGrading gr, String group, int seq) {
            if (interactor == null) {
                throw new IllegalStateException("an interactive problem without an output validator");
            }
            Interaction.Outcome o = programs.interact(
                    submission,
                    interactor,
                    // the cache's files themselves, shown read-only to the interactor: never read into the heap
                    new Interaction.TestData(
                            seq,
                            Interaction.TestFile.of(locate.apply(c.input())),
                            c.answer() == null ? null : Interaction.TestFile.of(locate.apply(c.answer())),
                            flags(gr)),
                    limits,
                    c == lastCase,
                    cancel);
            RunResult judge = o.interactor();
            record(RunRecord.Kind.CHECKER, seq, c.name(), judge, InteractorProtocol.KATTIS.verdictOf(judge));
            record(RunRecord.Kind.TEST, seq, c.name(), o.submission(), o.verdict());
            String judgeMessage = null;
            String team = null;
            for (JobResult.Feedback f : o.feedback()) {
                if (f.name().equals("judgemessage.txt")) {
                    judgeMessage = new String(f.content(), StandardCharsets.UTF_8);
                } else if (f.name().equals("teammessage.txt")) {
                    team = new String(f.content(), StandardCharsets.UTF_8);
                }
            }
            JobResult.InteractorRun run = JobResult.InteractorRun.of(judge, o.feedback(), settings.capturedBytes());
            Verdict v = o.verdict();
            double score = v == Verdict.ACCEPTED ? gr.acceptScore() : gr.rejectScore();
            String message = o.reason() != null
                    ? o.reason()
                    : judgeMessage != null ? judgeMessage : o.submission().message();
            tests.add(result(
                    c,
                    group,
                    v,
                    o.submission(),
                    score,
                    message,
                    team,
                    o.submission().stdout(),
                    run));
            return new Scored(v, score, gr.acceptScore());
        }

        private TestResult result(
                TestNode.TestCase c,
                String group,
                Verdict v,
                RunResult r,
                double score,
                String judge,
                String team,
                byte[] stdout,
                JobResult.InteractorRun interactorRun) {
            Usage u = r.usage();
            return new TestResult(
                    c.name(),
                    group,
                    v,
                    r.status(),
                    u.cpuTimeMillis(),
                    u.wallTimeMillis(),
                    u.memoryPeakBytes(),
                    score,
                    judge,
                    team,
                    r.exitCode(),
                    r.signal(),
                    OutputCaps.cut(stdout, settings.capturedBytes()),
                    OutputCaps.cut(r.stderr(), settings.capturedBytes()),
                    u,
                    interactorRun);
        }

        private void record(RunRecord.Kind kind, int seq, String name, RunResult r, Verdict v) {
            runs.add(RunRecord.of(kind, seq, name, r, v));
        }

        private List<String> flags(GroupGrading gr) {
            List<String> f = new ArrayList<>(pkg.validation().flags());
            f.addAll(gr.outputValidatorFlags());
            return f;
        }

        private record Judged(Verdict verdict, String judge, String team, Double score) {}

        private Judged validate(TestNode.TestCase c, GroupGrading gr, byte[] teamOutput, int seq) {
            Path box = validator.dir().path();
            try {
                validator.dir().writeFile("feedback/.keep", new byte[0], false);
                clear(box.resolve("feedback"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // the test's input and answer are shown to the validator in place, read-only: never copied into its
            // work dir (a test file may be hundreds of MiB), never read by the service
            List<RunSpec.HostFile> shown = List.of(
                    new RunSpec.HostFile(locate.apply(c.input()), VALIDATOR_INPUT),
                    new RunSpec.HostFile(locate.apply(c.answer()), VALIDATOR_ANSWER));
            List<String> args = new ArrayList<>(List.of(VALIDATOR_INPUT, VALIDATOR_ANSWER, "feedback/"));
            args.addAll(flags(gr));
            RunResult r = programs.runInPlace(
                    validator,
                    args,
                    shown,
                    Stdin.of(teamOutput),
                    PackagePrograms.judgeLimits(validator.profile()),
                    cancel);
            record(RunRecord.Kind.CHECKER, seq, c.name(), r, InteractorProtocol.KATTIS.verdictOf(r));
            String judge = feedback("judgemessage.txt");
            String team = feedback("teammessage.txt");
            Integer exit = r.exitCode();
            if (r.status() == RunStatus.OK || r.status() == RunStatus.RUNTIME_ERROR) {
                if (exit != null && exit == 42) {
                    Double score = null;
                    if (pkg.validation().score()) {
                        String s = feedback("score.txt");
                        try {
                            score = s == null ? null : Double.parseDouble(s.strip());
                        } catch (NumberFormatException e) {
                            return new Judged(Verdict.INTERNAL_ERROR, "score.txt is not a number: " + s, team, null);
                        }
                    }
                    return new Judged(Verdict.ACCEPTED, judge, team, score);
                }
                if (exit != null && exit == 43) {
                    return new Judged(Verdict.WRONG_ANSWER, judge, team, null);
                }
            }
            String why = "output validator failed: " + r.status().wire() + (exit != null ? " exit " + exit : "")
                    + (judge != null ? ": " + judge : "") + " " + InputValidation.text(r.stdout(), r.stderr());
            return new Judged(Verdict.INTERNAL_ERROR, why.strip(), team, null);
        }

        private String feedback(String name) {
            byte[] b;
            try {
                b = validator.dir().readFile("feedback/" + name, FEEDBACK_BYTES);
            } catch (RuntimeException e) {
                return null;
            }
            return b == null ? null : new String(b, StandardCharsets.UTF_8);
        }
    }

    /**
     * Grades {@code submission} against {@code pkg}. Uses the submission's directory up: each test but the last
     * runs on a copy-on-write view of it, the last on the directory itself, so the caller closes it after and
     * never grades it again.
     */
    public Result grade(
            ProblemPackage pkg,
            Function<PackageFile, Path> locate,
            PackagePrograms.Built submission,
            PackagePrograms.Built validator,
            Settings settings,
            Cancellation cancel) {
        Run run = new Run(pkg, locate, submission, validator, settings, cancel);
        Scored root = run.group(pkg.data());
        long maxCpu = run.tests.stream().mapToLong(TestResult::cpuTimeMs).max().orElse(0);
        List<GroupResult> groups = new ArrayList<>(run.groups);
        // groups were added as they finished (children first): list them in package order
        groups.sort(java.util.Comparator.comparing(GroupResult::name));
        return new Result(root.verdict(), root.score(), root.max(), run.tests, groups, maxCpu, run.runs);
    }

    /** The submission's limits: the time limit, the package's memory and output, within the profile's maximums. */
    static LimitSet submissionLimits(Profile p, ProblemLimits l, Duration timeLimit) {
        long cpu = timeLimit.toMillis();
        LimitSet wanted = new LimitSet(cpu, cpu * 4 + 5000, l.memoryMiB(), null, l.outputMiB() * 1024, null);
        LimitSet max = p.runLimits().maximum();
        return wanted.min(max).orElse(p.runLimits().defaults());
    }

    static double aggregate(GroupGrading.Aggregation a, double[] scores) {
        if (scores.length == 0) {
            return 0;
        }
        return switch (a) {
            case SUM -> java.util.Arrays.stream(scores).sum();
            case MIN -> java.util.Arrays.stream(scores).min().orElse(0);
            case MAX -> java.util.Arrays.stream(scores).max().orElse(0);
            case AVG -> java.util.Arrays.stream(scores).average().orElse(0);
        };
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void clear(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                if (!p.getFileName().toString().equals(".keep")) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
