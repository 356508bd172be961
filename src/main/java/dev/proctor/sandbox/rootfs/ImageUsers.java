package dev.proctor.sandbox.rootfs;

import java.io.IOException;
import java.util.Set;

/**
 * Which builds of each image the engines of a state dir use. Every engine records, for each image it
 * uses, the build it took (a digest, or the host layer's id); a build is removed only when no engine's
 * record names it, since removing a layer under a running engine would change, or take away, the files
 * of its runs.
 */
public interface ImageUsers {

    /**
     * Records that this engine uses {@code build} of image {@code name}, replacing its earlier record of
     * that image; visible to every later {@link #inUse} once this returns.
     */
    void record(String name, String build) throws IOException;

    /** The builds of {@code name} that engines record: every engine not yet cleaned up, live or dead. */
    Set<String> inUse(String name) throws IOException;

    /**
     * Whether an engine of a version that kept no records may still run: such an engine may use any build,
     * and a build of an older layout, so nothing it could use is removed.
     */
    boolean unrecordedEngines() throws IOException;
}
