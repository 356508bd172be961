package dev.proctor.bench;

import dev.proctor.cli.CliEnvironment;
import dev.proctor.sandbox.EngineConfig;
import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.LinuxSandboxEngine;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunSpec;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.SandboxException;
import dev.proctor.sandbox.Workdir;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The sandbox's cost per run, against the kernel's: in interleaved rounds, (a) a bare fork + execve +
 * waitpid from C, (b) the launcher driven from C without the JVM (its own launcher server, the engine's
 * spec), (c) the whole engine from Java (cgroups, fresh rootfs, every namespace, seccomp, accounting,
 * clean-up), (d) the kernel floor from C: the same spec's image, binds, cgroups, user ids, work directory
 * and seccomp program set up with the fewest system calls and none of the engine's extras (the helper's
 * comment says which); then each 2 at a time. The C side is {@code src/bench/c/benchhelper.c}, built by
 * {@code ./proctor bench}. CPU per run: the helper's getrusage for (a) and (d); for (c) the JVM's process CPU,
 * less the bench's own CPU spent talking to the C helper ({@code jvm_cpu_ms}, of which the JIT compiler threads' {@code jit_cpu_ms};
 * split into the thread that calls the engine, {@code jvm_thread_cpu_ms}, and the JVM's other threads over the
 * rounds' whole time, {@code jvm_other_cpu_ms}: garbage collection, JIT, housekeeping) plus the engine's launcher
 * server with every supervisor, pid 1 and job it reaped ({@code engine_launcher_cpu_ms};
 * {@code launcher_cpu_ms} is the launcher driven from C). Those are what each kind's own processes count; the
 * kernel finishes part of a sandboxed run's work after it on its own threads (a network namespace's clean-up,
 * a freed seccomp filter's, RCU callbacks), which no process counts: {@code *_machine_cpu_ms} is the whole
 * machine's CPU per run, each kind alone ({@link #machineCpu}), and {@code *_outside_cpu_ms} the part of it
 * outside the kind's processes. Prints figures and, with {@code --json}, one JSON object as its last line;
 * asserts nothing.
 */
final class SandboxBench {

    private static final int RUNS = Integer.getInteger("proctor.bench.runs", 300);
    /**
     * Rounds first, unmeasured, before the first program's measured ones: at least 6000 by default
     * ({@code -Dproctor.bench.warmup=N}, rounded up to a block of {@link #WARMUP_BLOCK}), then more until the
     * JIT has settled ({@link #warmUp}): the JIT compiles the engine's path (a service runs for hours). Code
     * run once per run reaches the JIT's last tier (C2) only after ~5000 invocations (HotSpot's
     * Tier4InvocationThreshold, raised while the compiler's queue is long): with 1000 rounds and a wait for
     * three quiet blocks the warm-up ended at 2200-3200 rounds, and C2 compiled the engine's per-run methods
     * (the launcher reply's parser, the cgroup readers, the channel reads and writes) inside the measured
     * rounds, 0.3-0.5 ms of JIT per run, counted as the engine's; {@code -XX:+PrintCompilation} showed them.
     * {@code jit_cpu_ms} says how much of the measured runs' JVM CPU the JIT still was.
     */
    private static final int WARMUP = Integer.getInteger("proctor.bench.warmup", 6000);
    /**
     * The same for the programs after the first ({@code -Dproctor.bench.warmup-next=N}). The engine's code is
     * the same whatever the program, but a longer run takes other branches and waits longer (profiles change):
     * with 300 here, a bench ended {@code python3}'s warm-up after 600 rounds (three quiet blocks) and C2 then
     * compiled 60 ms in its 300 measured rounds ({@code jit_cpu_ms} 0.20 where the runs before had 0.00 and
     * 0.03, after 1700 rounds of warm-up).
     */
    private static final int WARMUP_NEXT = Integer.getInteger("proctor.bench.warmup-next", 1500);
    /**
     * After the first program's interleaved warm-up, the engine runs alone until it has run at least this many
     * times in all ({@code -Dproctor.bench.engine-warmup=N}; 0: no runs alone), then on until the JIT has settled
     * ({@link #warmUpEngineAlone}). Interleaved rounds stop at a JIT quiet for a few blocks of 100, but the
     * engine's code is not at its last tier there: a throwaway harness (the engine running {@code /bin/true} in a
     * loop, the JVM's CPU and compile time per block of 500 runs) showed C2 compiling 60-350 ms per block in bursts
     * up to ~9000 runs, and then 0-3 ms per block; the JVM's CPU per run went from 0.26-0.84 ms in those bursts to
     * 0.16-0.22 ms after. A service runs the engine for hours: that is the state to measure. Runs alone take a
     * third of a round's time.
     */
    private static final int ENGINE_WARMUP = Integer.getInteger("proctor.bench.engine-warmup", 12000);
    /** The engine's runs alone are done in blocks of this many. */
    private static final int ENGINE_BLOCK = 500;
    /** At most this many engine runs alone after {@link #ENGINE_WARMUP} runs in all. */
    private static final int ENGINE_WARMUP_MAX_EXTRA = 8000;
    /** Warm-up rounds after {@link #WARMUP} are done in blocks of this many. */
    private static final int WARMUP_BLOCK = 100;
    /** At most this many warm-up rounds after {@link #WARMUP}. */
    private static final int WARMUP_MAX_EXTRA = 4000;
    /**
     * After each block of {@link #machineCpu}, the machine is left alone this long before its CPU is read again:
     * the kernel threads finish what the block's last runs left them (a network namespace's clean-up takes a few
     * ms), and are counted with the block.
     */
    private static final long SETTLE_MS = 50;
    /** {@link #machineCpu}'s block of nothing, which says what the machine uses with no run. */
    private static final long IDLE_BLOCK_MS = 200;
    /** Quiet blocks in a row that say the JIT has settled. */
    private static final int SETTLED_BLOCKS = 3;
    /** A block of warm-up rounds that adds less compilation time than this: the JIT has settled. */
    private static final long JIT_SETTLED_MS = 5;
    /** Runs 2 at a time, per kind, in blocks interleaved like the serial rounds. */
    private static final int BLOCKS = 4;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /**
     * The order of the kinds in each round, drawn at random (seeded: the same sequence every bench). A run
     * is faster right after another sandboxed run than after a bare fork/exec (the kernel's caches for
     * namespaces and mounts are warm): with the order only rotating round by round, each kind followed
     * the same one in four rounds of five (the launcher driven from C a bare fork/exec, the engine, the floor
     * and the second launcher a sandboxed run), and in two A/B runs of a changed launcher against the
     * unchanged one, their places swapped, the second launcher came out ~0.4 ms a run faster whichever it was.
     * Drawn, each kind follows each other kind equally often.
     */
    private static final Random ORDER = new Random(11);

