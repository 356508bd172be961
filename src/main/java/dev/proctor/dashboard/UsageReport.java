package dev.proctor.dashboard;

import dev.proctor.core.Rejection;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;

/**
 * Usage over a window in buckets, one point per (bucket, group); the JSON of
 * {@code GET /api/v1/admin/usage} and of the overview's usage charts.
 */
public record UsageReport(
        Instant from, Instant to, long bucketSeconds, String groupBy, List<String> groups, List<Point> points) {

    public static final String CSV = "text/csv";

    /**
     * @param bucketStart     start of the bucket
     * @param group           client name, profile or node id
     * @param runs            sandbox runs created in the bucket
     * @param cpuSeconds      CPU time of those runs (user + system)
     * @param wallSeconds     wall time of those runs
     * @param memoryPeakBytes the highest memory peak of one run in the bucket
     */
    public record Point(
            Instant bucketStart,
            String group,
            long runs,
            double cpuSeconds,
            double wallSeconds,
            long memoryPeakBytes) {}

    static final String CSV_HEADER = "bucket_start,group,runs,cpu_seconds,wall_seconds,memory_peak_bytes\n";

    public String csv() {
        StringBuilder b = new StringBuilder(CSV_HEADER);
        for (Point p : points) {
            b.append(p.bucketStart())
                    .append(',')
                    .append(csvField(p.group()))
                    .append(',')
                    .append(p.runs())
                    .append(',')
                    .append(p.cpuSeconds())
                    .append(',')
                    .append(p.wallSeconds())
                    .append(',')
                    .append(p.memoryPeakBytes())
                    .append('\n');
        }
        return b.toString();
    }

    /** RFC 4180 quoting; a leading formula character is neutralised so spreadsheets do not run it. */
    static String csvField(String s) {
        String v = s;
        if (!v.isEmpty() && "=+-@".indexOf(v.charAt(0)) >= 0) {
            v = "'" + v;
        }
        if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
            return '"' + v.replace("\"", "\"\"") + '"';
        }
        return v;
    }

    /** {@code format=csv|json} wins; else CSV when Accept asks for it and not for JSON. */
    public static boolean wantsCsv(String format, String accept) {
        if (format != null && !format.isBlank()) {
            return switch (format) {
                case "csv" -> true;
                case "json" -> false;
                default -> throw Rejection.invalid("format", "format must be json or csv");
            };
        }
        return accept != null && accept.contains(CSV) && !accept.contains(MediaType.APPLICATION_JSON);
    }
}
