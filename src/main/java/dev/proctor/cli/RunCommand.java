package dev.proctor.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.core.ByteFields;
import dev.proctor.sandbox.EngineConfig;
import dev.proctor.sandbox.LinuxSandboxEngine;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunSpec;
import dev.proctor.sandbox.SandboxEngine;
import dev.proctor.sandbox.SandboxException;
import dev.proctor.sandbox.Stdin;
import dev.proctor.sandbox.Workdir;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code proctor run [options] -- COMMAND [ARGS...]}: one run through the engine, without the
 * service (like {@code isolate --run}). Prints one JSON object; exit 0 whatever the program did,
 * 2 for bad options, 1 when Proctor itself failed.
 */
public final class RunCommand {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RunCommand() {}

    public static int execute(String[] args, PrintStream out, PrintStream err) {
        return execute(args, CliEnvironment.engineConfig(), out, err);
    }

    /** As {@link #execute(String[], PrintStream, PrintStream)}, with the engine configured by the caller. */
    public static int execute(String[] args, EngineConfig config, PrintStream out, PrintStream err) {
        RunOptions options;
        try {
            options = RunOptions.parse(args);
            checkPaths(options);
        } catch (RunOptions.UsageException e) {
            err.println("proctor run: " + e.getMessage());
            err.println("usage: proctor run [--cpu-time-ms N] [--wall-time-ms N] [--memory-mb N] [--pids N]"
                    + " [--output-kb N] [--disk-mb N] [--stdin FILE] [--workdir DIR] [--image NAME]"
                    + " [--seccomp NAME] [--network none|loopback] [--env K=V]... [--stdout FILE] [--stderr FILE]"
                    + " -- COMMAND [ARGS...]");
            return 2;
        }
        try (SandboxEngine engine = LinuxSandboxEngine.start(config);
                Workdir workdir = engine.createWorkdir(options.limits().diskBytes())) {
            if (options.workdir() != null) {
                WorkdirCopy.copyIn(options.workdir(), workdir);
            }
            Stdin stdin = options.stdin() == null ? Stdin.empty() : Stdin.of(options.stdin());
            RunSpec spec = new RunSpec(
                    options.image(),
                    options.command(),
                    options.env(),
                    workdir,
                    stdin,
                    options.limits(),
                    options.seccomp(),
                    options.network(),
                    Duration.ZERO);
            RunResult result = engine.run(spec);
            // the program's tree comes back bounded, and whatever it holds, the result is printed
            WorkdirCopy.Report copied = options.workdir() == null
                    ? null
                    : WorkdirCopy.copyOut(workdir, options.workdir(), workdir.sizeBytes());
            out.println(JSON.writeValueAsString(toJson(result, options, copied)));
            return result.status() == dev.proctor.sandbox.RunStatus.INTERNAL_ERROR ? 1 : 0;
        } catch (SandboxException | IOException e) {
            err.println("proctor run: " + e.getMessage());
            return 1;
        }
    }

    private static void checkPaths(RunOptions o) throws RunOptions.UsageException {
        if (o.stdin() != null && !Files.isRegularFile(o.stdin())) {
            throw new RunOptions.UsageException("--stdin: no such file: " + o.stdin());
        }
        if (o.workdir() != null && !Files.isDirectory(o.workdir())) {
            throw new RunOptions.UsageException("--workdir: no such directory: " + o.workdir());
        }
        for (Path p : new Path[] {o.stdoutFile(), o.stderrFile()}) {
            if (p != null
                    && p.toAbsolutePath().getParent() != null
                    && !Files.isDirectory(p.toAbsolutePath().getParent())) {
                throw new RunOptions.UsageException("no such directory for " + p);
            }
        }
    }

    private static Map<String, Object> toJson(RunResult r, RunOptions o, WorkdirCopy.Report copied) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", r.status().wire());
        m.put("exit_code", r.exitCode());
        m.put("signal", r.signal());
        m.put("cpu_time_ms", r.usage().cpuTimeMicros() / 1000.0);
        m.put("user_time_ms", r.usage().userTimeMicros() / 1000.0);
        m.put("system_time_ms", r.usage().systemTimeMicros() / 1000.0);
        m.put("wall_time_ms", r.usage().wallTimeMicros() / 1000.0);
        m.put("memory_peak_bytes", r.usage().memoryPeakBytes());
        m.put("pids_peak", r.usage().pidsPeak() < 0 ? null : r.usage().pidsPeak());
        m.put("oom_killed", r.usage().oomKills() > 0);
        m.put("throttled_ms", r.usage().throttledMicros() / 1000.0);
        stream(m, "stdout", r.stdout(), o.stdoutFile());
        stream(m, "stderr", r.stderr(), o.stderrFile());
        m.put("stdout_bytes", r.usage().stdoutBytes());
        m.put("stderr_bytes", r.usage().stderrBytes());
        if (r.message() != null) {
            m.put("message", r.message());
        }
        if (copied != null) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("files", copied.files());
            c.put("bytes", copied.bytes());
            c.put("skipped", copied.skipped());
            c.put("limit_reached", copied.limit());
            m.put("copied_back", c);
        }
        return m;
    }

    /**
     * The captured stream inline — text where it is valid UTF-8, else base64, said by {@code <name>_encoding}
     * as in the API — or written to the file asked for (then null inline).
     */
    private static void stream(Map<String, Object> m, String name, byte[] bytes, Path file) throws IOException {
        if (file != null) {
            Files.write(file, bytes);
            m.put(name, null);
            return;
        }
        ByteFields.Encoded e = ByteFields.encode(bytes, ByteFields.Mode.AUTO);
        m.put(name, e.value());
        m.put(ByteFields.encodingField(name), e.encoding());
    }
}
