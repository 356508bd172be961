package dev.proctor.bench;

import dev.proctor.cli.CliEnvironment;
import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.LinuxSandboxEngine;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunSpec;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.SandboxEngine;
import dev.proctor.sandbox.SandboxException;
import dev.proctor.sandbox.Workdir;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The sandbox's cost per run: the whole engine path (cgroups, overlay rootfs, every namespace,
 * seccomp, accounting, clean-up) beside a bare fork/exec of the same command from the same JVM,
 * interleaved so that machine noise hits both alike. Prints figures; asserts nothing.
 */
final class SandboxBench {

    private static final int RUNS = Integer.getInteger("proctor.bench.runs", 300);
    private static final int WARMUP = 30;

    private SandboxBench() {}

    public static int run(PrintStream out, PrintStream err) {
        try (SandboxEngine engine = LinuxSandboxEngine.start(CliEnvironment.engineConfig());
                Workdir workdir = engine.createWorkdir(64 * Limits.MIB)) {
            out.printf(
                    "proctor bench sandbox: %d runs each, interleaved with bare runs (cgroup %s)%n",
                    RUNS, engine.info().cgroupVersion());
            compare(engine, workdir, List.of("/bin/true"), out);
            compare(engine, workdir, List.of("/usr/bin/python3", "-c", "pass"), out);
            throughput(engine, workdir, out);
            return 0;
        } catch (SandboxException | IOException | InterruptedException e) {
            err.println("proctor bench: " + e.getMessage());
            return 1;
        }
    }

    private static RunSpec spec(Workdir workdir, List<String> argv) {
        return RunSpec.simple(workdir, argv, Limits.defaults());
    }

    private static void compare(SandboxEngine engine, Workdir workdir, List<String> argv, PrintStream out)
            throws IOException, InterruptedException {
        long[] sandbox = new long[RUNS];
        long[] bare = new long[RUNS];
        RunSpec spec = spec(workdir, argv);
        for (int i = -WARMUP; i < RUNS; i++) {
            long t0 = System.nanoTime();
            RunResult r = engine.run(spec);
            long t1 = System.nanoTime();
            new ProcessBuilder(argv).redirectErrorStream(true).start().waitFor();
            long t2 = System.nanoTime();
            if (r.status() != RunStatus.OK) {
                throw new IOException("sandboxed " + argv + " did not succeed: " + r.status() + " " + r.message());
            }
            if (i >= 0) {
                sandbox[i] = t1 - t0;
                bare[i] = t2 - t1;
            }
        }
        Arrays.sort(sandbox);
        Arrays.sort(bare);
        double ratio = (double) median(sandbox) / median(bare);
        out.printf(
                "%-28s sandbox median %6.2f ms p90 %6.2f ms | bare median %6.2f ms p90 %6.2f ms | ratio %.2fx%n",
                String.join(" ", argv), ms(median(sandbox)), ms(p90(sandbox)), ms(median(bare)), ms(p90(bare)), ratio);
    }

    private static void throughput(SandboxEngine engine, Workdir workdir, PrintStream out) throws InterruptedException {
        RunSpec spec = spec(workdir, List.of("/bin/true"));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            int total = RUNS * 2;
            long t0 = System.nanoTime();
            List<Future<RunResult>> futures = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                futures.add(pool.submit(() -> engine.run(spec)));
            }
            int ok = 0;
            for (Future<RunResult> f : futures) {
                try {
                    ok += f.get().status() == RunStatus.OK ? 1 : 0;
                } catch (java.util.concurrent.ExecutionException e) {
                    // counted as not ok
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            out.printf(
                    "/bin/true, 2 at a time: %d runs (%d ok) in %.2f s = %.0f runs/s%n",
                    total, ok, seconds, total / seconds);
        } finally {
            pool.shutdownNow();
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
