package dev.proctor.dashboard;

import dev.proctor.core.Rejection;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * The time window, bucket width and grouping of a usage query, parsed from request parameters;
 * every refusal names the parameter.
 *
 * @param range   {@code hour}, {@code day}, {@code week} (ending now) or {@code custom} (from/to)
 * @param from    start, inclusive, on a whole minute
 * @param to      end, exclusive
 * @param bucket  width of one point of a series, whole minutes
 * @param groupBy what the series are stacked by
 */
public record UsageWindow(String range, Instant from, Instant to, Duration bucket, GroupBy groupBy) {

    /** More points than this is a chart nobody can read and a response nobody needs. */
    static final int MAX_POINTS = 2000;

    static final Duration MAX_SPAN = Duration.ofDays(400);
    private static final List<Duration> AUTO_BUCKETS = List.of(
            Duration.ofMinutes(1),
            Duration.ofMinutes(5),
            Duration.ofMinutes(15),
            Duration.ofHours(1),
            Duration.ofHours(6),
            Duration.ofDays(1));
    private static final int AUTO_POINTS = 120;

    public static UsageWindow parse(String range, String from, String to, String bucket, String groupBy) {
        return parse(range, from, to, bucket, groupBy, Instant.now());
    }

    static UsageWindow parse(String range, String from, String to, String bucket, String groupBy, Instant now) {
        String r = range == null || range.isBlank() ? (from != null && !from.isBlank() ? "custom" : "hour") : range;
        Instant end;
        Instant start;
        switch (r) {
            case "hour", "day", "week" -> {
                end = now;
                start = now.minus(
                        switch (r) {
                            case "hour" -> Duration.ofHours(1);
                            case "day" -> Duration.ofDays(1);
                            default -> Duration.ofDays(7);
                        });
            }
            case "custom" -> {
                if (from == null || from.isBlank()) {
                    throw Rejection.invalid(
                            "from", "from is required with range=custom (ISO-8601, e.g. " + "2025-01-31T12:00:00Z)");
                }
                start = instant("from", from);
                end = to == null || to.isBlank() ? now : instant("to", to);
            }
            default -> throw Rejection.invalid("range", "range must be hour, day, week or custom");
        }
        start = start.truncatedTo(ChronoUnit.MINUTES);
        if (!end.isAfter(start)) {
            throw Rejection.invalid("to", "to must be after from");
        }
        if (Duration.between(start, end).compareTo(MAX_SPAN) > 0) {
            throw Rejection.invalid("from", "the window is at most " + MAX_SPAN.toDays() + " days");
        }
        Duration width = bucket == null || bucket.isBlank() ? auto(start, end) : width(bucket);
        if (Duration.between(start, end).dividedBy(width) > MAX_POINTS) {
            throw Rejection.invalid("bucket", "bucket too small for this window: at most " + MAX_POINTS + " buckets");
        }
        return new UsageWindow(r, start, end, width, GroupBy.parse(groupBy));
    }

    private static Duration auto(Instant start, Instant end) {
        Duration span = Duration.between(start, end);
        return AUTO_BUCKETS.stream()
                .filter(b -> span.dividedBy(b) <= AUTO_POINTS)
                .findFirst()
                .orElse(AUTO_BUCKETS.get(AUTO_BUCKETS.size() - 1));
    }

    /** {@code 5m}, {@code 1h}, {@code 1d}, {@code 300s} or ISO-8601 ({@code PT5M}); whole minutes. */
    static Duration width(String value) {
        Duration d;
        try {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (v.startsWith("p")) {
                d = Duration.parse(v.toUpperCase(Locale.ROOT));
            } else if (v.matches("\\d{1,6}[smhd]")) {
                long n = Long.parseLong(v.substring(0, v.length() - 1));
                d = switch (v.charAt(v.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            } else {
                throw Rejection.invalid("bucket", "bucket must look like 1m, 5m, 1h, 1d or PT5M");
            }
        } catch (DateTimeParseException e) {
            throw Rejection.invalid("bucket", "bucket must look like 1m, 5m, 1h, 1d or PT5M");
        }
        if (d.compareTo(Duration.ofMinutes(1)) < 0 || d.toSeconds() % 60 != 0 || d.toNanosPart() != 0) {
            throw Rejection.invalid("bucket", "bucket must be a whole number of minutes, at least 1m");
        }
        return d;
    }

    /** ISO-8601 with an offset, or a local date-time (a browser's datetime-local) taken as UTC. */
    static Instant instant(String field, String value) {
        try {
            return OffsetDateTime.parse(value.trim()).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(value.trim()).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                throw Rejection.invalid(
                        field, field + " must be an ISO-8601 date-time such as " + "2025-01-31T12:00:00Z");
            }
        }
    }

    public long bucketSeconds() {
        return bucket.toSeconds();
    }

    public long bucketMinutes() {
        return bucket.toMinutes();
    }

    /** Minutes covered, for rates. */
    public double minutes() {
        return Duration.between(from, to).toMillis() / 60_000.0;
    }
}