    /**
     * {@code -Dproctor.bench.launcher-b=PATH}: a second launcher binary (e.g. another tree's
     * {@code target/native/proctor-launcher}), driven from C by a second helper in the same rounds as the
     * others, run by run, for an A/B of two launchers on one machine at one load: {@code launcher_b_ms},
     * {@code launcher_b_cpu_ms}; and 2 at a time in blocks beside the others' ({@code launcher_b_runs_per_s_2}),
     * where a change that moves work off a run's path shows what it costs a full machine. Not set: no such runs.
     */
    private static final String LAUNCHER_B = System.getProperty("proctor.bench.launcher-b");

    /**
     * {@code -Dproctor.bench.ab-runs=N} (default 2000; 0: none): with {@link #LAUNCHER_B}, after the rounds, N launches
     * of the same spec by each of the two launchers driven from C and nothing else, each pair's order drawn at random,
     * and each launcher server's CPU over them ({@code launcher_ab_cpu_ms}, {@code launcher_b_ab_cpu_ms}): a
     * comparison of two launchers alone, the machine's drift shared launch by launch. One launcher as both differed
     * by 0.07 ms a {@code /bin/true} run and 0.47 a {@code python3} one in the rounds (300 runs each among five kinds;
     * README), and by 0.003 ms a {@code /bin/true} run over 3000 launches each driven this way (a throwaway script).
     */
    private static final int AB_RUNS = Integer.getInteger("proctor.bench.ab-runs", 2000);

    /** The A/B's order of each pair: its own, so that the rounds' order stays what {@link #ORDER} draws. */
    private static final Random AB_ORDER = new Random(13);

    /** The second launcher's helper while one program is measured ({@link #LAUNCHER_B}), else null. */
    private static Helper helperB;

    private SandboxBench() {}

    /** Medians and totals of one program. */
    private record Figures(
            double bareMs,
            double launcherMs,
            double engineMs,
            double bareP90,
            double launcherP90,
            double engineP90,
            double bareCpuMs,
            double launcherCpuMs,
            double engineCpuMs,
            double jvmCpuMs,
            double jitCpuMs,
            double jvmThreadCpuMs,
            double engineLauncherCpuMs,
            double bareRunsPerS2,
            double launcherRunsPerS2,
            double engineRunsPerS2,
            double launcherBMs,
            double launcherBCpuMs,
            double launcherBRunsPerS2,
            double floorMs,
            double floorP90,
            double floorCpuMs,
            double floorRunsPerS2,
            MachineFigures machine,
            double abCpuMs,
            double abBCpuMs) {}

    /** {@link #machineCpu}'s kinds: indexes of {@link MachineFigures}'s arrays. */
    private static final int KIND_BARE = 0;

    private static final int KIND_FLOOR = 1;
    private static final int KIND_LAUNCHER = 2;
    private static final int KIND_ENGINE = 3;
    private static final int KIND_NOTHING = 4;
    private static final int KIND_LAUNCHER_B = 5;

    /**
     * The whole machine's CPU per run of each kind ({@link #machineCpu}), in ms; the same blocks' CPU as the
     * kinds' own processes count it (the helper's getrusage for the C kinds, the launcher server's tree, the
     * JVM with the engine's launcher tree), in ms; the idle machine's CPU, in ms a second. Indexed by the
     * {@code KIND_} constants.
     */
    private record MachineFigures(double[] machine, double[] process, double idleMsPerS, double[] backToBackMs) {
        double bare() {
            return machine[KIND_BARE];
        }

        double floor() {
            return machine[KIND_FLOOR];
        }

        double launcher() {
            return machine[KIND_LAUNCHER];
        }

        double engine() {
            return machine[KIND_ENGINE];
        }

        double launcherB() {
            return machine.length > KIND_LAUNCHER_B ? machine[KIND_LAUNCHER_B] : 0;
        }

        /**
         * A kind's wall time per run, in ms, its runs one right after another (the same blocks): where the next
         * run starts at once, not after a round of the other kinds' (what the interleaved rounds give the
         * engine's next run: time for its supervisor to make that run's pid 1 ahead, launcher.h "ahead").
         */
        double backToBack(int kind) {
            return backToBackMs[kind];
        }

