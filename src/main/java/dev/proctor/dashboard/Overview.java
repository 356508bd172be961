package dev.proctor.dashboard;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Everything the overview page shows; the JSON of {@code GET /api/v1/admin/overview}. */
public record Overview(
        Instant generatedAt,
        String range,
        long queueDepth,
        long running,
        double jobsPerMinute,
        long jobsFinished,
        Map<String, Long> verdicts,
        Percentiles queueWaitMs,
        Percentiles runTimeMs,
        List<NodeRow> nodes,
        List<TopJob> topCpu,
        List<TopJob> topMemory,
        UsageReport usage) {

    /** p50 and p95 in milliseconds; null when no job finished in the window. */
    public record Percentiles(Long p50, Long p95) {}

    public record NodeRow(
            String id,
            String hostname,
            int slots,
            int running,
            Instant heartbeatAt,
            boolean draining,
            long secondsSinceHeartbeat) {}

    public record TopJob(
            UUID id, String client, String profile, String verdict, double cpuSeconds, long memoryPeakBytes) {

        public String shortId() {
            return id.toString().substring(0, 8);
        }
    }
}
