package dev.proctor.sandbox.launcher;

import dev.proctor.sandbox.accounting.Sample;
import java.util.ArrayList;
import java.util.List;

/**
 * What the launcher's supervisor reports for one run: facts only (how the job ended, what
 * stopped it, bytes written), never a verdict.
 *
 * @param error        "step=mounts errno=1 detail=/usr" when Proctor failed before or at exec, else null
 * @param exitCode     exit code when the job exited
 * @param signal       signal number when the job was killed by a signal
 * @param killedBy     what the supervisor killed the run for
 * @param endMonoMicros when the run ended, on CLOCK_MONOTONIC (the clock of {@link System#nanoTime()}), 0 if unknown
 */
public record LaunchReport(
        String error,
        Integer exitCode,
        Integer signal,
        long wallMicros,
        KilledBy killedBy,
        long stdoutBytes,
        long stderrBytes,
        long cpuMicros,
        List<Sample> samples,
        long endMonoMicros) {

    /** The failure, typed (step, errno, detail); null when the job was executed. */
    public LaunchFailure failure() {
        return error == null ? null : LaunchFailure.parse(error);
    }

    /** Why the supervisor ended a run itself. */
    public enum KilledBy {
        NONE,
        CPU,
        WALL,
        OUTPUT,
        CANCEL,
        INTERNAL
    }

    public static LaunchReport parse(String text) {
        String error = null;
        Integer exit = null;
        Integer signal = null;
        long wall = 0;
        long out = 0;
        long err = 0;
        long cpu = 0;
        long endMono = 0;
        KilledBy killedBy = KilledBy.NONE;
        List<Sample> samples = new ArrayList<>();
        boolean ended = false;
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (line.equals("end")) {
                ended = true;
                continue;
            }
            if (eq < 0) {
                continue;
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            switch (key) {
                case "error" -> error = value;
                case "exit_code" -> exit = Integer.parseInt(value);
                case "signal" -> signal = Integer.parseInt(value);
                case "wall_us" -> wall = Long.parseLong(value);
                case "killed_by" -> killedBy = KilledBy.valueOf(value.toUpperCase(java.util.Locale.ROOT));
                case "stdout_bytes" -> out = Long.parseLong(value);
                case "stderr_bytes" -> err = Long.parseLong(value);
                case "cpu_us" -> cpu = Long.parseLong(value);
                case "end_mono_us" -> endMono = Long.parseLong(value);
                case "sample" -> samples.add(parseSample(value));
                default -> {}
            }
        }
        if (!ended && error == null) {
            error = "step=report errno=0 detail=the launcher's report ended early (supervisor died)";
        }
        return new LaunchReport(error, exit, signal, wall, killedBy, out, err, cpu, samples, endMono);
    }

    private static Sample parseSample(String value) {
        String[] parts = value.split(",");
        return new Sample(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]));
    }
}
