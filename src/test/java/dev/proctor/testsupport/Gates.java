package dev.proctor.testsupport;

import dev.proctor.sandbox.rootfs.LayerFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Paths a scripted run awaits ({@code await PATH}, {@link ScriptedSandboxEngine}): each a fresh name in one
 * directory of this test JVM, removed when the JVM exits (a run may still be polling its gate when a test ends, so
 * no gate is removed before). The tests made a directory in /tmp for each gate, ~50 a suite run, and left them.
 */
public final class Gates {

    private static Path dir;
    private static long next;

    private Gates() {}

    /** A path nothing exists at yet; a test creates it to let the run that awaits it go on. */
    public static synchronized Path newGate() {
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("proctor-gates-");
                Path created = dir;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> removeTree(created), "proctor-gates-removal"));
            }
            return dir.resolve("gate-" + next++);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void removeTree(Path root) {
        try {
            LayerFiles.deleteTree(root);
        } catch (IOException ignored) {
            // the JVM is exiting: nothing more to do
        }
    }
}
