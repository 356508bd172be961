package dev.proctor.grading;

import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.accounting.Sample;
import dev.proctor.sandbox.accounting.Usage;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;

/**
 * One sandbox run of a job, as stored in the {@code runs} table ({@code verdict} null: none of its own; {@code
 * memoryLimitBytes} null: the run never started).
 */
public record RunRecord(
        Kind kind,
        int seq,
        String testName,
        RunStatus status,
        Verdict verdict,
        Integer exitCode,
        String signal,
        Usage usage,
        List<Sample> timeline,
        Long memoryLimitBytes) {

    public RunRecord(
            Kind kind,
            int seq,
            String testName,
            RunStatus status,
            Verdict verdict,
            Integer exitCode,
            String signal,
            Usage usage,
            List<Sample> timeline) {
        this(kind, seq, testName, status, verdict, exitCode, signal, usage, timeline, null);
    }

    /** The run's record, with the memory limit it ran with. */
    public static RunRecord of(Kind kind, int seq, String testName, RunResult r, Verdict verdict) {
        return new RunRecord(
                kind,
                seq,
                testName,
                r.status(),
                verdict,
                r.exitCode(),
                r.signal(),
                r.usage(),
                r.timeline(),
                r.memoryLimitBytes() > 0 ? r.memoryLimitBytes() : null);
    }

    /** What the run was for; {@code runs.kind} holds {@link #wire()}. */
    public enum Kind {
        COMPILE,
        TEST,
        /** A test's judge: its checker program, or an interactive job's interactor (seq -1: its compile step). */
        CHECKER;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Timeline as big-endian int64 triples (offset_us, cpu_us, memory_bytes); null when empty. */
    public byte[] timelineBytes() {
        if (timeline.isEmpty()) {
            return null;
        }
        ByteBuffer b = ByteBuffer.allocate(timeline.size() * 24);
        for (Sample s : timeline) {
            b.putLong(s.offsetMicros()).putLong(s.cpuMicros()).putLong(s.memoryBytes());
        }
        return b.array();
    }
}
