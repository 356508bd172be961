package dev.proctor.problems;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Server-side maximums of uploaded packages and the per-node cache of test files. */
@ConfigMapping(prefix = "proctor.problems")
public interface ProblemsConfig {

    /** All files of one package together, unpacked (the archive is counted as it is read). */
    @WithDefault("2147483648")
    long maxPackageBytes();

    /** One file of a package, unpacked. */
    @WithDefault("536870912")
    long maxFileBytes();

    /** Entries of one archive (files and directories). */
    @WithDefault("10000")
    int maxEntries();

    /** Bytes of the on-disk cache of test files on this node; least recently used files are evicted. */
    @WithDefault("4294967296")
    long cacheBytes();

    /** Where the cache lives; default {@code <state dir>/problem-cache}. */
    Optional<java.nio.file.Path> cacheDir();

    /** Bytes of one stored chunk (a row of blob_chunks). */
    @WithDefault("1048576")
    int chunkBytes();

    default ArchiveLimits archiveLimits() {
        return new ArchiveLimits(maxEntries(), maxPackageBytes(), maxFileBytes(), 255, 16);
    }
}
