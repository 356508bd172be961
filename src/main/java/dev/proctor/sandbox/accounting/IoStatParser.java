package dev.proctor.sandbox.accounting;

import java.util.regex.Pattern;

/**
 * cgroup v2 {@code io.stat}: one line per device, {@code MAJ:MIN rbytes=… wbytes=… rios=…}; and v1's {@code
 * blkio.throttle.io_service_bytes} ({@link #parseV1ServiceBytes}).
 */
public final class IoStatParser {

    /** Bytes read and written, summed over every device. */
    public record IoBytes(long readBytes, long writeBytes) {}

    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private IoStatParser() {}

    public static IoBytes parse(String text) {
        long read = 0;
        long write = 0;
        for (String line : text.split("\n")) {
            for (String field : WHITESPACE.split(line.trim())) {
                read += valueOf(field, "rbytes=");
                write += valueOf(field, "wbytes=");
            }
        }
        return new IoBytes(read, write);
    }

    /**
     * cgroup v1 {@code blkio.throttle.io_service_bytes}: {@code MAJ:MIN Read N}, {@code MAJ:MIN Write N}, … one line
     * each per device, then {@code Total N}; Read and Write summed over every device. A line counts when it has
     * exactly three whitespace-separated fields, the first with a colon, the second {@code Read} or {@code Write},
     * the third a long. Read after every run, with a line per device and operation (six a device): scanned in
     * place, not split with a regular expression (which was a sixth of the engine's sampled Java time a run).
     */
    public static IoBytes parseV1ServiceBytes(String text) {
        long read = 0;
        long write = 0;
        int n = text.length();
        for (int pos = 0; pos <= n; ) {
            int end = text.indexOf('\n', pos);
            if (end < 0) {
                end = n;
            }
            int devStart = -1;
            int devEnd = -1;
            int opStart = -1;
            int opEnd = -1;
            int numStart = -1;
            int numEnd = -1;
            int fields = 0;
            for (int i = pos; i < end && fields <= 3; ) {
                while (i < end && isSpace(text.charAt(i))) {
                    i++;
                }
                if (i == end) {
                    break;
                }
                int start = i;
                while (i < end && !isSpace(text.charAt(i))) {
                    i++;
                }
                fields++;
                if (fields == 1) {
                    devStart = start;
                    devEnd = i;
                } else if (fields == 2) {
                    opStart = start;
                    opEnd = i;
                } else if (fields == 3) {
                    numStart = start;
                    numEnd = i;
                }
            }
            pos = end + 1;
            if (fields != 3) {
                continue;
            }
            int colon = text.indexOf(':', devStart);
            if (colon < 0 || colon >= devEnd) {
                continue;
            }
            boolean isRead = opEnd - opStart == 4 && text.startsWith("Read", opStart);
            boolean isWrite = opEnd - opStart == 5 && text.startsWith("Write", opStart);
            if (!isRead && !isWrite) {
                continue;
            }
            long value;
            try {
                value = Long.parseLong(text, numStart, numEnd, 10);
            } catch (NumberFormatException e) {
                continue;
            }
            if (isRead) {
                read += value;
            } else {
                write += value;
            }
        }
        return new IoBytes(read, write);
    }

    /** What a regular expression's whitespace class matches: the fields' separators (a newline ends a line first). */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    private static long valueOf(String field, String prefix) {
        if (!field.startsWith(prefix)) {
            return 0;
        }
        Long value = KeyValueParser.parseLongOrNull(field.substring(prefix.length()));
        return value == null ? 0 : value;
    }
}