        /** The machine's CPU per run of a kind less its processes' own: the kernel threads' work, mostly. */
        double outside(int kind) {
            return machine[kind] - process[kind];
        }
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean json = Arrays.asList(args).contains("--json");
        EngineConfig config = CliEnvironment.engineConfig();
        Path helper = Path.of(System.getProperty("proctor.project-dir", "."), "target/bench/proctor-bench-helper");
        if (!Files.isExecutable(helper)) {
            err.println("proctor bench: the C helper " + helper + " is missing (./proctor bench builds it)");
            return 1;
        }
        Path dir = null;
        try (LinuxSandboxEngine engine = LinuxSandboxEngine.start(config);
                Workdir workdir = engine.createWorkdir(64 * Limits.MIB)) {
            dir = Files.createTempDirectory("proctor-bench");
            out.printf(
                    "proctor bench sandbox: %d runs each, interleaved: C fork/exec, launcher from C, engine"
                            + " (cgroup %s); then %d runs each 2 at a time%n",
                    RUNS, engine.info().cgroupVersion(), RUNS);
            Figures t = measure(engine, workdir, List.of("/bin/true"), config, helper, dir, out, WARMUP, ENGINE_WARMUP);
            Figures p = measure(
                    engine,
                    workdir,
                    List.of("/usr/bin/python3", "-c", "pass"),
                    config,
                    helper,
                    dir,
                    out,
                    WARMUP_NEXT,
                    0);
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                put(m, "", t);
                put(m, "python_", p);
                m.put("runs", RUNS);
                out.println(BenchJson.line(m));
            }
            return 0;
        } catch (SandboxException | IOException | InterruptedException | ExecutionException e) {
            err.println("proctor bench: " + e.getMessage());
            return 1;
        } finally {
            if (dir != null) {
                deleteQuietly(dir);
            }
        }
    }

    private static void put(Map<String, Object> m, String prefix, Figures f) {
        m.put(prefix + "c_bare_ms", f.bareMs());
        m.put(prefix + "launcher_ms", f.launcherMs());
        m.put(prefix + "engine_ms", f.engineMs());
        m.put(prefix + "engine_over_c_ms", f.engineMs() - f.bareMs());
        m.put(prefix + "c_bare_cpu_ms", f.bareCpuMs());
        m.put(prefix + "launcher_cpu_ms", f.launcherCpuMs());
        m.put(prefix + "engine_cpu_ms", f.engineCpuMs());
        m.put(prefix + "engine_cpu_over_c_ms", f.engineCpuMs() - f.bareCpuMs());
        m.put(prefix + "jvm_cpu_ms", f.jvmCpuMs());
        m.put(prefix + "jit_cpu_ms", f.jitCpuMs());
        m.put(prefix + "jvm_thread_cpu_ms", f.jvmThreadCpuMs());
        m.put(prefix + "jvm_other_cpu_ms", f.jvmCpuMs() - f.jvmThreadCpuMs());
        m.put(prefix + "engine_launcher_cpu_ms", f.engineLauncherCpuMs());
        m.put(prefix + "c_bare_runs_per_s_2", f.bareRunsPerS2());
        m.put(prefix + "launcher_runs_per_s_2", f.launcherRunsPerS2());
        m.put(prefix + "engine_runs_per_s_2", f.engineRunsPerS2());
        m.put(prefix + "floor_ms", f.floorMs());
        m.put(prefix + "floor_cpu_ms", f.floorCpuMs());
        m.put(prefix + "floor_runs_per_s_2", f.floorRunsPerS2());
        m.put(prefix + "engine_over_floor_ms", f.engineMs() - f.floorMs());
        m.put(prefix + "engine_cpu_over_floor_ms", f.engineCpuMs() - f.floorCpuMs());
        m.put(prefix + "c_bare_machine_cpu_ms", f.machine().bare());
        m.put(prefix + "floor_machine_cpu_ms", f.machine().floor());
        m.put(prefix + "launcher_machine_cpu_ms", f.machine().launcher());
        m.put(prefix + "engine_machine_cpu_ms", f.machine().engine());
        m.put(
                prefix + "engine_machine_cpu_over_c_ms",
                f.machine().engine() - f.machine().bare());
        m.put(
                prefix + "engine_machine_cpu_over_floor_ms",
                f.machine().engine() - f.machine().floor());
        m.put(prefix + "c_bare_outside_cpu_ms", f.machine().outside(KIND_BARE));
        m.put(prefix + "floor_outside_cpu_ms", f.machine().outside(KIND_FLOOR));
        m.put(prefix + "launcher_outside_cpu_ms", f.machine().outside(KIND_LAUNCHER));
        m.put(prefix + "engine_outside_cpu_ms", f.machine().outside(KIND_ENGINE));
        m.put(prefix + "machine_idle_cpu_ms_per_s", f.machine().idleMsPerS());
        m.put(prefix + "c_bare_back_to_back_ms", f.machine().backToBack(KIND_BARE));
        m.put(prefix + "floor_back_to_back_ms", f.machine().backToBack(KIND_FLOOR));
        m.put(prefix + "launcher_back_to_back_ms", f.machine().backToBack(KIND_LAUNCHER));
        m.put(prefix + "engine_back_to_back_ms", f.machine().backToBack(KIND_ENGINE));
        m.put(
                prefix + "engine_back_to_back_over_c_ms",
                f.machine().backToBack(KIND_ENGINE) - f.machine().backToBack(KIND_BARE));
        if (LAUNCHER_B != null) {
            m.put(prefix + "launcher_b_machine_cpu_ms", f.machine().launcherB());
            m.put(prefix + "launcher_b_ms", f.launcherBMs());
            m.put(prefix + "launcher_b_cpu_ms", f.launcherBCpuMs());
            m.put(prefix + "launcher_b_runs_per_s_2", f.launcherBRunsPerS2());
            if (AB_RUNS > 0) {
                m.put(prefix + "launcher_ab_cpu_ms", f.abCpuMs());
                m.put(prefix + "launcher_b_ab_cpu_ms", f.abBCpuMs());
            }
        }
    }

    private static Figures measure(
            LinuxSandboxEngine engine,
            Workdir workdir,
            List<String> argv,
            EngineConfig config,
            Path helperBinary,
            Path dir,
            PrintStream out,
            int warmup,
            int engineWarmup)
            throws IOException, InterruptedException, ExecutionException {
        RunSpec spec = RunSpec.simple(workdir, argv, Limits.defaults());
        ProcessHandle engineLauncher = ProcessHandle.current()
                .children()
                .filter(h -> h.info().command().orElse("").endsWith("proctor-launcher"))
                .findFirst()
                .orElseThrow(() -> new IOException("the engine's launcher process was not found"));
        try (LinuxSandboxEngine.ExportedLaunch s0 = engine.exportLaunch(spec, dir.resolve("run0"));
                LinuxSandboxEngine.ExportedLaunch s1 = engine.exportLaunch(spec, dir.resolve("run1"))) {
            Files.write(dir.resolve("spec0"), s0.spec());
            Files.write(dir.resolve("spec1"), s1.spec());
            List<String> command = new ArrayList<>(List.of(
                    helperBinary.toString(),
                    config.launcherBinary().toString(),
                    dir.resolve("helper.sock").toString(),
                    dir.resolve("spec0").toString(),
                    dir.resolve("spec1").toString(),
                    "--"));
            command.addAll(argv);
            Process process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            Process processB = null;
            try (Helper helper = new Helper(process)) {
                helper.expect("ready");
                if (LAUNCHER_B != null) {
                    // its own directory: a launcher server makes its mount template beside its socket
                    Path dirB = Files.createDirectories(dir.resolve("b"));
                    List<String> commandB = new ArrayList<>(command);
                    commandB.set(1, LAUNCHER_B);
                    commandB.set(2, dirB.resolve("helper.sock").toString());
                    processB = new ProcessBuilder(commandB)
                            .redirectError(ProcessBuilder.Redirect.INHERIT)
                            .start();
                    helperB = new Helper(processB);
                    helperB.expect("ready");
                }
                return measure(engine, spec, engineLauncher, helper, argv, out, warmup, engineWarmup);
            } finally {
                if (helperB != null) {
                    helperB.close();
                    helperB = null;
                }
                for (Process p : processB == null ? List.of(process) : List.of(process, processB)) {
                    p.waitFor(5, TimeUnit.SECONDS);
                    p.destroyForcibly();
                }
            }
        }
    }

    private static Figures measure(
            LinuxSandboxEngine engine,
            RunSpec spec,
            ProcessHandle engineLauncher,
            Helper helper,
            List<String> argv,
            PrintStream out,
            int minWarmup,
            int engineWarmup)
            throws IOException, InterruptedException, ExecutionException {
        long[] bare = new long[RUNS];
        long[] launcher = new long[RUNS];
        long[] sandbox = new long[RUNS];
        long[] launcherB = new long[RUNS];
        long[] floor = new long[RUNS];
        int warmup = warmUp(engine, spec, engineLauncher, helper, argv, minWarmup);
        int alone =
                engineWarmup > 0 ? warmUpEngineAlone(engine, spec, engineLauncher, helper, warmup, engineWarmup) : 0;
        CpuMarks before = CpuMarks.read(engineLauncher, helper);
        long[] cpu = rounds(bare, launcher, sandbox, launcherB, floor, engine, spec, helper, argv);
        CpuMarks after = CpuMarks.read(engineLauncher, helper);
        // the JVM's CPU less what the bench spent driving the C helper on the same thread
        long jvmCpu = after.jvm - before.jvm - (after.own - before.own);
        long jitCpu = after.jit - before.jit;
        // the engine's calling thread: this one, less the same talk to the helper
        long jvmThreadCpu = after.thread - before.thread - (after.own - before.own);
        long engineLauncherCpu = after.engineLauncher - before.engineLauncher;
        long helperLauncherCpu = after.helperLauncher - before.helperLauncher;
        long helperBLauncherCpu = after.helperBLauncher - before.helperBLauncher;
        Arrays.sort(bare);
        Arrays.sort(launcherB);
        Arrays.sort(launcher);
        Arrays.sort(sandbox);
        Arrays.sort(floor);

        // 2 at a time, in blocks interleaved the same way
        int block = Math.max(2, RUNS / BLOCKS);
        long bare2 = 0;
        long launcher2 = 0;
        long engine2 = 0;
        long floor2 = 0;
        long launcherB2 = 0;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < BLOCKS; i++) {
                bare2 += helper.ask("bare2 " + block)[0];
                launcher2 += helper.ask("launch2 " + block)[0];
                if (helperB != null) {
                    launcherB2 += helperB.ask("launch2 " + block)[0];
                }
                engine2 += engineTwoAtATime(engine, spec, block, pool);
                long[] f2 = helper.ask("floor2 " + block);
                if (f2[2] != 0) {
                    throw new IOException("the floor, 2 at a time, failed " + f2[2] + " of " + block + " runs");
                }
                floor2 += f2[0];
            }
        } finally {
            pool.shutdownNow();
        }
        MachineFigures machine = machineCpu(engine, spec, engineLauncher, helper, block);
        double[] ab = helperB != null && AB_RUNS > 0 ? launchersAlone(helper, helperB) : new double[] {0, 0};
        int total = block * BLOCKS;
        Figures f = new Figures(
                ms(median(bare)),
                ms(median(launcher)),
                ms(median(sandbox)),
                ms(p90(bare)),
                ms(p90(launcher)),
                ms(p90(sandbox)),
                ms(cpu[0]) / RUNS,
                ms(helperLauncherCpu) / RUNS,
                ms(jvmCpu + engineLauncherCpu) / RUNS,
                ms(jvmCpu) / RUNS,
                ms(jitCpu) / RUNS,
                ms(jvmThreadCpu) / RUNS,
                ms(engineLauncherCpu) / RUNS,
                total / (bare2 / 1e9),
                total / (launcher2 / 1e9),
                total / (engine2 / 1e9),
                ms(median(launcherB)),
                ms(helperBLauncherCpu) / RUNS,
                launcherB2 > 0 ? total / (launcherB2 / 1e9) : 0,
                ms(median(floor)),
                ms(p90(floor)),
                ms(cpu[1]) / RUNS,
                total / (floor2 / 1e9),
                machine,
                ab[0],
                ab[1]);
        String name = String.join(" ", argv) + " (after " + warmup + " warm-up rounds"
                + (alone > 0 ? " and " + alone + " engine runs alone" : "") + ")";
        out.printf(
                Locale.ROOT,
                "%s%n  per run, median (p90):   C fork/exec %6.2f ms (%6.2f) | floor %6.2f ms (%6.2f)"
                        + " | launcher from C %6.2f ms (%6.2f) | engine %6.2f ms (%6.2f) = C + %.2f ms,"
                        + " floor + %.2f ms%n",
                name,
                f.bareMs(),
                f.bareP90(),
                f.floorMs(),
                f.floorP90(),
                f.launcherMs(),
                f.launcherP90(),
                f.engineMs(),
                f.engineP90(),
                f.engineMs() - f.bareMs(),
                f.engineMs() - f.floorMs());
        out.printf(
                Locale.ROOT,
                "  CPU per run, mean:        C fork/exec %6.2f ms          | floor %6.2f ms         "
                        + " | launcher server  %6.2f ms         "
                        + " | engine %6.2f ms (JVM %.2f: calling thread %.2f, other threads %.2f, of them JIT %.2f;"
                        + " + launcher %.2f) = C + %.2f ms, floor + %.2f ms%n",
                f.bareCpuMs(),
                f.floorCpuMs(),
                f.launcherCpuMs(),
                f.engineCpuMs(),
                f.jvmCpuMs(),
                f.jvmThreadCpuMs(),
                f.jvmCpuMs() - f.jvmThreadCpuMs(),
                f.jitCpuMs(),
                f.engineLauncherCpuMs(),
                f.engineCpuMs() - f.bareCpuMs(),
                f.engineCpuMs() - f.floorCpuMs());
        out.printf(
                Locale.ROOT,
                "  machine CPU per run:      C fork/exec %6.2f ms          | floor %6.2f ms         "
                        + " | launcher from C  %6.2f ms          | engine %6.2f ms = C + %.2f ms, floor + %.2f ms"
                        + "%n    of it outside the kinds' own processes (kernel threads): C fork/exec %.2f ms | floor %.2f"
                        + " ms | launcher from C %.2f ms | engine %.2f ms%n    (every task, kernel threads too, from %s;"
                        + " each kind alone in blocks of %d; the idle machine's %.1f ms a second taken off)%n",
                f.machine().bare(),
                f.machine().floor(),
                f.machine().launcher(),
                f.machine().engine(),
                f.machine().engine() - f.machine().bare(),
                f.machine().engine() - f.machine().floor(),
                f.machine().outside(KIND_BARE),
                f.machine().outside(KIND_FLOOR),
                f.machine().outside(KIND_LAUNCHER),
                f.machine().outside(KIND_ENGINE),
                ProcCpu.machineSource(),
                block,
                f.machine().idleMsPerS());
        out.printf(
                Locale.ROOT,
                "  back to back, mean:       C fork/exec %6.2f ms          | floor %6.2f ms         "
                        + " | launcher from C  %6.2f ms          | engine %6.2f ms = C + %.2f ms"
                        + "%n    (the same blocks' wall time: each run right after the one before, where the rounds"
                        + " give the engine's next run a round's time to get ready)%n",
                f.machine().backToBack(KIND_BARE),
                f.machine().backToBack(KIND_FLOOR),
                f.machine().backToBack(KIND_LAUNCHER),
                f.machine().backToBack(KIND_ENGINE),
                f.machine().backToBack(KIND_ENGINE) - f.machine().backToBack(KIND_BARE));
        out.printf(
                Locale.ROOT,
                "  2 at a time, %d runs:    C fork/exec %6.0f runs/s       | floor %6.0f runs/s       "
                        + " | launcher from C %6.0f runs/s      "
                        + " | engine %6.0f runs/s%n",
                total,
                f.bareRunsPerS2(),
                f.floorRunsPerS2(),
                f.launcherRunsPerS2(),
                f.engineRunsPerS2());
        if (LAUNCHER_B != null) {
            out.printf(
                    Locale.ROOT,
                    "  launcher B from C (%s): median %.2f ms, CPU per run %.2f ms, %.0f runs/s 2 at a time"
                            + " (launcher from C: %.2f, %.2f, %.0f)%n",
                    LAUNCHER_B,
                    f.launcherBMs(),
                    f.launcherBCpuMs(),
                    f.launcherBRunsPerS2(),
                    f.launcherMs(),
                    f.launcherCpuMs(),
                    f.launcherRunsPerS2());
            if (AB_RUNS > 0) {
                out.printf(
                        Locale.ROOT,
                        "  the two launchers alone, %d launches each, pairs in random order: CPU per run"
                                + " A %.3f ms | B %.3f ms, B - A %+.3f ms%n",
                        AB_RUNS,
                        f.abCpuMs(),
                        f.abBCpuMs(),
                        f.abBCpuMs() - f.abCpuMs());
            }
        }
        return f;
    }

    /**
     * {@link #AB_RUNS} launches of spec 0 by each helper's launcher, each pair's order drawn at random: the CPU per
     * launch of each launcher server with every process below it ({@code cpu}: clock ticks), {A, B} in ms.
     */
    private static double[] launchersAlone(Helper a, Helper b) throws IOException {
        long a0 = a.ask("cpu")[0];
        long b0 = b.ask("cpu")[0];
        for (int i = 0; i < AB_RUNS; i++) {
            boolean aFirst = AB_ORDER.nextBoolean();
            (aFirst ? a : b).ask("launch 0");
            (aFirst ? b : a).ask("launch 0");
        }
        long a1 = a.ask("cpu")[0];
        long b1 = b.ask("cpu")[0];
        return new double[] {ms(a1 - a0) / AB_RUNS, ms(b1 - b0) / AB_RUNS};
    }

    /**
     * {@code minWarmup} rounds ({@link #WARMUP}, {@link #WARMUP_NEXT}), then more in blocks of {@link #WARMUP_BLOCK} until the JIT settles:
     * {@link #SETTLED_BLOCKS} blocks in a row in each of which the JVM's total compilation time grew by
     * less than {@link #JIT_SETTLED_MS} (at most {@link #WARMUP_MAX_EXTRA} rounds more). Returns the
     * rounds done.
     */
    private static int warmUp(
            LinuxSandboxEngine engine,
            RunSpec spec,
            ProcessHandle engineLauncher,
            Helper helper,
            List<String> argv,
            int minWarmup)
            throws IOException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
        // the same method as the measured runs: the measured runs use code compiled here, not a fresh
        // compilation of their own loop (an on-stack replacement that inlines the whole engine)
        long[][] scratch = new long[5][WARMUP_BLOCK];
        int done = 0;
        while (done < minWarmup) {
            rounds(scratch[0], scratch[1], scratch[2], scratch[3], scratch[4], engine, spec, helper, argv);
            CpuMarks.read(engineLauncher, helper);
            done += WARMUP_BLOCK;
        }
        int quiet = 0;
        while (timed && minWarmup > 0 && quiet < SETTLED_BLOCKS && done < minWarmup + WARMUP_MAX_EXTRA) {
            long before = jit.getTotalCompilationTime();
            rounds(scratch[0], scratch[1], scratch[2], scratch[3], scratch[4], engine, spec, helper, argv);
            CpuMarks.read(engineLauncher, helper);
            done += WARMUP_BLOCK;
            // the JIT compiles in bursts: one quiet block does not mean it is done
            quiet = jit.getTotalCompilationTime() - before < JIT_SETTLED_MS ? quiet + 1 : 0;
        }
        return done;
    }

    /**
     * Engine runs alone, in blocks of {@link #ENGINE_BLOCK}, until the engine has run {@code engineWarmup} times
     * ({@link #ENGINE_WARMUP} for the first program) counting its {@code roundsDone} runs in the interleaved rounds,
     * then until {@link #SETTLED_BLOCKS} blocks in a row each added less than {@link #JIT_SETTLED_MS} of compilation
     * (at most {@link #ENGINE_WARMUP_MAX_EXTRA} runs more). Returns the runs done alone.
     */
    private static int warmUpEngineAlone(
            LinuxSandboxEngine engine,
            RunSpec spec,
            ProcessHandle engineLauncher,
            Helper helper,
            int roundsDone,
            int engineWarmup)
            throws IOException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
        int alone = 0;
        int quiet = 0;
        while (roundsDone + alone < engineWarmup
                || (timed && quiet < SETTLED_BLOCKS && roundsDone + alone < engineWarmup + ENGINE_WARMUP_MAX_EXTRA)) {
            long before = timed ? jit.getTotalCompilationTime() : 0;
            for (int i = 0; i < ENGINE_BLOCK; i++) {
                engineRun(engine, spec);
            }
            CpuMarks.read(engineLauncher, helper);
            alone += ENGINE_BLOCK;
            quiet = timed && jit.getTotalCompilationTime() - before < JIT_SETTLED_MS ? quiet + 1 : 0;
        }
        return alone;
    }

    /**
     * {@code bare.length} rounds ({@link #round}): each kind's wall times into its array; returns {the bare
     * runs' CPU, the floor runs' CPU}, in ns.
     */
    private static long[] rounds(
            long[] bare,
            long[] launcher,
            long[] sandbox,
            long[] launcherB,
            long[] floor,
            LinuxSandboxEngine engine,
            RunSpec spec,
            Helper helper,
            List<String> argv)
            throws IOException {
        long bareCpu = 0;
        long floorCpu = 0;
        for (int i = 0; i < bare.length; i++) {
            long[] r = round(engine, spec, helper, argv);
            bare[i] = r[0];
            bareCpu += r[1];
            launcher[i] = r[2];
            sandbox[i] = r[3];
            launcherB[i] = r[4];
            floor[i] = r[5];
            floorCpu += r[6];
        }
        return new long[] {bareCpu, floorCpu};
    }

    /** 0 .. kinds - 1 in random order ({@link #ORDER}). */
    private static List<Integer> shuffled(int kinds) {
        List<Integer> order = new ArrayList<>(kinds);
        for (int k = 0; k < kinds; k++) {
            order.add(k);
        }
        Collections.shuffle(order, ORDER);
        return order;
    }

    /**
     * One run of each kind, in an order drawn afresh for each round ({@link #ORDER}): {bare wall ns, bare CPU
     * ns, launcher wall ns, engine wall ns, second launcher's wall ns (0 without one), floor wall ns, floor CPU
     * ns}.
     */
    private static long[] round(LinuxSandboxEngine engine, RunSpec spec, Helper helper, List<String> argv)
            throws IOException {
        long[] b = null;
        long[] fl = null;
        long l = 0;
        long e = 0;
        long lb = 0;
        int kinds = helperB == null ? 4 : 5;
        for (int kind : shuffled(kinds)) {
            switch (kind) {
                case 0 -> b = helper.ask("bare");
                case 1 -> l = helper.ask("launch 0")[0];
                case 2 -> e = engineRun(engine, spec);
                case 3 -> fl = helper.ask("floor 0");
                default -> lb = helperB.ask("launch 0")[0];
            }
        }
        if (b[2] != 0) {
            throw new IOException("bare " + argv + " failed");
        }
        if (fl[2] != 0) {
            throw new IOException("the floor's run of " + argv + " failed");
        }
        return new long[] {b[0], b[1], l, e, lb, fl[0], fl[1]};
    }

    /**
     * The whole machine's CPU per run of each kind ({@link ProcCpu#machineNanos}: every task, kernel threads too).
     * The per-process figures miss the work the kernel finishes for a run after it, on its own threads: a
     * network namespace's clean-up, a freed seccomp filter's, RCU callbacks (a throwaway harness measured ~0.7-1.0
     * ms a run of it behind the engine's {@code /bin/true} runs). Here each kind runs alone, one run at a time,
     * in blocks of {@code block} runs, the kinds' order rotating block by block with a block of nothing among
     * them; each block's CPU is read {@link #SETTLE_MS} after its last run, and what the machine used over the
     * same time with no run (the blocks of nothing: {@link #IDLE_BLOCK_MS} each) is taken off. The C kinds run
     * a block per command to the helper: the bench's own JVM does nothing meanwhile.
     */
    private static MachineFigures machineCpu(
            LinuxSandboxEngine engine, RunSpec spec, ProcessHandle engineLauncher, Helper helper, int block)
            throws IOException, InterruptedException {
        int kinds = helperB == null ? KIND_LAUNCHER_B : KIND_LAUNCHER_B + 1;
        long[] cpu = new long[kinds];
        long[] time = new long[kinds];
        long[] own = new long[kinds];
        long[] wall = new long[kinds];
        for (int i = 0; i < BLOCKS; i++) {
            for (int k = 0; k < kinds; k++) {
                int kind = (i + k) % kinds;
                long p0 = ownCpu(kind, engineLauncher, helper);
                long m0 = ProcCpu.machineNanos();
                long t0 = System.nanoTime();
                long[] r = {0, 0, 0};
                switch (kind) {
                    case KIND_BARE -> {
                        r = helper.ask("bare1 " + block);
                        wall[kind] += r[0];
                    }
                    case KIND_FLOOR -> {
                        r = helper.ask("floor1 " + block);
                        wall[kind] += r[0];
                    }
                    case KIND_LAUNCHER -> {
                        long[] l = helper.ask("launch1 " + block);
                        wall[kind] += l[0];
                        r[2] = l[1];
                    }
                    case KIND_ENGINE -> {
                        for (int run = 0; run < block; run++) {
                            wall[kind] += engineRun(engine, spec);
                        }
                    }
                    case KIND_NOTHING -> Thread.sleep(IDLE_BLOCK_MS);
                    default -> r[2] = helperB.ask("launch1 " + block)[1];
                }
                Thread.sleep(SETTLE_MS);
                cpu[kind] += ProcCpu.machineNanos() - m0;
                time[kind] += System.nanoTime() - t0;
                // the C kinds' own CPU is the helper's getrusage over the block; the others' is read around it
                own[kind] += kind == KIND_BARE || kind == KIND_FLOOR ? r[1] : ownCpu(kind, engineLauncher, helper) - p0;
                if (r[2] != 0) {
                    throw new IOException("machine CPU, kind " + kind + ": " + r[2] + " of " + block + " runs failed");
                }
            }
        }
        double idlePerNano = (double) cpu[KIND_NOTHING] / time[KIND_NOTHING];
        double runs = (double) block * BLOCKS;
        double[] machine = new double[kinds];
        double[] process = new double[kinds];
        double[] backToBack = new double[kinds];
        for (int k = 0; k < kinds; k++) {
            machine[k] = (cpu[k] - idlePerNano * time[k]) / 1e6 / runs;
            process[k] = own[k] / 1e6 / runs;
            backToBack[k] = wall[k] / 1e6 / runs;
        }
        return new MachineFigures(machine, process, idlePerNano * 1e3, backToBack);
    }

    /**
     * What a kind's own processes have used so far, in ns, for {@link #machineCpu}: the launcher server's tree
     * (the helper's or the second helper's; clock ticks) or the JVM with the engine's launcher tree; 0 for the
     * others, whose CPU the helper measures itself (or none runs).
     */
    private static long ownCpu(int kind, ProcessHandle engineLauncher, Helper helper) throws IOException {
        return switch (kind) {
            case KIND_LAUNCHER -> helper.serverCpuNanos();
            case KIND_ENGINE -> processCpuNanos() + ProcCpu.treeNanos(engineLauncher);
            case KIND_LAUNCHER_B -> helperB.serverCpuNanos();
            default -> 0;
        };
    }

    private static long engineRun(LinuxSandboxEngine engine, RunSpec spec) throws IOException {
        long t0 = System.nanoTime();
        RunResult r = engine.run(spec);
        long t = System.nanoTime() - t0;
        if (r.status() != RunStatus.OK) {
            throw new IOException("sandboxed " + spec.argv() + " did not succeed: " + r.status() + " " + r.message());
        }
        return t;
    }

    private static long engineTwoAtATime(LinuxSandboxEngine engine, RunSpec spec, int runs, ExecutorService pool)
            throws InterruptedException, ExecutionException, IOException {
        long t0 = System.nanoTime();
        List<Future<RunResult>> futures = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            futures.add(pool.submit(() -> engine.run(spec)));
        }
        for (Future<RunResult> f : futures) {
            RunResult r = f.get();
            if (r.status() != RunStatus.OK) {
                throw new IOException("sandboxed run, 2 at a time, failed: " + r.status() + " " + r.message());
            }
        }
        return System.nanoTime() - t0;
    }

    /**
     * The CPU counters read around the measured rounds, in ns: the JVM's, the bench's own share of it (driving
     * the C helper), its JIT compiler threads', the engine's launcher tree's and the C helper's launcher's. Read
     * after every warm-up block too: otherwise their first reads of {@code /proc} happen at the start of the
     * measured rounds, and {@code -XX:+PrintCompilation} showed compiled code being thrown away there (uncommon
     * traps in a reader's {@code readLine}, {@code split}, channel reads: paths through shared JDK code the warm-up
     * had not taken) and compiled again within the measured rounds. The JIT's CPU in the measured rounds still
     * varies from run to run (0.1-0.5 ms per run of {@code /bin/true}; ~0.2 over 1500 runs): compiled code is
     * still being replaced after thousands of rounds, hence {@code jit_cpu_ms}.
     */
    private record CpuMarks(
            long jvm, long thread, long own, long jit, long engineLauncher, long helperLauncher, long helperBLauncher) {
        static CpuMarks read(ProcessHandle engineLauncher, Helper helper) throws IOException {
            long b = helperB == null ? 0 : helperB.serverCpuNanos();
            return new CpuMarks(
                    processCpuNanos(),
                    THREADS.getCurrentThreadCpuTime(),
                    helper.ownCpuNanos + (helperB == null ? 0 : helperB.ownCpuNanos),
                    ProcCpu.jitNanos("self"),
                    ProcCpu.treeNanos(engineLauncher),
                    helper.serverCpuNanos(),
                    b);
        }
    }

    /** The JVM's CPU, every thread (CLOCK_PROCESS_CPUTIME_ID on Linux), in ns. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The C helper, one command a line. */
    private static final class Helper implements AutoCloseable {
        private final Writer in;
        private final BufferedReader out;

        Helper(Process p) {
            this.in = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.US_ASCII);
            this.out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
        }

        void expect(String line) throws IOException {
            String got = out.readLine();
            if (!line.equals(got)) {
                throw new IOException("the C helper said " + got + " instead of " + line);
            }
        }

        /** This thread's CPU spent talking to the helper (the bench's own work, not the engine's), in ns. */
        long ownCpuNanos;

        long[] ask(String command) throws IOException {
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            try {
                return askUncounted(command);
            } finally {
                ownCpuNanos += THREADS.getCurrentThreadCpuTime() - cpu0;
            }
        }

        private long[] askUncounted(String command) throws IOException {
            in.write(command + "\n");
            in.flush();
            String line = out.readLine();
            if (line == null || line.startsWith("error")) {
                throw new IOException("the C helper failed on '" + command + "': " + line);
            }
            long[] v = Arrays.stream(line.trim().split(" "))
                    .mapToLong(Long::parseLong)
                    .toArray();
            if (command.startsWith("launch") && v[v.length - 1] != 0) {
                throw new IOException("a run of the launcher driven from C failed ('" + command + "')");
            }
            return v;
        }

        long serverCpuNanos() throws IOException {
            return ask("cpu")[0];
        }

        @Override
        public void close() throws IOException {
            in.write("quit\n");
            in.close();
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }

    private static long median(long[] sorted) {
        return sorted[sorted.length / 2];
    }

    private static long p90(long[] sorted) {
        return sorted[(int) (sorted.length * 0.9)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
