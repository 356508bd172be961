package dev.proctor.cli;

import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.NetworkMode;
import dev.proctor.sandbox.RunSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The options of {@code proctor run}, parsed and bounded. Bad input: {@link UsageException}. */
record RunOptions(
        Limits limits,
        Path stdin,
        Path workdir,
        String image,
        String seccomp,
        NetworkMode network,
        Map<String, String> env,
        Path stdoutFile,
        Path stderrFile,
        List<String> command) {

    /** A command-line mistake: printed with the usage, exit 2. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    static final long MAX_CPU_MS = 3_600_000;
    static final long MAX_MEMORY_MB = 65_536;
    static final int MAX_PIDS = 4096;
    static final long MAX_OUTPUT_KB = 1_048_576;
    static final long MAX_DISK_MB = 65_536;

    static RunOptions parse(String[] args) throws UsageException {
        long cpuMs = 1000;
        long wallMs = -1;
        long memoryMb = 256;
        int pids = 64;
        long outputKb = 1024;
        long diskMb = 64;
        Path stdin = null;
        Path workdir = null;
        Path stdoutFile = null;
        Path stderrFile = null;
        String image = "host";
        String seccomp = "default";
        NetworkMode network = NetworkMode.NONE;
        Map<String, String> env = new LinkedHashMap<>();
        int i = 0;
        for (; i < args.length && !args[i].equals("--"); i++) {
            String opt = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null || value.equals("--")) {
                throw new UsageException("option " + opt + " needs a value");
            }
            i++;
            switch (opt) {
                case "--cpu-time-ms" -> cpuMs = number(opt, value, 1, MAX_CPU_MS);
                case "--wall-time-ms" -> wallMs = number(opt, value, 1, MAX_CPU_MS * 2);
                case "--memory-mb" -> memoryMb = number(opt, value, 4, MAX_MEMORY_MB);
                case "--pids" -> pids = (int) number(opt, value, 1, MAX_PIDS);
                case "--output-kb" -> outputKb = number(opt, value, 0, MAX_OUTPUT_KB);
                case "--disk-mb" -> diskMb = number(opt, value, 1, MAX_DISK_MB);
                case "--stdin" -> stdin = Path.of(value);
                case "--workdir" -> workdir = Path.of(value);
                case "--image" -> image = value;
                case "--seccomp" -> seccomp = value;
                case "--network" -> network = network(value);
                case "--env" -> putEnv(env, value);
                case "--stdout" -> stdoutFile = Path.of(value);
                case "--stderr" -> stderrFile = Path.of(value);
                default -> throw new UsageException("unknown option " + opt);
            }
        }
        if (i >= args.length - 1) {
            throw new UsageException("missing -- COMMAND [ARGS...]");
        }
        List<String> command = new ArrayList<>(List.of(args).subList(i + 1, args.length));
        RunSpec.BASE_ENV.forEach(env::putIfAbsent);
        long wall = wallMs > 0 ? wallMs : Math.max(cpuMs * 3, 1000);
        Limits limits = new Limits(
                Duration.ofMillis(cpuMs),
                Duration.ofMillis(wall),
                memoryMb * Limits.MIB,
                pids,
                outputKb * 1024,
                diskMb * Limits.MIB,
                1.0);
        return new RunOptions(limits, stdin, workdir, image, seccomp, network, env, stdoutFile, stderrFile, command);
    }

    private static long number(String opt, String value, long min, long max) throws UsageException {
        try {
            long v = Long.parseLong(value);
            if (v < min || v > max) {
                throw new UsageException(opt + " must be between " + min + " and " + max + ", got " + value);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException(opt + " must be a whole number, got '" + value + "'");
        }
    }

    private static NetworkMode network(String value) throws UsageException {
        return switch (value) {
            case "none" -> NetworkMode.NONE;
            case "loopback" -> NetworkMode.LOOPBACK;
            default -> throw new UsageException("--network must be none or loopback, got '" + value + "'");
        };
    }

    private static void putEnv(Map<String, String> env, String value) throws UsageException {
        int eq = value.indexOf('=');
        if (eq <= 0) {
            throw new UsageException("--env must be KEY=VALUE, got '" + value + "'");
        }
        env.put(value.substring(0, eq), value.substring(eq + 1));
    }
}
