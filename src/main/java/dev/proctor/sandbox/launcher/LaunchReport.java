package dev.proctor.sandbox.launcher;

import dev.proctor.sandbox.accounting.Sample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the launcher's supervisor reports for one run: facts only (how the job ended, what
 * stopped it, bytes written), never a verdict. Every key of the reply is documented once, beside
 * {@code struct spec} in src/main/c/launcher/launcher.h; each component here is the key of its name.
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
        long endMonoMicros,
        boolean keep,
        boolean pid1Killed) {

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
        List<Sample> samples = List.of();
        boolean ended = false;
        boolean keep = false;
        boolean pid1Killed = false;
        // one pass over the lines, no split and no substring per key (a reply is parsed every run)
        int length = text.length();
        for (int start = 0; start < length; ) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? length : nl;
            int eq = text.indexOf('=', start);
            if (eq < 0 || eq > end) {
                ended |= text.startsWith("end", start) && end - start == 3;
            } else {
                int from = eq + 1;
                switch (text.substring(start, eq)) {
                    case "error" -> error = text.substring(from, end);
                    case "exit_code" -> exit = Integer.parseInt(text, from, end, 10);
                    case "signal" -> signal = Integer.parseInt(text, from, end, 10);
                    case "wall_us" -> wall = Long.parseLong(text, from, end, 10);
                    case "killed_by" -> killedBy = killedBy(text.substring(from, end));
                    case "stdout_bytes" -> out = Long.parseLong(text, from, end, 10);
                    case "stderr_bytes" -> err = Long.parseLong(text, from, end, 10);
                    case "cpu_us" -> cpu = Long.parseLong(text, from, end, 10);
                    case "end_mono_us" -> endMono = Long.parseLong(text, from, end, 10);
                    case "keep" -> keep = end - from == 1 && text.charAt(from) == '1';
                    case "pid1_killed" -> pid1Killed = end - from == 1 && text.charAt(from) == '1';
                    case "sample" -> {
                        if (samples.isEmpty()) {
                            samples = new ArrayList<>();
                        }
                        samples.add(parseSample(text.substring(from, end)));
                    }
                    default -> {}
                }
            }
            start = end + 1;
        }
        if (!ended && error == null) {
            error = "step=report errno=0 detail=the launcher's report ended early (supervisor died)";
        }
        // a connection is kept only after a whole report that says so
        return new LaunchReport(
                error, exit, signal, wall, killedBy, out, err, cpu, samples, endMono, keep && ended, pid1Killed);
    }

    /** The reply's {@code killed_by} values: each constant's name in lower case. */
    private static final Map<String, KilledBy> KILLED_BY = Arrays.stream(KilledBy.values())
            .collect(Collectors.toUnmodifiableMap(k -> k.name().toLowerCase(Locale.ROOT), k -> k));

    private static KilledBy killedBy(String value) {
        KilledBy k = KILLED_BY.get(value);
        return k != null ? k : KilledBy.valueOf(value.toUpperCase(Locale.ROOT));
    }

    private static Sample parseSample(String value) {
        String[] parts = value.split(",");
        return new Sample(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]));
    }
}
