package dev.proctor.grading;

import dev.proctor.profiles.LimitSet;
import dev.proctor.profiles.Profile;
import dev.proctor.sandbox.Cancellation;
import dev.proctor.sandbox.JoinedRuns;
import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunSpec;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.SandboxEngine;
import dev.proctor.sandbox.Stdin;
import dev.proctor.sandbox.Workdir;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One test of an interactive problem: the submission and the interactor, each in a sandbox of its
 * own (its own work directory, limits, cgroup and namespaces: neither sees the other's files), joined
 * by two pipes ({@link SandboxEngine#runJoined}). The verdict follows {@link InteractionRules}.
 * The interactor is prepared once per job ({@link Interactor#prepare}) and serves every test.
 */
public final class Interaction {

    /**
     * The interactor's wall limit is at least the submission's plus this: a submission that idles ends by its
     * own limit, not the interactor's.
     */
    static final Duration JUDGE_WALL_MARGIN = Duration.ofSeconds(2);

    /** What is kept of each feedback file (Kattis judgemessage.txt/teammessage.txt, testlib output.txt). */
    public static final int FEEDBACK_BYTES = 64 * 1024;

    private Interaction() {}

    /** The submission's side of a test: its profile, program arguments, work directory (a view) and limits. */
    public record Submission(Profile profile, List<String> args, Workdir workdir, LimitSet limits) {
        public Submission {
            args = List.copyOf(args);
        }
    }

    /**
     * What one interactive test gave.
     *
     * @param submission           the submission's run (its stdout is empty: it went to the interactor)
     * @param interactor           the interactor's run, stderr included
     * @param submissionEndedFirst whether the submission ended before the interactor
     * @param feedback             the files the interactor wrote for this test (judgemessage.txt, output.txt…),
     *                             each capped at {@link #FEEDBACK_BYTES}
     * @param reason               for an internal error, what went wrong; else null
     */
    public record Outcome(
            Verdict verdict,
            RunResult submission,
            RunResult interactor,
            boolean submissionEndedFirst,
            List<JobResult.Feedback> feedback,
            String reason) {}

    /**
     * A file of a test for the interactor: bytes (an inline job's test, small: the request held them), written
     * into its work directory; or a file on the host (a problem's test data, in the node's cache), which the
     * service never reads: the interactor's run is shown the file itself, read-only ({@link RunSpec.HostFile}).
     */
    public sealed interface TestFile {
        record Bytes(byte[] content) implements TestFile {}

        record OnHost(Path path) implements TestFile {}

        static TestFile of(byte[] content) {
            return content == null ? null : new Bytes(content);
        }

        static TestFile of(Path path) {
            return path == null ? null : new OnHost(path);
        }
    }

    /**
     * One test's data for the interactor.
     *
     * @param seq    the test's number in its job (names its Kattis feedback directory)
     * @param input  the interactor's input file
     * @param answer the judge's answer file, or null (Kattis: an empty judge_answer; testlib: no answer.txt)
     * @param flags  Kattis validator flags, passed after the feedback directory; none for testlib
     */
    public record TestData(int seq, TestFile input, TestFile answer, List<String> flags) {
        public TestData {
            Objects.requireNonNull(input, "input");
            flags = flags == null ? List.of() : List.copyOf(flags);
        }

        /** A test whose input and answer are bytes. */
        public TestData(int seq, byte[] input, byte[] answer, List<String> flags) {
            this(seq, TestFile.of(input), TestFile.of(answer), flags);
        }
    }

    /** Runs one test: the submission against the interactor, on {@code test}'s data. */
    public static Outcome run(
            SandboxEngine engine,
            Submission submission,
            Interactor interactor,
            TestData test,
            Duration sampleInterval,
            Cancellation cancel) {
        int seq = test.seq();
        Interactor.Placed placed = interactor.placeTest(test);
        Walls walls = walls(submission.limits().wallTimeMs(), interactor.limits.wallTimeMs(), interactor.maxWallMs);
        RunSpec subSpec = submission
                .profile()
                .runSpec(
                        submission.profile().runArgv(),
                        submission.args(),
                        withWall(submission.limits(), walls.submissionMs()).toLimits(),
                        submission.workdir(),
                        Stdin.empty(),
                        sampleInterval);
        RunSpec judgeSpec = interactor
                .profile
                .runSpec(
                        interactor.profile.runArgv(),
                        placed.args(),
                        withWall(interactor.limits, walls.interactorMs()).toLimits(),
                        interactor.dir,
                        Stdin.empty(),
                        sampleInterval)
                .withHostFiles(placed.hostFiles());
        JoinedRuns runs;
        try {
            runs = engine.runJoined(subSpec, judgeSpec, cancel);
        } catch (RuntimeException e) {
            runs = JoinedRuns.internalError(e.getMessage());
        }
        Verdict own = VerdictRules.runVerdict(submission.profile(), runs.first());
        InteractionRules.Decision d =
                InteractionRules.decide(own, runs.first(), runs.firstEndedFirst(), runs.second(), interactor.protocol);
        return new Outcome(
                d.verdict(), runs.first(), runs.second(), runs.firstEndedFirst(), interactor.feedback(seq), d.reason());
    }

    /** The wall limits of a test's two runs, in milliseconds. */
    record Walls(long submissionMs, long interactorMs) {}

    /**
     * The interactor's wall time raised to outlast the submission's by {@link #JUDGE_WALL_MARGIN}, but never over
     * {@code interactorMaxMs}, its server-side maximum: where the two do not fit under it, the submission's wall
     * is lowered instead (to the maximum less the margin; less half the maximum when that is under twice the
     * margin), so an idle submission still ends by its own limit and the interactor's stays within its maximum.
     */
    static Walls walls(long submissionMs, long interactorMs, long interactorMaxMs) {
        long margin = JUDGE_WALL_MARGIN.toMillis();
        if (submissionMs + margin > interactorMaxMs) {
            margin = Math.min(margin, interactorMaxMs / 2);
        }
        long submission = Math.max(1, Math.min(submissionMs, interactorMaxMs - margin));
        long interactor = Math.min(Math.max(interactorMs, submission + margin), interactorMaxMs);
        return new Walls(submission, interactor);
    }

    private static LimitSet withWall(LimitSet l, long wallMs) {
        return new LimitSet(l.cpuTimeMs(), wallMs, l.memoryMb(), l.pids(), l.outputKb(), l.diskMb());
    }

    /**
     * An interactor program in a work directory of its own, compiled when its profile compiles. Each
     * test's files are placed there before its run (input, answer, a fresh feedback directory); it
     * runs on the directory itself, so it can leave its feedback files, but never sees the submission's.
     */
    public static final class Interactor implements AutoCloseable {
        final Profile profile;
        final Workdir dir;
        final LimitSet limits;
        /** The server-side maximum of its wall time: {@link #walls} raises it no further. */
        final long maxWallMs;

        final InteractorProtocol protocol;
        private final RunResult compile;

        private Interactor(
                Profile profile,
                Workdir dir,
                LimitSet limits,
                long maxWallMs,
                InteractorProtocol protocol,
                RunResult compile) {
            this.profile = profile;
            this.dir = dir;
            this.limits = limits;
            this.maxWallMs = Math.max(maxWallMs, limits.wallTimeMs());
            this.protocol = protocol;
            this.compile = compile;
        }

        /**
         * Writes {@code files} into a new work directory of {@code limits.diskMb()} (room for the
         * program and one test's input, answer and feedback) and compiles them with the profile's
         * default compile limits. Check {@link #ready()}; close it when the job is done. {@code maxWallMs}: the
         * most its wall time may be raised to outlast a submission's (its server-side maximum).
         */
        public static Interactor prepare(
                SandboxEngine engine,
                Profile profile,
                List<JobSpec.SpecFile> files,
                LimitSet limits,
                long maxWallMs,
                InteractorProtocol protocol,
                Duration sampleInterval,
                Cancellation cancel) {
            Workdir dir = engine.createWorkdir(limits.diskMb() * Limits.MIB);
            try {
                for (JobSpec.SpecFile f : files) {
                    dir.writeFile(f.path(), f.content(), false);
                }
                RunResult compile = null;
                if (profile.compiles()) {
                    RunSpec spec = profile.runSpec(
                            profile.compileArgv(),
                            List.of(),
                            profile.compileLimits().defaults().toLimits(),
                            dir,
                            Stdin.empty(),
                            sampleInterval);
                    try {
                        compile = engine.run(spec, cancel);
                    } catch (RuntimeException e) {
                        compile = RunResult.internalError(e.getMessage());
                    }
                }
                return new Interactor(profile, dir, limits, maxWallMs, protocol, compile);
            } catch (RuntimeException e) {
                dir.close();
                throw e;
            }
        }

        /**
         * An interactor already built in {@code dir} (a problem package's output validator, built by its
         * owner): nothing to compile here. Its wall time is raised at most to its profile's run maximum. The
         * caller keeps {@code dir} and closes it.
         */
        public static Interactor of(Profile profile, Workdir dir, LimitSet limits, InteractorProtocol protocol) {
            return new Interactor(
                    profile, dir, limits, profile.runLimits().maximum().wallTimeMs(), protocol, null);
        }

        /** The compile step's run, or null when the profile does not compile. */
        public RunResult compile() {
            return compile;
        }

        /** Whether the interactor can run: it needs no compile step, or its compile step ended OK. */
        public boolean ready() {
            return compile == null || compile.status() == RunStatus.OK;
        }

        public InteractorProtocol protocol() {
            return protocol;
        }

        /** The interactor's arguments for a test, and the host files its run is shown. */
        record Placed(List<String> args, List<RunSpec.HostFile> hostFiles) {}

        /** Places test {@code seq}'s files; returns the interactor's arguments for it. */
        Placed placeTest(TestData test) {
            List<RunSpec.HostFile> shown = new ArrayList<>();
            List<String> args = new ArrayList<>();
            switch (protocol) {
                case KATTIS -> {
                    args.add(place(InteractorProtocol.KATTIS_INPUT, test.input(), shown));
                    TestFile answer = test.answer() == null ? new TestFile.Bytes(new byte[0]) : test.answer();
                    args.add(place(InteractorProtocol.KATTIS_ANSWER, answer, shown));
                    // a directory of its own per test (created with a file: the work dir makes parents);
                    // validators join names to it as given, so it ends with a slash
                    String feedback = feedbackDir(test.seq());
                    dir.writeFile(
                            feedback + ".test", Integer.toString(test.seq()).getBytes(), false);
                    args.add(feedback);
                    args.addAll(test.flags());
                }
                case TESTLIB -> {
                    args.add(place(InteractorProtocol.TESTLIB_INPUT, test.input(), shown));
                    dir.writeFile(InteractorProtocol.TESTLIB_OUTPUT, new byte[0], false);
                    args.add(InteractorProtocol.TESTLIB_OUTPUT);
                    if (test.answer() != null) {
                        args.add(place(InteractorProtocol.TESTLIB_ANSWER, test.answer(), shown));
                    }
                }
            }
            return new Placed(args, shown);
        }

        /**
         * Puts a test file where the interactor finds it, by {@code name}: bytes are written into its work
         * directory; a host file is shown read-only at the root of its run under that name (never copied, never
         * read here: a problem's input may be hundreds of MiB). Returns the path the interactor is given.
         */
        private String place(String name, TestFile file, List<RunSpec.HostFile> shown) {
            if (file instanceof TestFile.OnHost h) {
                shown.add(new RunSpec.HostFile(h.path(), "/" + name));
                return "/" + name;
            }
            dir.writeFile(name, ((TestFile.Bytes) file).content(), false);
            return name;
        }

        /** The feedback files the interactor left for test {@code seq}. */
        List<JobResult.Feedback> feedback(int seq) {
            List<String> names = protocol == InteractorProtocol.KATTIS
                    ? InteractorProtocol.KATTIS_FEEDBACK_FILES.stream()
                            .map(n -> feedbackDir(seq) + n)
                            .toList()
                    : List.of(InteractorProtocol.TESTLIB_OUTPUT);
            List<JobResult.Feedback> out = new ArrayList<>();
            for (String name : names) {
                byte[] content;
                try {
                    content = dir.readFile(name, FEEDBACK_BYTES);
                } catch (RuntimeException e) {
                    content = null; // not a regular file the service may read: nothing kept
                }
                if (content != null) {
                    out.add(new JobResult.Feedback(name.substring(name.lastIndexOf('/') + 1), content));
                }
            }
            return out;
        }

        private static String feedbackDir(int seq) {
            return InteractorProtocol.KATTIS_FEEDBACK + "/" + seq + "/";
        }

        @Override
        public void close() {
            dir.close();
        }
    }
}
