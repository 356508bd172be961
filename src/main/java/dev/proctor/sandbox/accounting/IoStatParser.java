package dev.proctor.sandbox.accounting;

import java.util.regex.Pattern;

/** cgroup v2 {@code io.stat}: one line per device, {@code MAJ:MIN rbytes=… wbytes=… rios=…}. */
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

    private static long valueOf(String field, String prefix) {
        if (!field.startsWith(prefix)) {
            return 0;
        }
        Long value = KeyValueParser.parseLongOrNull(field.substring(prefix.length()));
        return value == null ? 0 : value;
    }
}
