package dev.proctor.sandbox;

import dev.proctor.sandbox.accounting.Sample;
import dev.proctor.sandbox.accounting.Usage;
import java.util.List;

/**
 * How a run ended and what it used.
 *
 * @param status        the run's status, decided by {@link RunStatusRules}
 * @param exitCode      exit code if the program exited, else null
 * @param signal        signal name (e.g. {@code SIGSEGV}) if the program was killed by a signal, else null
 * @param usage         accounting read from the cgroup stat files
 * @param stdout        captured stdout, at most the capture cap
 * @param stderr        captured stderr, at most the capture cap
 * @param timeline      memory/CPU samples taken while the run ran (empty unless asked for)
 * @param message       for internal errors: what failed (step and errno), else null
 * @param memoryLimitBytes the memory limit the run ran with (0 when it never started)
 */
public record RunResult(
        RunStatus status,
        Integer exitCode,
        String signal,
        Usage usage,
        byte[] stdout,
        byte[] stderr,
        List<Sample> timeline,
        String message,
        long memoryLimitBytes) {

    /** A result with no memory limit recorded (a run that never started, test doubles). */
    public RunResult(
            RunStatus status,
            Integer exitCode,
            String signal,
            Usage usage,
            byte[] stdout,
            byte[] stderr,
            List<Sample> timeline,
            String message) {
        this(status, exitCode, signal, usage, stdout, stderr, timeline, message, 0);
    }

    public RunResult {
        timeline = timeline == null ? List.of() : List.copyOf(timeline);
        stdout = stdout == null ? new byte[0] : stdout;
        stderr = stderr == null ? new byte[0] : stderr;
    }

    public static RunResult internalError(String message) {
        return new RunResult(RunStatus.INTERNAL_ERROR, null, null, Usage.NONE, null, null, List.of(), message);
    }
}
