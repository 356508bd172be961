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

    /**
     * The time limit of a job against a package that writes none ({@code limits.time_limit}) and from which
     * none could be derived at upload (no accepted submission in a language Proctor has, or none accepted):
     * otherwise the limit is derived from the accepted submissions as the format says ({@link
     * AcceptedTimeLimit}).
     */
    @WithDefault(DEFAULT_TIME_LIMIT)
    java.time.Duration defaultTimeLimit();

    /** {@link #defaultTimeLimit()} unless configured (also what {@code problem verify} reports). */
    String DEFAULT_TIME_LIMIT = "PT2S";

    /**
     * Per language profile, a factor on the package's time limit, as {@code profile=factor} pairs separated by
     * commas ({@code python3=3,java=1.5}); a profile not named gets 1.
     */
    java.util.Optional<String> timeMultipliers();

    /** The factor of {@link #timeMultipliers()} for {@code profile}. */
    default double timeMultiplier(String profile) {
        for (String pair : timeMultipliers().orElse("").split(",")) {
            String[] kv = pair.trim().split("=");
            if (kv.length == 2 && kv[0].trim().equals(profile)) {
                return Double.parseDouble(kv[1].trim());
            }
        }
        return 1.0;
    }

    /** Whether a pass-fail problem stops at its first failed test (ICPC); scoring problems grade every group. */
    @WithDefault("true")
    boolean stopAtFirstFailure();

    default ArchiveLimits archiveLimits() {
        return new ArchiveLimits(maxEntries(), maxPackageBytes(), maxFileBytes(), 255, 16);
    }
}
