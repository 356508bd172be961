package dev.proctor.dashboard;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's resource timeline as stored in {@code runs.timeline}: big-endian int64 triples
 * (offset_us, cpu_us, memory_bytes). Decoded into columns for the chart.
 *
 * @param offsetMs    time since the run started
 * @param cpuMs       CPU used so far
 * @param memoryBytes memory charged at that moment
 */
public record Timeline(List<Double> offsetMs, List<Double> cpuMs, List<Long> memoryBytes) {

    private static final int TRIPLE = 24;

    public static Timeline decode(byte[] bytes) {
        int n = bytes == null ? 0 : bytes.length / TRIPLE;
        List<Double> t = new ArrayList<>(n);
        List<Double> cpu = new ArrayList<>(n);
        List<Long> mem = new ArrayList<>(n);
        ByteBuffer b = n == 0 ? ByteBuffer.allocate(0) : ByteBuffer.wrap(bytes);
        for (int i = 0; i < n; i++) {
            t.add(b.getLong() / 1000.0);
            cpu.add(b.getLong() / 1000.0);
            mem.add(b.getLong());
        }
        return new Timeline(t, cpu, mem);
    }

    public static byte[] encode(long[][] triples) {
        ByteBuffer b = ByteBuffer.allocate(triples.length * TRIPLE);
        for (long[] s : triples) {
            b.putLong(s[0]).putLong(s[1]).putLong(s[2]);
        }
        return b.array();
    }

    public int size() {
        return offsetMs.size();
    }
}
