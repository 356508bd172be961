package dev.proctor.dashboard;

import io.quarkus.qute.TemplateExtension;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the dashboard templates print quantities: units always shown. */
@TemplateExtension
final class Formats {

    private static final DateTimeFormatter UTC =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private Formats() {}

    /** Negative: the kernel did not report it (e.g. no io accounting on this host). */
    static String bytes(long bytes) {
        if (bytes < 0) {
            return "n/a";
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
        }
        return String.format(Locale.ROOT, "%.2f GiB", bytes / 1073741824.0);
    }

    static String usMs(long micros) {
        return String.format(Locale.ROOT, "%.1f ms", micros / 1000.0);
    }

    static String secs(double seconds) {
        return String.format(Locale.ROOT, "%.2f s", seconds);
    }

    static String rate(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String ms(Long millis) {
        return millis == null ? "–" : millis + " ms";
    }

    /** A share (0.93) as a percentage ("93 %"); null: no limit known. */
    static String pct(Double share) {
        return share == null ? "–" : String.format(Locale.ROOT, "%.0f %%", share * 100);
    }

    static String utc(Instant i) {
        return i == null ? "–" : UTC.format(i);
    }
}
