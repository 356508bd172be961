package dev.proctor.profiles;

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
