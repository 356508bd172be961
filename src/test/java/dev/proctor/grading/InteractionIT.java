package dev.proctor.grading;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.profiles.LimitSet;
import dev.proctor.profiles.Profile;
import dev.proctor.profiles.ProfileRegistry;
import dev.proctor.sandbox.Cancellation;
import dev.proctor.sandbox.EngineConfig;
import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.LinuxSandboxEngine;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.Stdin;
import dev.proctor.sandbox.Workdir;
import dev.proctor.sandbox.linux.Syscalls;
import dev.proctor.testsupport.TestStateDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Interactive tests on the real kernel: a guessing game between a submission and an interactor (a
 * Kattis-style one in C, a testlib-style one in Python), each in its own sandbox. Every program runs
 * inside the sandbox; limits a test is not about are far above what the programs need.
 */
class InteractionIT {

    static final Path PROJECT = Path.of(System.getProperty("proctor.project-dir", "."))
            .toAbsolutePath()
            .normalize();
    /** 10 s CPU, 30 s wall: a busy machine never turns these into a limit. */
    static final LimitSet ROOMY = new LimitSet(10_000L, 30_000L, 256L, 64, 1024L, 64L);

    static Path stateDir;
    static LinuxSandboxEngine engine;
    static Map<String, Profile> profiles;
    static Interaction.Interactor kattis;
    static Interaction.Interactor testlib;
    static Interaction.Interactor race;

    private final List<Workdir> workdirs = new ArrayList<>();

    @BeforeAll
    static void start() {
        requireKernel(
                Syscalls.isRoot() && "Linux".equals(System.getProperty("os.name")),
                "the sandbox needs root on Linux (namespaces, cgroups, overlay mounts)");
        List<String> problems = new ArrayList<>();
        profiles = ProfileRegistry.loadAll(PROJECT.resolve("sandbox-profiles/languages"), problems).stream()
                .collect(Collectors.toMap(Profile::name, Function.identity()));
        assertEquals(List.of(), problems);
        stateDir = TestStateDirs.create("interaction-");
        engine = LinuxSandboxEngine.start(EngineConfig.forProject(PROJECT, stateDir));
        kattis = interactor("c", "guess_kattis.c", InteractorProtocol.KATTIS);
        testlib = interactor("python3", "guess_testlib.py", InteractorProtocol.TESTLIB);
        race = interactor("c", "race_kattis.c", InteractorProtocol.KATTIS);
    }

    static Interaction.Interactor interactor(String profile, String resource, InteractorProtocol protocol) {
        return interactor(
                profile,
                resource,
                protocol,
                ROOMY,
                profiles.get(profile).runLimits().maximum().wallTimeMs());
    }

    static Interaction.Interactor interactor(
            String profile, String resource, InteractorProtocol protocol, LimitSet limits, long maxWallMs) {
        Profile p = profiles.get(profile);
        Interaction.Interactor i = Interaction.Interactor.prepare(
                engine,
                p,
                List.of(new JobSpec.SpecFile(p.sourceFile(), resource(resource))),
                limits,
                maxWallMs,
                protocol,
                Duration.ZERO,
                Cancellation.none());
        assertTrue(
                i.ready(),
                () -> "the interactor did not compile: "
                        + new String(i.compile().stderr()));
        return i;
    }

    @AfterAll
    static void stop() throws IOException {
        for (Interaction.Interactor i : new Interaction.Interactor[] {kattis, testlib, race}) {
            if (i != null) {
                i.close();
            }
        }
        if (engine != null) {
            engine.close();
        }
        TestStateDirs.removeAfterEngines(stateDir);
    }

    @AfterEach
    void closeWorkdirs() {
        workdirs.forEach(Workdir::close);
        workdirs.clear();
    }

