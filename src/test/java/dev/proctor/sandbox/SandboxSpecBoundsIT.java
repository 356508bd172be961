package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.launcher.LaunchRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A spec at the launcher's bounds (its arguments, environment entries, binds and bytes) runs whole; one past
 * any of them is refused by the engine, saying which, before anything is started, and the next run is as any.
 */
class SandboxSpecBoundsIT extends SandboxRuns {

    private static final byte[] HOST_FILE = "host file\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    /**
     * What a job says of its spec: how many arguments and bytes of them followed python3's {@code -c} and the
     * probe, its environment's size, the host files it sees and whether each holds the host's bytes.
     */
    private static final String PROBE = """
            import os, sys
            files = [n for n in os.listdir('/') if n.startswith('hf')]
            same = all(open('/' + n).read() == 'host file\\n' for n in files)
            print(len(sys.argv) - 1, sum(len(a) for a in sys.argv[1:]), len(os.environ), len(files), same)
            """;

    private static RunSpec probe(Workdir w, List<String> args, Map<String, String> env, int hostFiles, Path file) {
        List<String> argv = new ArrayList<>(List.of("/usr/bin/python3", "-c", PROBE));
        argv.addAll(args);
        List<RunSpec.HostFile> files = new ArrayList<>();
        for (int i = 0; i < hostFiles; i++) {
            files.add(new RunSpec.HostFile(file, "/hf" + i));
        }
        return new RunSpec(
                "host", argv, env, w, Stdin.empty(), ROOMY, "default", NetworkMode.NONE, Duration.ZERO, files);
    }

    private static List<String> args(int n, int bytesEach) {
        List<String> args = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            args.add("a".repeat(bytesEach));
        }
        return args;
    }

    private static Map<String, String> env(int n) {
        Map<String, String> env = new HashMap<>(RunSpec.BASE_ENV);
        for (int i = 0; env.size() < n; i++) {
            env.put("V" + i, "v");
        }
        return env;
    }

    private static void assertRefused(RunResult r, String field) {
        assertEquals(RunStatus.INTERNAL_ERROR, r.status(), () -> describe(r));
        assertTrue(r.message().startsWith(field), () -> "refusal not naming " + field + ": " + r.message());
        assertEquals(0, r.usage().wallTimeMicros(), () -> "something ran: " + describe(r));
    }

    @Test
    void argumentsAndEnvironmentAtTheirBoundsRunWholeAndOnePastIsRefusedByName() throws Exception {
        Workdir w = workdir();
        Path file = hostFile("bounds-", HOST_FILE);
        int extra = LaunchRequest.MAX_ARGS - 3; // python3, -c and the probe are the first three
        assertEquals(
                extra + " " + extra + " " + LaunchRequest.MAX_ARGS + " 0 True\n",
                okOut(engine.run(probe(w, args(extra, 1), env(LaunchRequest.MAX_ARGS), 0, file))));
        assertRefused(engine.run(probe(w, args(extra + 1, 1), RunSpec.BASE_ENV, 0, file)), "argv:");
        assertRefused(engine.run(probe(w, List.of(), env(LaunchRequest.MAX_ARGS + 1), 0, file)), "env:");
        assertRefused(engine.run(probe(w, List.of("x", "a\0b"), RunSpec.BASE_ENV, 0, file)), "argv[4]");
        Map<String, String> badName = env(3);
        badName.put("A=B", "c");
        assertRefused(engine.run(probe(w, List.of(), badName, 0, file)), "env:");
        assertEquals("0 0 3 0 True\n", okOut(engine.run(probe(w, List.of(), RunSpec.BASE_ENV, 0, file))));
    }

    @Test
    void aSpecOverTheLaunchersBytesIsRefusedAndTheLauncherServesOn() throws Exception {
        Workdir w = workdir();
        Path file = hostFile("bounds-", HOST_FILE);
        // eleven arguments of 100 KiB each (under the kernel's 128 KiB for one): over the spec's 1 MiB together
        RunResult r = engine.run(probe(w, args(11, 100 * 1024), RunSpec.BASE_ENV, 0, file));
        assertRefused(r, "the run's launch spec is");
        // under it, the kernel's own bounds decide: 600 KiB in all passes execve (a quarter of the 256 MiB stack)
        String out = okOut(engine.run(probe(w, args(6, 100 * 1024), RunSpec.BASE_ENV, 0, file)));
        assertEquals("6 " + 6 * 100 * 1024 + " 3 0 True\n", out);
    }

    @Test
    void joinedRunsOneOfWhichIsPastABoundAreBothRefusedAndNeitherStarts() throws Exception {
        Workdir a = workdir();
        Workdir b = workdir();
        Path file = hostFile("bounds-", HOST_FILE);
        RunSpec fine = probe(a, List.of(), RunSpec.BASE_ENV, 0, file);
        List<RunSpec> pastABound = List.of(
                probe(b, args(LaunchRequest.MAX_ARGS, 1), RunSpec.BASE_ENV, 0, file),
                probe(b, args(11, 100 * 1024), RunSpec.BASE_ENV, 0, file));
        List<String> fields = List.of("argv:", "the run's launch spec is");
        for (int i = 0; i < pastABound.size(); i++) {
            for (boolean second : new boolean[] {false, true}) {
                JoinedRuns r = second
                        ? engine.runJoined(fine, pastABound.get(i), Cancellation.none())
                        : engine.runJoined(pastABound.get(i), fine, Cancellation.none());
                assertRefused(r.first(), fields.get(i));
                assertRefused(r.second(), fields.get(i));
            }
        }
        assertEquals("0 0 3 0 True\n", okOut(engine.run(fine)));
    }

    @Test
    void hostFilesUpToTheBindsBoundAreEachSeenAndOnePastIsRefused() throws Exception {
        Workdir w = workdir();
        Path file = hostFile("bounds-", HOST_FILE);
        RunResult over = engine.run(probe(w, List.of(), RunSpec.BASE_ENV, LaunchRequest.MAX_BINDS + 1, file));
        assertRefused(over, "hostFiles:");
        Matcher m = Pattern.compile("at most (\\d+)").matcher(over.message());
        assertTrue(m.find(), over.message());
        int most = Integer.parseInt(m.group(1));
        assertTrue(most > LaunchRequest.MAX_BINDS - 8 && most <= LaunchRequest.MAX_BINDS, over.message());
        assertEquals("0 0 3 " + most + " True\n", okOut(engine.run(probe(w, List.of(), RunSpec.BASE_ENV, most, file))));
        assertRefused(engine.run(probe(w, List.of(), RunSpec.BASE_ENV, most + 1, file)), "hostFiles:");
    }
}
