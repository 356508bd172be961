package dev.proctor.problems;

/**
 * How much of an uploaded archive Proctor unpacks before refusing it: entries, bytes unpacked in all and per
 * file (counted as they are written, so a zip bomb stops at the limit, whatever its headers claim), and the
 * shape of names.
 */
public record ArchiveLimits(int maxEntries, long maxTotalBytes, long maxFileBytes, int maxPathLength, int maxDepth) {

    public static final long MIB = 1024L * 1024;

    public ArchiveLimits {
        if (maxEntries < 1 || maxTotalBytes < 1 || maxFileBytes < 1 || maxPathLength < 1 || maxDepth < 1) {
            throw new IllegalArgumentException("archive limits must be positive");
        }
    }

    /** The service's defaults: 2 GiB a package, 512 MiB a file, 10 000 entries. */
    public static ArchiveLimits defaults() {
        return new ArchiveLimits(10_000, 2048 * MIB, 512 * MIB, 255, 16);
    }
}
