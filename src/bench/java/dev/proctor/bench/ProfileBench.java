package dev.proctor.bench;

import dev.proctor.cli.CliEnvironment;
import dev.proctor.profiles.ArgvTemplate;
import dev.proctor.profiles.LimitSet;
import dev.proctor.profiles.Profile;
import dev.proctor.profiles.ProfileRegistry;
import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.LinuxSandboxEngine;
import dev.proctor.sandbox.NetworkMode;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunSpec;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.SandboxEngine;
import dev.proctor.sandbox.SandboxException;
import dev.proctor.sandbox.Stdin;
import dev.proctor.sandbox.Workdir;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Per language profile, the median time of hello world through the engine (compile + run in a fresh
 * work directory, and run only on the compiled one) beside the same commands run bare on the host in
 * a temp directory, interleaved. Uses the engine and the profile files directly: no service, no HTTP.
 */
final class ProfileBench {

    private static final int RUNS = Integer.getInteger("proctor.bench.profile-runs", 7);

    /** Hello world per profile name; a profile without one here is skipped. */
    static final Map<String, String> HELLO = Map.of(
            "c", "#include <stdio.h>\nint main(void){puts(\"hello\");return 0;}\n",
            "cpp", "#include <iostream>\nint main(){std::cout<<\"hello\"<<std::endl;}\n",
            "python3", "print('hello')\n",
            "java", "public class Main { public static void main(String[] a) { System.out.println(\"hello\"); } }\n",
            "javascript", "console.log('hello')\n",
            "bash", "echo hello\n",
            "go", "package main\nimport \"fmt\"\nfunc main() { fmt.Println(\"hello\") }\n",
            "rust", "fn main() { println!(\"hello\"); }\n");

    private ProfileBench() {}

    public static int run(PrintStream out, PrintStream err) {
        List<String> problems = new ArrayList<>();
        List<Profile> profiles = ProfileRegistry.loadAll(
                CliEnvironment.engineConfig().profilesDir().resolve("languages"), problems);
        if (!problems.isEmpty()) {
            err.println("proctor bench: " + String.join("\n  ", problems));
            return 1;
        }
        try (SandboxEngine engine = LinuxSandboxEngine.start(CliEnvironment.engineConfig())) {
            out.printf(
                    "proctor bench profiles: hello world, median of %d, sandbox vs bare (cgroup %s)%n",
                    RUNS, engine.info().cgroupVersion());
            out.printf("%-11s %-30s %-30s%n", "profile", "compile+run: sandbox / bare", "run only: sandbox / bare");
            for (Profile p : profiles) {
                String hello = HELLO.get(p.name());
                if (hello == null || !engine.info().images().contains(p.image())) {
                    continue;
                }
                bench(engine, p, hello, out);
            }
            return 0;
        } catch (SandboxException | IOException | InterruptedException e) {
            err.println("proctor bench: " + e.getMessage());
            return 1;
        }
    }

    private static void bench(SandboxEngine engine, Profile p, String hello, PrintStream out)
            throws IOException, InterruptedException {
        long[] sbFull = new long[RUNS];
        long[] bareFull = new long[RUNS];
        long[] sbRun = new long[RUNS];
        long[] bareRun = new long[RUNS];
        for (int i = -1; i < RUNS; i++) {
            try (Workdir wd = engine.createWorkdir(256 * Limits.MIB)) {
                wd.writeFile(p.sourceFile(), hello.getBytes(StandardCharsets.UTF_8), false);
                long t0 = System.nanoTime();
                if (p.compiles()) {
                    check(
                            p,
                            engine.run(
                                    spec(p, p.compileArgv(), p.compileLimits().defaults(), wd)));
                }
                long t1 = System.nanoTime();
                check(p, engine.run(spec(p, p.runArgv(), p.runLimits().defaults(), wd)));
                long t2 = System.nanoTime();
                check(p, engine.run(spec(p, p.runArgv(), p.runLimits().defaults(), wd)));
                long t3 = System.nanoTime();
                long[] bare = bare(p, hello);
                if (i >= 0) {
                    sbFull[i] = t2 - t0;
                    sbRun[i] = t3 - t2;
                    bareFull[i] = bare[0];
                    bareRun[i] = bare[1];
                }
            }
        }
        out.printf(
                "%-11s %8.1f / %7.1f ms (+%6.1f)   %8.1f / %7.1f ms (+%6.1f)%n",
                p.name(),
                ms(median(sbFull)),
                ms(median(bareFull)),
                ms(median(sbFull) - median(bareFull)),
                ms(median(sbRun)),
                ms(median(bareRun)),
                ms(median(sbRun) - median(bareRun)));
    }

    private static RunSpec spec(Profile p, List<String> argv, LimitSet l, Workdir wd) {
        Limits limits = new Limits(
                Duration.ofMillis(l.cpuTimeMs()),
                Duration.ofMillis(l.wallTimeMs()),
                l.memoryMb() * Limits.MIB,
                l.pids(),
                l.outputKb() * 1024,
                l.diskMb() * Limits.MIB,
                1.0);
        return new RunSpec(
                p.image(),
                ArgvTemplate.expand(argv, l.memoryMb()),
                env(p, "/box", "/tmp"),
                wd,
                Stdin.empty(),
                limits,
                p.seccomp(),
                NetworkMode.NONE,
                Duration.ZERO);
    }

    private static Map<String, String> env(Profile p, String box, String tmp) {
        Map<String, String> env = new HashMap<>(Map.of("PATH", RunSpec.DEFAULT_PATH, "HOME", box, "LANG", "C.UTF-8"));
        p.env().forEach((k, v) -> env.put(k, v.startsWith("/tmp") ? tmp + v.substring(4) : v));
        return env;
    }

    private static void check(Profile p, RunResult r) throws IOException {
        if (r.status() != RunStatus.OK) {
            throw new IOException(p.name() + ": sandboxed hello world did not succeed: " + r.status() + " "
                    + (r.message() != null ? r.message() : new String(r.stderr(), StandardCharsets.UTF_8)));
        }
    }

    /** {compile+run, run only} in nanoseconds, bare in a fresh temp directory (its own /tmp inside). */
    private static long[] bare(Profile p, String hello) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("proctor-bench-");
        try {
            Path tmp = Files.createDirectory(dir.resolve(".tmp"));
            Files.writeString(dir.resolve(p.sourceFile()), hello);
            Map<String, String> env = env(p, dir.toString(), tmp.toString());
            long t0 = System.nanoTime();
            if (p.compiles()) {
                bareRun(p, p.compileArgv(), p.compileLimits().defaults(), dir, env);
            }
            long t1 = System.nanoTime();
            bareRun(p, p.runArgv(), p.runLimits().defaults(), dir, env);
            long t2 = System.nanoTime();
            bareRun(p, p.runArgv(), p.runLimits().defaults(), dir, env);
            long t3 = System.nanoTime();
            return new long[] {t2 - t0, t3 - t2};
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static void bareRun(Profile p, List<String> argv, LimitSet l, Path dir, Map<String, String> env)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(ArgvTemplate.expand(argv, l.memoryMb()))
                .directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        int exit = pb.start().waitFor();
        if (exit != 0) {
            throw new IOException(p.name() + ": bare " + argv.get(0) + " exited " + exit);
        }
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