    static byte[] resource(String name) {
        try {
            return Files.readAllBytes(PROJECT.resolve("src/test/resources/interactive/" + name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A submission's compiled files, in a work directory of its own; tests run on views of it. */
    Workdir submission(String profile, byte[] source) {
        Profile p = profiles.get(profile);
        Workdir w = engine.createWorkdir(64 * Limits.MIB);
        workdirs.add(w);
        w.writeFile(p.sourceFile(), source, false);
        if (p.compiles()) {
            RunResult c = engine.run(p.runSpec(
                    p.compileArgv(),
                    List.of(),
                    p.compileLimits().defaults().toLimits(),
                    w,
                    Stdin.empty(),
                    Duration.ZERO));
            assertEquals(RunStatus.OK, c.status(), () -> new String(c.stderr(), StandardCharsets.UTF_8));
        }
        return w;
    }

    Interaction.Outcome play(
            String profile, String source, LimitSet limits, Interaction.Interactor judge, String input) {
        return play(profile, utf8(source), limits, judge, input);
    }

    Interaction.Outcome play(
            String profile, byte[] source, LimitSet limits, Interaction.Interactor judge, String input) {
        return play(profile, source, limits, judge, input, List.of());
    }

    Interaction.Outcome play(
            String profile,
            byte[] source,
            LimitSet limits,
            Interaction.Interactor judge,
            String input,
            List<String> flags) {
        return playOn(submission(profile, source), profile, limits, judge, input, flags);
    }

    /** One test of a submission already built in {@code w} (a view of it: tests do not change it). */
    Interaction.Outcome playOn(
            Workdir w,
            String profile,
            LimitSet limits,
            Interaction.Interactor judge,
            String input,
            List<String> flags) {
        return Interaction.run(
                engine,
                new Interaction.Submission(profiles.get(profile), List.of(), w.copyOnWrite(), limits),
                judge,
                new Interaction.TestData(0, utf8(input), null, flags),
                Duration.ZERO,
                Cancellation.none());
    }

    static String describe(Interaction.Outcome o) {
        return "verdict=" + o.verdict() + " reason=" + o.reason() + " first=" + o.submissionEndedFirst()
                + "\nsubmission: " + run(o.submission()) + "\ninteractor: " + run(o.interactor()) + "\nfeedback: "
                + o.feedback().stream()
                        .map(f -> f.name() + "=" + new String(f.content(), StandardCharsets.UTF_8))
                        .toList();
    }

    static String run(RunResult r) {
        return r.status() + " exit=" + r.exitCode() + " signal=" + r.signal() + " message=" + r.message() + " wall="
                + r.usage().wallTimeMillis() + "ms stderr=" + new String(r.stderr(), StandardCharsets.UTF_8);
    }

    static String feedback(Interaction.Outcome o, String name) {
        return o.feedback().stream()
                .filter(f -> f.name().equals(name))
                .map(f -> new String(f.content(), StandardCharsets.UTF_8))
                .findFirst()
                .orElse(null);
    }

    static LimitSet with(Long cpuMs, Long wallMs) {
        return new LimitSet(cpuMs, wallMs, null, null, null, null).orElse(ROOMY);
    }

    @Test
    void aPythonGuesserIsAcceptedByTheKattisInteractor() {
        Interaction.Outcome o =
                play("python3", resource("guess.py"), ROOMY, kattis, "737373 25", List.of("case_sensitive", "x y"));
        assertEquals(Verdict.ACCEPTED, o.verdict(), () -> describe(o));
        assertEquals(
                "flag case_sensitive\nflag x y\n", new String(o.interactor().stderr(), StandardCharsets.UTF_8));
        assertTrue(feedback(o, "judgemessage.txt").startsWith("found in "), () -> describe(o));
        assertEquals(42, o.interactor().exitCode());
        assertEquals(0, o.submission().usage().stdoutBytes(), "stdout went to the interactor, not to a capture");
    }

    @Test
    void aCGuesserIsAcceptedByTheTestlibInteractor() {
        Interaction.Outcome o = play("c", resource("guess.c"), ROOMY, testlib, "12345 25");
        assertEquals(Verdict.ACCEPTED, o.verdict(), () -> describe(o));
        assertTrue(feedback(o, "output.txt").startsWith("ok found in "), () -> describe(o));
    }

    @Test
    void aGuesserThatGivesUpIsAWrongAnswer() {
        // always guesses 1; leaves quietly (exit 0) when the interactor is gone, so the verdict is its alone
        String stubborn = """
                import os, sys
                try:
                    while True:
                        print(1, flush=True)
                        if not sys.stdin.readline():
                            break
                except BrokenPipeError:
                    pass
                os._exit(0)
                """;
        Interaction.Outcome k = play("python3", stubborn, ROOMY, kattis, "500 10");
        assertEquals(Verdict.WRONG_ANSWER, k.verdict(), () -> describe(k));
        assertEquals("not found in 10 guesses\n", feedback(k, "judgemessage.txt"), () -> describe(k));
        assertEquals("too many guesses\n", feedback(k, "teammessage.txt"), () -> describe(k));
        Interaction.Outcome t = play("python3", stubborn, ROOMY, testlib, "500 10");
        assertEquals(Verdict.WRONG_ANSWER, t.verdict(), () -> describe(t));
        assertEquals("wrong answer: not found in 10 guesses\n", feedback(t, "output.txt"));
    }

    @Test
    void aSubmissionOverItsCpuLimitWhileTheInteractorWaitsIsATimeLimit() {
        Interaction.Outcome o = play("python3", "while True:\n    pass\n", with(500L, 30_000L), kattis, "5 10");
        assertEquals(Verdict.TIME_LIMIT_EXCEEDED, o.verdict(), () -> describe(o));
        assertTrue(o.submissionEndedFirst(), () -> describe(o));
        assertEquals(43, o.interactor().exitCode(), "the interactor read EOF and said wrong answer after it");
    }

    @Test
    void aSubmissionThatNeverReadsEndsByItsWallLimit() {
        String idle = "import time\nprint(1, flush=True)\ntime.sleep(3600)\n";
        Interaction.Outcome o = play("python3", idle, with(10_000L, 2_000L), kattis, "5 10");
        assertEquals(Verdict.WALL_TIME_LIMIT_EXCEEDED, o.verdict(), () -> describe(o));
        // the interactor's wall limit outlasts the submission's: it waited, then read EOF
        assertEquals("no guess 2\n", feedback(o, "judgemessage.txt"), () -> describe(o));
    }

    /**
     * A C submission that floods guesses and never reads the answers: the interactor judges the guesses
     * it reads, says wrong answer, and the submission dies writing into the closed pipe (SIGPIPE), after
     * the interactor's end: the verdict is the interactor's.
     */
    @Test
    void aFloodingSubmissionThatNeverReadsGetsTheInteractorsVerdict() {
        String flood = "#include <stdio.h>\nint main(void){for(;;)puts(\"1\");}\n";
        Interaction.Outcome o = play("c", flood, ROOMY, kattis, "77 10");
        assertEquals(Verdict.WRONG_ANSWER, o.verdict(), () -> describe(o));
        assertEquals("SIGPIPE", o.submission().signal(), () -> describe(o));
    }

    /** Both sides write and neither reads: both block on full pipes until the submission's wall limit. */
    @Test
    void bothSidesFloodingEndByTheSubmissionsWallLimit() {
        Interaction.Outcome o =
                play("python3", "while True:\n    print(1)\n", with(10_000L, 2_000L), kattis, "1 1 flood");
        assertEquals(Verdict.WALL_TIME_LIMIT_EXCEEDED, o.verdict(), () -> describe(o));
        assertEquals("SIGPIPE", o.interactor().signal(), () -> describe(o));
        assertTrue(o.interactor().usage().wallTimeMillis() < 30_000, () -> describe(o));
    }

    @Test
    void anInteractorThatCrashesIsAnInternalErrorNeverAccepted() {
        Interaction.Outcome o = play("python3", resource("guess.py"), ROOMY, kattis, "4242 25 crash");
        assertEquals(Verdict.INTERNAL_ERROR, o.verdict(), () -> describe(o));
        assertEquals("SIGABRT", o.interactor().signal());
        assertTrue(o.reason().contains("SIGABRT"), o.reason());
    }

    @Test
    void anInteractorThatExitsOutsideItsProtocolIsAnInternalError() {
        Interaction.Outcome o = play("python3", resource("guess.py"), ROOMY, kattis, "4242 25 exit0");
        assertEquals(Verdict.INTERNAL_ERROR, o.verdict(), () -> describe(o));
        assertTrue(o.reason().contains("exited with 0"), o.reason());
    }

    /**
     * The submission looks for the interactor's files (its input with the secret, the judge's answer, its
     * work directory by host path, its processes) and finds none; then it plays fairly and is accepted.
     */
    @Test
    void theSubmissionCannotReadTheInteractorsFiles() {
        String snoop = """
                import os, sys
                found = [p for p in ['/box/input', '/box/judge_answer', '/box/feedback', %s] if os.path.exists(p)]
                for pid in [p for p in os.listdir('/proc') if p.isdigit()]:
                    try:
                        if b'main' not in open('/proc/%%s/cmdline' %% pid, 'rb').read():
                            found.append('process ' + pid)
                    except OSError:
                        pass
                print('found', found, sorted(os.listdir('/box')), file=sys.stderr)
                """.formatted("'" + stateDir + "'") + new String(resource("guess.py"), StandardCharsets.UTF_8);
        Interaction.Outcome o = play("python3", snoop, ROOMY, kattis, "99 25");
        assertEquals("found [] ['main.py']\n", new String(o.submission().stderr(), StandardCharsets.UTF_8));
        assertEquals(Verdict.ACCEPTED, o.verdict(), () -> describe(o));
    }

    /** How often each exit-order race is run: a wrong order shows up as a wrong verdict in one of them. */
    static final int RACES = 30;

    /** Exits 1 as soon as the interactor has said "go"; the interactor then reads EOF and exits 43. */
    static final String EXIT_1_AT_ONCE = """
            #include <unistd.h>
            int main(void) { char b[8]; return read(0, b, sizeof b) > 0 ? 1 : 2; }
            """;

    /** Reads "go", then on to EOF (the interactor has rejected and gone), then exits 1. */
    static final String EXIT_1_AFTER_EOF = """
            #include <unistd.h>
            int main(void) { char b[8]; while (read(0, b, sizeof b) > 0) {} return 1; }
            """;

    /** Reads "go", then blocks for good: only its wall limit ends it. */
    static final String BLOCK_AFTER_GO = """
            #include <unistd.h>
            int main(void) { char b[8]; if (read(0, b, sizeof b) > 0) pause(); return 2; }
            """;

    /**
     * Threads that spin on every core (two per core) until closed: the machine is busy while the exit-order
     * tests run, so a supervisor or pid 1 that is slow to be scheduled is the normal case, not the exception.
     */
    static final class Burners implements AutoCloseable {
        private final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();
        volatile long spins;

        Burners() {
            for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors(); i++) {
                Thread t = new Thread(this::spin, "burner-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
        }

        private void spin() {
            long n = 0;
            while (!stop.get()) {
                n++;
            }
            spins += n;
        }

        @Override
        public void close() {
            stop.set(true);
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * Kattis: the first program to end decides. The submission exits 1 at once; the interactor reads EOF
     * because of it and exits 43 right after, microseconds later when it was already waiting in read. The
     * submission ended first every time (its pid 1 stamps the end when it reaps it, not its supervisor when
     * it gets round to reading the status): run_time_error, never wrong_answer. Repeated on busy CPUs.
     */
    @Test
    void aSubmissionThatExitsNonZeroAtOnceIsARuntimeErrorNotTheInteractorsEofVerdict() {
        Workdir w = submission("c", utf8(EXIT_1_AT_ONCE));
        try (Burners busy = new Burners()) {
            for (int i = 0; i < RACES; i++) {
                Interaction.Outcome o = playOn(w, "c", ROOMY, race, "eof", List.of());
                int round = i;
                assertEquals(Verdict.RUNTIME_ERROR, o.verdict(), () -> "round " + round + ": " + describe(o));
                assertEquals(1, o.submission().exitCode(), () -> describe(o));
                assertEquals(43, o.interactor().exitCode(), () -> describe(o));
                assertTrue(o.submissionEndedFirst(), () -> describe(o));
            }
        }
    }

    /**
     * The reverse: the interactor rejects (43) and exits first; the submission reads the EOF that follows and
     * exits 1 after it. The interactor ended first every time: wrong_answer, never the submission's
     * run_time_error. Repeated on busy CPUs.
     */
    @Test
    void anInteractorThatRejectsAndExitsFirstDecidesEvenWhenTheSubmissionThenExitsNonZero() {
        Workdir w = submission("c", utf8(EXIT_1_AFTER_EOF));
        try (Burners busy = new Burners()) {
            for (int i = 0; i < RACES; i++) {
                Interaction.Outcome o = playOn(w, "c", ROOMY, race, "first", List.of());
                int round = i;
                assertEquals(Verdict.WRONG_ANSWER, o.verdict(), () -> "round " + round + ": " + describe(o));
                assertEquals(1, o.submission().exitCode(), () -> describe(o));
                assertEquals("rejected first\n", feedback(o, "judgemessage.txt"));
                assertTrue(!o.submissionEndedFirst(), () -> describe(o));
            }
        }
    }

    /** The interactor rejects and exits; the submission blocks until its wall limit kills it: wrong_answer. */
    @Test
    void anInteractorThatRejectsFirstDecidesOverASubmissionKilledLaterByItsWallLimit() {
        Interaction.Outcome o = play("c", utf8(BLOCK_AFTER_GO), with(10_000L, 1_000L), race, "first");
        assertEquals(Verdict.WRONG_ANSWER, o.verdict(), () -> describe(o));
        assertEquals(RunStatus.WALL_TIME_LIMIT_EXCEEDED, o.submission().status(), () -> describe(o));
        assertTrue(!o.submissionEndedFirst(), () -> describe(o));
    }

    /**
     * The interactor's wall time is raised to outlast the submission's only up to its server-side maximum: with
     * a maximum of 6 s, a submission that asks for 20 s of wall time and idles gets 4 s (the maximum less the 2 s
     * margin) and ends by its own wall limit; the interactor, at 6 s, outlasts it and reads its EOF.
     */
    @Test
    void theInteractorsRaisedWallTimeStaysWithinItsMaximumAndTheSubmissionsIsLoweredToFit() {
        assertEquals(new Interaction.Walls(4_000, 6_000), Interaction.walls(20_000, 1_000, 6_000));
        try (Interaction.Interactor six =
                interactor("c", "guess_kattis.c", InteractorProtocol.KATTIS, with(10_000L, 1_000L), 6_000)) {
            String idle = "import time\nprint(1, flush=True)\ntime.sleep(3600)\n";
            Interaction.Outcome o = play("python3", idle, with(10_000L, 20_000L), six, "5 10");
            assertEquals(Verdict.WALL_TIME_LIMIT_EXCEEDED, o.verdict(), () -> describe(o));
            assertEquals("no guess 2\n", feedback(o, "judgemessage.txt"), () -> describe(o));
            assertTrue(o.submission().usage().wallTimeMillis() < 6_000, () -> describe(o));
            assertTrue(o.interactor().usage().wallTimeMillis() <= 6_000, () -> describe(o));
        }
    }

    /**
     * A problem's test data reaches the interactor as the host file itself, shown read-only at the root of its
     * run (never written into its directory, never read by the service); the submission's run has no such file.
     * A host file the run could not read (no o+r) is refused with the remedy: an internal error, not a verdict.
     */
    @Test
    void aHostFileInputIsShownToTheInteractorAloneAndAnUnreadableOneIsRefused() throws IOException {
        Path input = stateDir.resolve("host-input");
        Files.writeString(input, "737373 25");
        Files.setPosixFilePermissions(input, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        String snoop = """
                import os, sys
                print('found', [p for p in ['/input', '/judge_answer'] if os.path.exists(p)], file=sys.stderr)
                """ + new String(resource("guess.py"), StandardCharsets.UTF_8);
        Workdir w = submission("python3", utf8(snoop));
        Interaction.Outcome o = Interaction.run(
                engine,
                new Interaction.Submission(profiles.get("python3"), List.of(), w.copyOnWrite(), ROOMY),
                kattis,
                new Interaction.TestData(0, Interaction.TestFile.of(input), null, List.of()),
                Duration.ZERO,
                Cancellation.none());
        assertEquals(Verdict.ACCEPTED, o.verdict(), () -> describe(o));
        assertEquals("found []\n", new String(o.submission().stderr(), StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(input, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Interaction.Outcome refused = Interaction.run(
                engine,
                new Interaction.Submission(profiles.get("python3"), List.of(), w.copyOnWrite(), ROOMY),
                kattis,
                new Interaction.TestData(1, Interaction.TestFile.of(input), null, List.of()),
                Duration.ZERO,
                Cancellation.none());
        assertEquals(Verdict.INTERNAL_ERROR, refused.verdict(), () -> describe(refused));
        assertTrue(refused.interactor().message().contains("give it o+r"), () -> describe(refused));
    }
}
