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
     * each per device, then {@code Total N}; Read and Write summed over every device.
     */
    public static IoBytes parseV1ServiceBytes(String text) {
        long read = 0;
        long write = 0;
        for (String line : text.split("\n")) {
            String[] f = WHITESPACE.split(line.trim());
            if (f.length != 3 || f[0].indexOf(':') < 0) {
                continue;
            }
            Long value = KeyValueParser.parseLongOrNull(f[2]);
            if (value == null) {
                continue;
            }
            if (f[1].equals("Read")) {
                read += value;
            } else if (f[1].equals("Write")) {
                write += value;
            }
        }
        return new IoBytes(read, write);
    }

    private static long valueOf(String field, String prefix) {
        if (!field.startsWith(prefix)) {
            return 0;
        }
        Long value = KeyValueParser.parseLongOrNull(field.substring(prefix.length()));
        return value == null ? 0 : value;
    }
}
