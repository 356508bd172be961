package dev.proctor.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.proctor.sandbox.LinuxSandboxEngine;
import dev.proctor.sandbox.rootfs.LayerFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The state directories of the sandbox engines the tests start, all below one root. The build
 * makes the root before the integration tests and fails if anything is still mounted below it
 * after them ({@code src/test/sh/it-state-root.sh}); run outside the build, the root is this JVM's
 * own. Owners remove their directories with {@link #removeAfterEngines(Path)}, which fails on a
 * leftover mount, so a leak is reported by the test that caused it.
 */
public final class TestStateDirs {

    /** System property naming the file in which the build wrote the root's path. */
    public static final String ROOT_FILE_PROPERTY = "proctor.it.state-root-file";

    private static Path root;

    private TestStateDirs() {}

    /** The root of every state dir of this test run (0711: sandbox uids traverse it to the image layers). */
    public static synchronized Path root() {
        if (root == null) {
            try {
                String file = System.getProperty(ROOT_FILE_PROPERTY);
                Path given = file == null || !Files.isRegularFile(Path.of(file))
                        ? null
                        : Path.of(Files.readString(Path.of(file), StandardCharsets.UTF_8)
                                .trim());
                root = given != null
                        ? given
                        : createShort(Path.of(System.getProperty("java.io.tmpdir")), "proctor-it-");
                Files.createDirectories(root);
                Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    /** A fresh, empty state directory below {@link #root()}. */
    public static Path create(String prefix) {
        try {
            return createShort(root(), prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A new directory named prefix + 6 random characters: the engine's launcher socket lives a few
     * levels below a state dir, and a Unix socket path has room for 107 bytes only.
     */
    private static Path createShort(Path parent, String prefix) throws IOException {
        for (int attempt = 0; ; attempt++) {
            String suffix = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36 * 36), 36);
            try {
                return Files.createDirectory(
                        parent.resolve(prefix + suffix),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    /**
     * Once no engine runs on {@code dir} any more (closed or killed): removes what dead engines left
     * there, as a restarted engine would, then the directory, and asserts that nothing stayed
     * mounted at or below it.
     */
    public static void removeAfterEngines(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        LinuxSandboxEngine.cleanUpDeadEngines(dir);
        List<String> leftBehind = mountsBelow(dir);
        try {
            LayerFiles.deleteTree(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertEquals(List.of(), leftBehind, "mounts left below " + dir + " by the engines that ran on it");
        assertFalse(Files.exists(dir), dir + " not removed");
    }

    /**
     * Mount points at or below {@code dir} in this process's mount namespace, from
     * /proc/self/mountinfo (read here, not through the code under test).
     */
    public static List<String> mountsBelow(Path dir) {
        String base = dir.toAbsolutePath().normalize().toString();
        List<String> found = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                String mountPoint = unescape(line.split(" ")[4]);
                if (mountPoint.equals(base) || mountPoint.startsWith(base + "/")) {
                    found.add(mountPoint);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /** mountinfo writes space, tab, newline and backslash as three octal digits after a backslash. */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\'
                    && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
