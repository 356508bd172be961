package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two runs joined by two pipes ({@link SandboxEngine#runJoined}) on the real kernel: they talk, each
 * ends by its own limits, one's end is the other's EOF or EPIPE, and neither sees the other's files.
 */
class SandboxJoinedIT extends SandboxRuns {

    /** Answers guesses of a number it reads from its own work directory: "<", ">" or "=". */
    static final String JUDGE = """
            import sys
            secret = int(open('/box/secret').read())
            for turn in range(1, 40):
                line = sys.stdin.readline()
                if not line:
                    print('eof after', turn - 1, 'guesses', file=sys.stderr)
                    sys.exit(43)
                g = int(line)
                print('=' if g == secret else '<' if secret < g else '>', flush=True)
                if g == secret:
                    print('found in', turn, file=sys.stderr)
                    sys.exit(42)
            sys.exit(43)
            """;

    static final String GUESSER = """
            import sys
            lo, hi = 1, 1000
            while True:
                mid = (lo + hi) // 2
                print(mid, flush=True)
                a = sys.stdin.readline().strip()
                if a == '=':
                    break
                if a == '<':
                    hi = mid - 1
                else:
                    lo = mid + 1
            print('done', file=sys.stderr)
            """;

    private JoinedRuns joined(
            Workdir sub, Limits subLimits, String subScript, Workdir judge, Limits judgeLimits, String judgeScript) {
        sub.writeFile("main.py", subScript.getBytes(StandardCharsets.UTF_8), false);
        judge.writeFile("judge.py", judgeScript.getBytes(StandardCharsets.UTF_8), false);
        return engine.runJoined(
                RunSpec.simple(sub, List.of("/usr/bin/python3", "main.py"), subLimits),
                RunSpec.simple(judge, List.of("/usr/bin/python3", "judge.py"), judgeLimits),
                Cancellation.none());
    }

    private Workdir judgeDir(int secret) {
        Workdir w = workdir();
        w.writeFile("secret", Integer.toString(secret).getBytes(StandardCharsets.UTF_8), false);
        return w;
    }

    @Test
    void aGuessingGameIsPlayedThroughThePipes() {
        JoinedRuns r = joined(workdir(), ROOMY, GUESSER, judgeDir(737), ROOMY, JUDGE);
        assertEquals(RunStatus.OK, r.first().status(), () -> describe(r.first()));
        assertEquals("done\n", err(r.first()));
        assertEquals(0, r.first().stdout().length);
        assertEquals(RunStatus.RUNTIME_ERROR, r.second().status(), () -> describe(r.second()));
        assertEquals(42, r.second().exitCode());
        assertTrue(err(r.second()).startsWith("found in "), () -> describe(r.second()));
    }

    @Test
    void aSubmissionThatNeverReadsEndsByItsCpuLimitAndTheJudgeReadsEof() {
        Limits cpuTight = new Limits(Duration.ofMillis(500), Duration.ofSeconds(30), 256 * MIB, 64, MIB, 64 * MIB, 1.0);
        JoinedRuns r = joined(workdir(), cpuTight, "while True:\n    pass\n", judgeDir(5), ROOMY, JUDGE);
        assertEquals(RunStatus.TIME_LIMIT_EXCEEDED, r.first().status(), () -> describe(r.first()));
        assertEquals(43, r.second().exitCode(), () -> describe(r.second()));
        assertEquals("eof after 0 guesses\n", err(r.second()));
        assertTrue(r.firstEndedFirst());
    }

    @Test
    void aJudgeThatCrashesEndsTheSubmissionWithEof() {
        String crash = "import os, sys\nsys.stdin.readline()\nos.abort()\n";
        JoinedRuns r = joined(workdir(), ROOMY, GUESSER, judgeDir(5), ROOMY, crash);
        assertEquals(RunStatus.RUNTIME_ERROR, r.second().status(), () -> describe(r.second()));
        assertEquals("SIGABRT", r.second().signal());
        // the guesser reads EOF, guesses on, and its write fails with EPIPE (Python ignores SIGPIPE)
        assertEquals(RunStatus.RUNTIME_ERROR, r.first().status(), () -> describe(r.first()));
        assertTrue(err(r.first()).contains("BrokenPipeError"), () -> describe(r.first()));
    }

    @Test
    void aJudgeThatCannotBeExecutedEndsTheSubmissionWithEof() {
        Workdir sub = workdir();
        sub.writeFile("main.py", GUESSER.getBytes(StandardCharsets.UTF_8), false);
        JoinedRuns r = engine.runJoined(
                RunSpec.simple(sub, List.of("/usr/bin/python3", "main.py"), ROOMY),
                RunSpec.simple(workdir(), List.of("/box/no-such-judge"), ROOMY),
                Cancellation.none());
        assertEquals(127, r.second().exitCode(), () -> describe(r.second()));
        assertEquals(RunStatus.RUNTIME_ERROR, r.first().status(), () -> describe(r.first()));
    }

    /**
     * Each side floods its stdout and never reads: both pipes fill and both block. The submission's
     * wall limit ends it; the judge's next write then fails (yes dies of SIGPIPE) long before its own
     * wall limit. Nothing of the flood is output in the limit's sense: the pipe is not captured.
     */
    @Test
    void bothSidesFloodingEndByTheFirstWallLimitAndEpipe() {
        Limits wallTight = new Limits(Duration.ofSeconds(10), Duration.ofSeconds(2), 256 * MIB, 64, MIB, 64 * MIB, 1.0);
        Limits judgeWall =
                new Limits(Duration.ofSeconds(10), Duration.ofSeconds(60), 256 * MIB, 64, MIB, 64 * MIB, 1.0);
        JoinedRuns r = engine.runJoined(
                RunSpec.simple(workdir(), List.of("/usr/bin/yes", "submission"), wallTight),
                RunSpec.simple(workdir(), List.of("/usr/bin/yes", "judge"), judgeWall),
                Cancellation.none());
        assertEquals(RunStatus.WALL_TIME_LIMIT_EXCEEDED, r.first().status(), () -> describe(r.first()));
        assertEquals(RunStatus.RUNTIME_ERROR, r.second().status(), () -> describe(r.second()));
        assertEquals("SIGPIPE", r.second().signal());
        assertTrue(r.firstEndedFirst());
        assertTrue(r.second().usage().wallTimeMillis() < 30_000, () -> describe(r.second()));
        assertEquals(0, r.first().usage().stdoutBytes());
    }

    /**
     * The submission looks for the judge's files (its secret, its work directory by host path, its
     * processes) while the judge holds its input open; it finds none of them.
     */
    @Test
    void theSubmissionCannotSeeTheJudgesFiles() {
        Workdir judge = judgeDir(321);
        String snoop = """
                import os, sys
                found = []
                for p in ['/box/secret', '/tmp/secret', %s]:
                    if os.path.exists(p):
                        found.append(p)
                procs = [p for p in os.listdir('/proc') if p.isdigit()]
                for p in procs:
                    try:
                        if b'judge.py' in open('/proc/%%s/cmdline' %% p, 'rb').read():
                            found.append('process ' + p)
                    except OSError:
                        pass
                print('found', found, 'box', sorted(os.listdir('/box')), file=sys.stderr)
                print(1, flush=True)
                sys.stdin.readline()
                """.formatted("'" + judge.path().resolve("secret") + "'");
        JoinedRuns r = joined(workdir(), ROOMY, snoop, judge, ROOMY, JUDGE);
        assertEquals("found [] box ['main.py']\n", err(r.first()), () -> describe(r.first()));
        assertEquals("eof after 1 guesses\n", err(r.second()), () -> describe(r.second()));
    }

    @Test
    void cancellingEndsBothRuns() throws Exception {
        Workdir sub = workdir();
        sub.writeFile(
                "main.py",
                ("open('/box/ready', 'w').close()\nimport sys\nsys.stdin.read()\n").getBytes(StandardCharsets.UTF_8),
                false);
        Workdir judge = workdir();
        judge.writeFile("judge.py", "import sys\nsys.stdin.read()\n".getBytes(StandardCharsets.UTF_8), false);
        Cancellation cancel = new Cancellation();
        CompletableFuture<JoinedRuns> run = CompletableFuture.supplyAsync(() -> engine.runJoined(
                RunSpec.simple(sub, List.of("/usr/bin/python3", "main.py"), ROOMY),
                RunSpec.simple(judge, List.of("/usr/bin/python3", "judge.py"), ROOMY),
                cancel));
        awaitReady(sub, run.thenApply(JoinedRuns::first));
        cancel.cancel();
        JoinedRuns r = run.get(60, TimeUnit.SECONDS);
        assertEquals(RunStatus.CANCELLED, r.first().status(), () -> describe(r.first()));
        assertEquals(RunStatus.CANCELLED, r.second().status(), () -> describe(r.second()));
    }

    @Test
    void specsThatWouldShareFilesOrReadStdinAreRefused() {
        Workdir w = workdir();
        JoinedRuns same = engine.runJoined(
                RunSpec.simple(w, List.of("/bin/true"), ROOMY),
                RunSpec.simple(w.copyOnWrite(), List.of("/bin/true"), ROOMY),
                Cancellation.none());
        assertEquals(RunStatus.INTERNAL_ERROR, same.first().status());
        assertTrue(
                same.first().message().contains("work directories of their own"),
                same.first().message());
    }
}
