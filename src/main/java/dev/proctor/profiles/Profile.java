package dev.proctor.profiles;

import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.NetworkMode;
import dev.proctor.sandbox.RunSpec;
import dev.proctor.sandbox.Stdin;
import dev.proctor.sandbox.Workdir;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A language profile, read from {@code sandbox-profiles/languages/NAME.json} (schema in the README
 * next to them).
 *
 * @param compileArgv  the compile command, or empty when the language has no compile step
 * @param versionArgv  run once in the sandbox at start-up to report the toolchain version, or empty
 * @param oomMarkers   text that, in the last {@link #OOM_MARKER_WINDOW} bytes of stdout or stderr of a
 *                     run that ended in a runtime error, means the runtime ran out of its own memory bound
 *                     (a JVM heap): the run is memory_limit_exceeded, not runtime_error
 */
public record Profile(
        String name,
        String description,
        String sourceFile,
        List<String> compileArgv,
        List<String> runArgv,
        Map<String, String> env,
        String image,
        String seccomp,
        StepLimits compileLimits,
        StepLimits runLimits,
        List<String> versionArgv,
        List<String> oomMarkers) {

    /** How much of the end of each output stream is searched for an out-of-memory marker. */
    public static final int OOM_MARKER_WINDOW = 4096;

    /** Limits a step gets when the request names none, and the most a request may ask for. */
    public record StepLimits(LimitSet defaults, LimitSet maximum) {}

    public boolean compiles() {
        return !compileArgv.isEmpty();
    }

    /**
     * The one way a program of this profile becomes a run: the base environment ({@link RunSpec#BASE_ENV})
     * with the profile's over it, {@code argv}'s templates expanded for the memory limit, then {@code args}
     * (a job's command-line arguments) unexpanded; the profile's image and seccomp profile, no network.
     */
    public RunSpec runSpec(
            List<String> argv, List<String> args, Limits limits, Workdir wd, Stdin stdin, Duration sampleInterval) {
        Map<String, String> runEnv = new HashMap<>(RunSpec.BASE_ENV);
        runEnv.putAll(env);
        List<String> command = new ArrayList<>(ArgvTemplate.expand(argv, limits.memoryBytes() / Limits.MIB));
        command.addAll(args);
        return new RunSpec(image, command, runEnv, wd, stdin, limits, seccomp, NetworkMode.NONE, sampleInterval);
    }

    /** Whether a run that exited non-zero with this output ran out of the runtime's own memory bound. */
    public boolean ranOutOfMemory(byte[] stdout, byte[] stderr) {
        return !oomMarkers.isEmpty() && (hasMarker(stdout) || hasMarker(stderr));
    }

    private boolean hasMarker(byte[] out) {
        int from = Math.max(0, out.length - OOM_MARKER_WINDOW);
        String tail = new String(out, from, out.length - from, java.nio.charset.StandardCharsets.UTF_8);
        return oomMarkers.stream().anyMatch(tail::contains);
    }
}
