package dev.proctor.sandbox;

import dev.proctor.sandbox.rootfs.ImageUsers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The image records of the engines of one state dir: {@code instances/<tag>/images/<name>} holds the build
 * of image {@code name} the engine with that instance dir uses. An instance dir stays until its engine is
 * dead and cleaned up (its processes first, see {@link DeadEngines}), so a record outlives every run that
 * could use the build. An engine makes its {@code images} dir with its instance dir, before that has its
 * name: an instance dir without one is an engine of an earlier version, which kept no records.
 */
public final class ImageRecords implements ImageUsers {

    static final String DIR = "images";

    private final Path instances;
    private final Path own;

    private ImageRecords(Path instances, Path own) {
        this.instances = instances;
        this.own = own;
    }

    /** The records of {@code instanceDir}'s engine, which records its own, beside its peers'. */
    static ImageRecords of(EngineDirs instance) {
        return new ImageRecords(instance.dir().getParent(), instance.dir().resolve(DIR));
    }

    /** The records of the engines of {@code stateDir}, read only (the CLI's {@code image build} records nothing). */
    public static ImageUsers readOnly(Path stateDir) {
        return new ImageRecords(stateDir.resolve("instances"), null);
    }

    @Override
    public void record(String name, String build) throws IOException {
        if (own == null) {
            throw new IllegalStateException("no engine of its own: records nothing");
        }
        Path tmp = own.resolve("." + name + ".new");
        Files.writeString(tmp, build, StandardCharsets.UTF_8);
        Files.move(tmp, own.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public Set<String> inUse(String name) throws IOException {
        Set<String> builds = new HashSet<>();
        for (Path dir : instanceDirs()) {
            try {
                builds.add(Files.readString(dir.resolve(DIR).resolve(name), StandardCharsets.UTF_8)
                        .trim());
            } catch (NoSuchFileException none) {
                // this engine does not use the image (or is gone meanwhile)
            }
        }
        return builds;
    }

    @Override
    public boolean unrecordedEngines() throws IOException {
        for (Path dir : instanceDirs()) {
            if (!Files.isDirectory(dir.resolve(DIR), LinkOption.NOFOLLOW_LINKS) && Files.isDirectory(dir)) {
                return true;
            }
        }
        return false;
    }

    /** Every instance dir with its name (one still being made has no build yet, and no name). */
    private List<Path> instanceDirs() throws IOException {
        if (!Files.isDirectory(instances)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(instances)) {
            return dirs.filter(d -> !d.getFileName().toString().startsWith(DeadEngines.BEING_MADE_PREFIX))
                    .toList();
        }
    }
}
