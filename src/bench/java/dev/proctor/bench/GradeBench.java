package dev.proctor.bench;

import dev.proctor.cli.CliEnvironment;
import dev.proctor.config.SandboxConfig;
import dev.proctor.grading.CheckerType;
import dev.proctor.grading.GradeResult;
import dev.proctor.grading.Grader;
import dev.proctor.grading.JobSpec;
import dev.proctor.grading.OutputCaps;
import dev.proctor.grading.Verdict;
import dev.proctor.profiles.LimitSet;
import dev.proctor.profiles.Profile;
import dev.proctor.profiles.ProfileRegistry;
import dev.proctor.sandbox.Cancellation;
import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.LinuxSandboxEngine;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunSpec;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.SandboxException;
import dev.proctor.sandbox.Stdin;
import dev.proctor.sandbox.Workdir;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Where a job's per-test time goes between a bare engine run and the service's grading, without HTTP or
 * PostgreSQL: interleaved, in rounds (the order turned each round), {@value #TESTS} runs of bash {@code echo hi}
 * each way — {@code engine}: {@code RunSpec.simple} as {@code bench http}'s "engine alone"; {@code in_place_bare}:
 * the bash profile's run spec and limits as the grader builds them (stdin bytes) but no timeline sampling;
 * {@code in_place}: the same with sampling every 20 ms (the service's default), both on the work dir itself;
 * {@code overlay}: the same on a copy-on-write view of it ({@code box_overlay}); {@code grader}: one job of
 * {@value #TESTS} tests through {@link Grader} (work dir, checker, results), per test. Wall per run (median of
 * the rounds) and CPU per run: the JVM's and the engine's launcher tree's (every supervisor, pid 1 and run).
 * {@code --rounds N} (default {@value #ROUNDS}); {@code --json} prints one JSON object on the last line.
 */
final class GradeBench {

    private static final int TESTS = 50;
    private static final int ROUNDS = 12;
    private static final String SCRIPT = "echo hi";

    private GradeBench() {}

    private record Phase(String name, Supplier<Boolean> batch) {}

    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> options = Arrays.asList(args);
        boolean json = options.contains("--json");
        int at = options.indexOf("--rounds");
        int rounds = at >= 0 && at + 1 < args.length ? Integer.parseInt(args[at + 1]) : ROUNDS;
        if (rounds < 1) {
            err.println("proctor bench grade: --rounds must be at least 1");
            return 2;
        }
        List<String> problems = new ArrayList<>();
        List<Profile> loaded = ProfileRegistry.loadAll(
                CliEnvironment.engineConfig().profilesDir().resolve("languages"), problems);
        if (!problems.isEmpty()) {
            err.println("proctor bench: " + String.join("\n  ", problems));
            return 1;
        }
        Profile bash =
                loaded.stream().filter(p -> p.name().equals("bash")).findFirst().orElse(null);
        if (bash == null) {
            err.println("proctor bench grade: no bash profile");
            return 1;
        }
        Duration sample = Duration.ofMillis(20);
        try (LinuxSandboxEngine engine = LinuxSandboxEngine.start(CliEnvironment.engineConfig());
                Workdir wd = engine.createWorkdir(64 * Limits.MIB)) {
            wd.writeFile("main.sh", (SCRIPT + "\n").getBytes(StandardCharsets.UTF_8), false);
            Grader grader = grader(engine, loaded, sample);
            LimitSet limits = bash.runLimits().defaults();
            RunSpec simple = RunSpec.simple(wd, List.of("bash", "main.sh"), Limits.defaults());
            JobSpec job = job(limits);
            List<Phase> phases = List.of(
                    new Phase("engine", () -> runs(engine, () -> simple)),
                    new Phase(
                            "in_place_bare",
                            () -> runs(
                                    engine,
                                    () -> bash.runSpec(
                                            bash.runArgv(),
                                            List.of(),
                                            limits.toLimits(),
                                            wd,
                                            Stdin.of(new byte[0]),
                                            Duration.ZERO))),
                    new Phase(
                            "in_place",
                            () -> runs(
                                    engine,
                                    () -> bash.runSpec(
                                            bash.runArgv(),
                                            List.of(),
                                            limits.toLimits(),
                                            wd,
                                            Stdin.of(new byte[0]),
                                            sample))),
                    new Phase(
                            "overlay",
                            () -> runs(
                                    engine,
                                    () -> bash.runSpec(
                                            bash.runArgv(),
                                            List.of(),
                                            limits.toLimits(),
                                            wd.copyOnWrite(),
                                            Stdin.of(new byte[0]),
                                            sample))),
                    new Phase("grader", () -> {
                        GradeResult r = grader.grade(job, Cancellation.none());
                        return r.verdict() == Verdict.ACCEPTED && r.runs().size() == TESTS;
                    }));
            ProcessHandle launcher = ProcessHandle.current()
                    .children()
                    .filter(h -> h.info().command().orElse("").endsWith("proctor-launcher"))
                    .findFirst()
                    .orElseThrow(() -> new IOException("no launcher process"));
            // warm-up: the JIT, the image's page cache
            for (int i = 0; i < 3; i++) {
                for (Phase p : phases) {
                    p.batch.get();
                }
            }
            int n = phases.size();
            long[][] wall = new long[n][rounds];
            long[] cpu = new long[n];
            long[] jvm = new long[n];
            int failed = 0;
            double[] load0 = loadAverages();
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < n; k++) {
                    int i = (k + r) % n;
                    long j0 = jvmCpuNanos();
                    long l0 = ProcCpu.treeNanos(launcher);
                    long t0 = System.nanoTime();
                    if (!phases.get(i).batch.get()) {
                        failed++;
                    }
                    wall[i][r] = System.nanoTime() - t0;
                    long j1 = jvmCpuNanos();
                    jvm[i] += j1 - j0;
                    cpu[i] += j1 - j0 + ProcCpu.treeNanos(launcher) - l0;
                }
            }
            double[] load1 = loadAverages();
            // what the node does with the result besides grading: its JSON (stored, and sent to a waiting client)
            GradeResult last = grader.grade(job, Cancellation.none());
            double jsonUs = perTestMicros(() -> last.result().toJson().length());
            double parseUs = perTestMicros(
                    () -> dev.proctor.grading.JobResult.parse(last.result().toJson())
                            .tests()
                            .size());
            Map<String, Object> m = new LinkedHashMap<>();
            out.printf(
                    Locale.ROOT,
                    "proctor bench grade: bash `%s`, %d runs a batch, %d rounds interleaved, one at a time;"
                            + " load %.2f -> %.2f%n",
                    SCRIPT,
                    TESTS,
                    rounds,
                    load0[0],
                    load1[0]);
            for (int i = 0; i < n; i++) {
                String name = phases.get(i).name;
                double wallMs = median(wall[i]) / 1e6 / TESTS;
                double cpuMs = cpu[i] / 1e6 / rounds / TESTS;
                double jvmMs = jvm[i] / 1e6 / rounds / TESTS;
                out.printf(
                        Locale.ROOT,
                        "%-9s wall %6.2f ms/run (median batch / %d) | CPU %5.2f ms/run, of it the JVM %5.2f%n",
                        name,
                        wallMs,
                        TESTS,
                        cpuMs,
                        jvmMs);
                m.put(name + "_ms", wallMs);
                m.put(name + "_cpu_ms", cpuMs);
                m.put(name + "_jvm_cpu_ms", jvmMs);
            }
            out.printf(
                    Locale.ROOT,
                    "result JSON of the %d-test job: written %.1f us per test, written and read back %.1f us per test%n",
                    TESTS,
                    jsonUs,
                    parseUs);
            m.put("result_json_us_per_test", jsonUs);
            m.put("result_json_parse_us_per_test", parseUs);
            m.put("rounds", rounds);
            m.put("load1_before", load0[0]);
            m.put("load1_after", load1[0]);
            m.put("failed", failed);
            if (json) {
                out.println(BenchJson.line(m));
            }
            return failed == 0 ? 0 : 1;
        } catch (SandboxException | IOException | ReflectiveOperationException e) {
            err.println("proctor bench grade: " + e.getMessage());
            return 1;
        }
    }

    /** The CPU of {@code work} on this thread, per test of the job, in us (after a warm-up of the same). */
    private static double perTestMicros(java.util.function.IntSupplier work) {
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int sink = 0;
        for (int i = 0; i < 2000; i++) {
            sink += work.getAsInt();
        }
        int reps = 1000;
        long t0 = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < reps; i++) {
            sink += work.getAsInt();
        }
        long spent = threads.getCurrentThreadCpuTime() - t0;
        return sink == 42 ? -1 : spent / 1e3 / reps / TESTS;
    }

    private static boolean runs(LinuxSandboxEngine engine, Supplier<RunSpec> spec) {
        boolean ok = true;
        for (int i = 0; i < TESTS; i++) {
            RunResult r = engine.run(spec.get(), Cancellation.none());
            ok &= r.status() == RunStatus.OK;
        }
        return ok;
    }

    /** One job of {@value #TESTS} tests of the bash program, each expecting its output: what bench http sends. */
    private static JobSpec job(LimitSet limits) {
        List<JobSpec.SpecTest> tests = new ArrayList<>();
        for (int i = 0; i < TESTS; i++) {
            tests.add(new JobSpec.SpecTest("t" + i, new byte[0], "hi\n".getBytes(StandardCharsets.UTF_8), limits, 1.0));
        }
        return new JobSpec(
                "bash",
                List.of(new JobSpec.SpecFile("main.sh", SCRIPT.getBytes(StandardCharsets.UTF_8))),
                tests,
                null,
                new JobSpec.Checker(CheckerType.TRIMMED, 0, 0, null, List.of(), null),
                false,
                null,
                null,
                List.of(),
                null,
                null);
    }

    /** The service's grader without the service: its injected fields set as CDI would. */
    private static Grader grader(LinuxSandboxEngine engine, List<Profile> loaded, Duration sample)
            throws ReflectiveOperationException {
        SandboxConfig config = (SandboxConfig) Proxy.newProxyInstance(
                SandboxConfig.class.getClassLoader(), new Class<?>[] {SandboxConfig.class}, (proxy, method, a) -> {
                    if (method.getName().equals("sampleInterval")) {
                        return sample;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        ProfileRegistry registry = new ProfileRegistry();
        @SuppressWarnings("unchecked")
        Map<String, Profile> byName =
                (Map<String, Profile>) field(ProfileRegistry.class, "profiles").get(registry);
        loaded.forEach(p -> byName.put(p.name(), p));
        Grader g = new Grader();
        field(Grader.class, "engine").set(g, engine);
        field(Grader.class, "profiles").set(g, registry);
        field(Grader.class, "caps").set(g, new OutputCaps(64 * 1024, 64 * 1024));
        field(Grader.class, "sandboxConfig").set(g, config);
        return g;
    }

    private static Field field(Class<?> c, String name) throws NoSuchFieldException {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    private static long jvmCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double[] loadAverages() throws IOException {
        String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                .split(" ");
        return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])};
    }

    private static double median(long[] xs) {
        long[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }
}
