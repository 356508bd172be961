package dev.proctor.grading;

import dev.proctor.sandbox.accounting.Sample;
import dev.proctor.sandbox.accounting.Usage;
import java.nio.ByteBuffer;
import java.util.List;

/** One sandbox run of a job, as stored in the {@code runs} table. */
public record RunRecord(
        String kind,
        int seq,
        String testName,
        String status,
        String verdict,
        Integer exitCode,
        String signal,
        Usage usage,
        List<Sample> timeline) {

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
