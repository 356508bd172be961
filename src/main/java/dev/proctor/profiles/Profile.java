package dev.proctor.profiles;

import java.util.List;
import java.util.Map;

/**
 * A language profile, read from {@code sandbox-profiles/languages/NAME.json} (schema in the README
 * next to them).
 *
 * @param compileArgv  the compile command, or empty when the language has no compile step
 * @param versionArgv  run on the host once to report the toolchain version, or empty
 */
public record Profile(String name, String description, String sourceFile, List<String> compileArgv,
                      List<String> runArgv, Map<String, String> env, String image, String seccomp,
                      StepLimits compileLimits, StepLimits runLimits, List<String> versionArgv) {

    /** Limits a step gets when the request names none, and the most a request may ask for. */
    public record StepLimits(LimitSet defaults, LimitSet maximum) {
    }

    public boolean compiles() {
        return !compileArgv.isEmpty();
    }
}
