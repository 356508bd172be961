package dev.proctor.sandbox.rootfs;

import java.nio.file.Path;
import java.util.List;

/**
 * A rootfs image: read-only layer directories (overlay lower dirs, top-most first), host paths
 * bind-mounted read-only on top, and the image directories that must stay read-only in a run.
 */
public record Image(String name, List<Path> layers, List<Bind> binds, List<String> readOnlyPaths) {

    /** A host path bind-mounted into the run, read-only unless said otherwise. */
    public record Bind(Path source, String target, boolean readOnly) {}

    public Image {
        layers = List.copyOf(layers);
        binds = List.copyOf(binds);
        readOnlyPaths = List.copyOf(readOnlyPaths);
    }
}
