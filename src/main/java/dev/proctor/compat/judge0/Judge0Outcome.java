package dev.proctor.compat.judge0;

import com.fasterxml.jackson.databind.JsonNode;
import dev.proctor.compat.common.StoredJob;
import dev.proctor.grading.JobResult;
import dev.proctor.grading.Verdict;
import dev.proctor.jobs.JobState;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * What Judge0 would report for a job: the status (Judge0's ids), message, exit code and signal, times and
 * memory (the average over the runs, as Judge0 reports number_of_runs) and the output of the run shown.
 */
record Judge0Outcome(
        Judge0Status status,
        String message,
        Integer exitCode,
        Integer exitSignal,
        String time,
        String wallTime,
        Integer memoryKb,
        byte[] stdout,
        byte[] stderr,
        byte[] compileOutput) {

    private static final Map<String, Integer> SIGNALS = Map.ofEntries(
            Map.entry("SIGHUP", 1),
            Map.entry("SIGINT", 2),
            Map.entry("SIGQUIT", 3),
            Map.entry("SIGILL", 4),
            Map.entry("SIGTRAP", 5),
            Map.entry("SIGABRT", 6),
            Map.entry("SIGBUS", 7),
            Map.entry("SIGFPE", 8),
            Map.entry("SIGKILL", 9),
            Map.entry("SIGUSR1", 10),
            Map.entry("SIGSEGV", 11),
            Map.entry("SIGUSR2", 12),
            Map.entry("SIGPIPE", 13),
            Map.entry("SIGALRM", 14),
            Map.entry("SIGTERM", 15),
            Map.entry("SIGXCPU", 24),
            Map.entry("SIGXFSZ", 25),
            Map.entry("SIGSYS", 31));

    static Judge0Outcome of(StoredJob s) {
        JobState state = s.job().state;
        if (state == JobState.QUEUED) {
            return pending(Judge0Status.IN_QUEUE);
        }
        if (state == JobState.RUNNING) {
            return pending(Judge0Status.PROCESSING);
        }
        byte[] compileOutput = empty(s.compile() == null ? null : s.compile().output());
        if (state == JobState.CANCELLED) {
            return notRun(Judge0Status.INTERNAL_ERROR, "the submission was cancelled", compileOutput);
        }
        if (s.job().verdict == Verdict.COMPILE_ERROR) {
            Integer exit = s.compile() == null ? null : s.compile().exitCode();
            return notRun(
                    Judge0Status.COMPILATION_ERROR,
                    "Exited with error status " + (exit != null ? exit : 1),
                    compileOutput);
        }
        List<JobResult.TestOutcome> tests = s.tests();
        if (tests.isEmpty()) {
            return notRun(Judge0Status.INTERNAL_ERROR, s.job().error, compileOutput);
        }
        JsonNode j = s.facade(Judge0Jobs.META);
        BigDecimal cpuLimit = new BigDecimal(j.path("cpu_time_limit").asText(Judge0Limits.CPU_TIME_LIMIT.toString()));
        JobResult.TestOutcome shown = null;
        Judge0Status status = null;
        long cpu = 0;
        long wall = 0;
        long memory = 0;
        for (JobResult.TestOutcome t : tests) {
            cpu += t.cpuTimeMs();
            wall += t.wallTimeMs();
            memory += t.memoryPeakBytes();
            Judge0Status ts = status(t, cpuLimit);
            if (shown == null || status == Judge0Status.ACCEPTED && ts != Judge0Status.ACCEPTED) {
                shown = t;
                status = ts;
            }
        }
        int n = tests.size();
        byte[] stdout = shown.stdout();
        byte[] stderr = shown.stderr();
        if (j.path("redirect_stderr_to_stdout").asBoolean(false)) {
            stdout = concat(stdout, stderr);
            stderr = null;
        }
        String signal = shown.signal();
        return new Judge0Outcome(
                status,
                message(shown, status),
                shown.exitCode(),
                signal == null ? null : SIGNALS.getOrDefault(signal, 0),
                seconds(cpu / n),
                seconds(wall / n),
                (int) (memory / n / 1024),
                empty(stdout),
                empty(stderr),
                compileOutput);
    }

    private static Judge0Outcome pending(Judge0Status s) {
        return notRun(s, null, null);
    }

    /** A submission no test ran for (queued, cancelled, not compiled, failed in Proctor): no run figures. */
    private static Judge0Outcome notRun(Judge0Status s, String message, byte[] compileOutput) {
        return new Judge0Outcome(s, message, null, null, null, null, null, null, null, compileOutput);
    }

    /** Judge0's status of one run; a run over cpu_time_limit but within the extra time is still TLE. */
    static Judge0Status status(JobResult.TestOutcome t, BigDecimal cpuLimit) {
        boolean overCpu = BigDecimal.valueOf(t.cpuTimeMs()).compareTo(cpuLimit.movePointRight(3)) > 0;
        return switch (t.verdict()) {
            case ACCEPTED -> overCpu ? Judge0Status.TIME_LIMIT_EXCEEDED : Judge0Status.ACCEPTED;
            case WRONG_ANSWER, PRESENTATION_ERROR ->
                overCpu ? Judge0Status.TIME_LIMIT_EXCEEDED : Judge0Status.WRONG_ANSWER;
            case TIME_LIMIT_EXCEEDED, WALL_TIME_LIMIT_EXCEEDED -> Judge0Status.TIME_LIMIT_EXCEEDED;
            case MEMORY_LIMIT_EXCEEDED -> Judge0Status.OTHER;
            case OUTPUT_LIMIT_EXCEEDED -> Judge0Status.SIGXFSZ;
            case RUNTIME_ERROR -> {
                if (t.signal() != null) {
                    yield Judge0Status.ofSignal(t.signal());
                }
                yield t.exitCode() != null && t.exitCode() == 127 && t.message() != null
                        ? Judge0Status.EXEC_FORMAT_ERROR
                        : Judge0Status.NZEC;
            }
            default -> Judge0Status.INTERNAL_ERROR;
        };
    }

    private static String message(JobResult.TestOutcome t, Judge0Status status) {
        String signal = t.signal();
        return switch (t.verdict()) {
            case ACCEPTED, WRONG_ANSWER, PRESENTATION_ERROR ->
                status == Judge0Status.TIME_LIMIT_EXCEEDED ? "Time limit exceeded" : null;
            case TIME_LIMIT_EXCEEDED -> "Time limit exceeded";
            case WALL_TIME_LIMIT_EXCEEDED -> "Time limit exceeded (wall clock)";
            case MEMORY_LIMIT_EXCEEDED -> "Memory limit exceeded";
            case OUTPUT_LIMIT_EXCEEDED -> "Output limit exceeded";
            case RUNTIME_ERROR ->
                signal != null
                        ? "Caught fatal signal " + SIGNALS.getOrDefault(signal, 0)
                        : status == Judge0Status.EXEC_FORMAT_ERROR
                                ? t.message()
                                : "Exited with error status " + (t.exitCode() == null ? 0 : t.exitCode());
            default -> t.message() != null ? t.message() : "internal error";
        };
    }

    /** Seconds with the precision measured (milliseconds), as Judge0 writes decimals: "0.012", "1.5". */
    static String seconds(long millis) {
        return decimal(BigDecimal.valueOf(millis, 3));
    }

    /** A decimal as Judge0 (Ruby's BigDecimal) shows it: no trailing zeros, at least one decimal place. */
    static String decimal(BigDecimal d) {
        BigDecimal s = d.stripTrailingZeros();
        return s.scale() <= 0 ? s.setScale(1).toPlainString() : s.toPlainString();
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    /** Judge0 stores empty output as null. */
    private static byte[] empty(byte[] b) {
        return b == null || b.length == 0 ? null : b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static String utf8(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
