package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Work directories are unmounted off the job's path (after {@code close()} returns): job after job, each
 * gets a work directory of its own size that holds nothing any earlier job left, a run over its work
 * directory's size still gets ENOSPC at that size, and every closed directory is unmounted (its mount point
 * removed, or kept empty for a later work dir, which mounts a fresh tmpfs on it).
 */
class WorkdirReleaseIT extends SandboxRuns {

    private static final int JOBS = 12;

    @Test
    void aFileLeftByOneJobIsNeverSeenByTheNext() throws IOException {
        List<Path> closed = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            Workdir w = engine.createWorkdir((2L << (i % 3)) * MIB);
            w.writeFile("given-" + i, "x".getBytes(StandardCharsets.US_ASCII), false);
            // lists what it finds, then leaves files, a directory, a hidden file and a changed mode behind
            RunResult r = sh(
                    w,
                    "ls -A /box; echo left > /box/left-" + i + "; mkdir -p /box/d/e; echo x > /box/d/e/f;"
                            + " touch /box/.hidden; chmod 0777 /box");
            assertEquals("given-" + i + "\n", okOut(r), () -> describe(r));
            closed.add(w.path());
            w.close();
        }
        awaitUnmounted(closed);
    }

    @Test
    void aRunOverItsWorkdirSizeGetsEnospcAtThatSizeAfterABiggerOne() throws IOException {
        Limits limits = new Limits(ROOMY.cpuTime(), ROOMY.wallTime(), 256 * MIB, 8, MIB, 64 * MIB, 1.0);
        Workdir big = engine.createWorkdir(48 * MIB);
        RunResult filled = run(
                big,
                limits,
                "/bin/sh",
                "-c",
                "dd if=/dev/zero of=/box/fill bs=1M count=32 2>/dev/null;" + " stat -c %s /box/fill");
        assertEquals(32 * MIB + "\n", okOut(filled), () -> describe(filled));
        List<Path> closed = new ArrayList<>(List.of(big.path()));
        big.close();
        for (long size : new long[] {8 * MIB, 4 * MIB}) {
            Workdir w = workdir(size);
            RunResult r = run(
                    w,
                    limits,
                    "/bin/sh",
                    "-c",
                    "dd if=/dev/zero of=/box/fill bs=1M count=100 2>&1 | grep -o 'No space left on device';"
                            + " stat -c %s /box/fill");
            List<String> lines = okOut(r).lines().toList();
            assertEquals(2, lines.size(), () -> describe(r));
            assertEquals("No space left on device", lines.get(0));
            long written = Long.parseLong(lines.get(1));
            assertTrue(written <= size && written >= size / 2, () -> "wrote " + written + "; " + describe(r));
            // a later work dir may take this one's mount point: closed before the last check
            closed.add(w.path());
            w.close();
        }
        awaitUnmounted(closed);
    }

    /**
     * Polls (to a minute's deadline, the unmounts run in the background) until no path is mounted; then each is
     * gone, or an empty directory kept for a later work dir.
     */
    private static void awaitUnmounted(List<Path> paths) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (System.nanoTime() < deadline && anyMounted(paths)) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        for (Path p : paths) {
            assertFalse(mounted(p), () -> p + " is still mounted");
            if (Files.exists(p)) {
                try (var left = Files.list(p)) {
                    assertEquals(0, left.count(), () -> p + " is kept but not empty");
                }
            }
        }
    }

    private static boolean anyMounted(List<Path> paths) throws IOException {
        for (Path p : paths) {
            if (mounted(p)) {
                return true;
            }
        }
        return false;
    }

    private static boolean mounted(Path p) throws IOException {
        String target = " " + p + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(target));
    }
}
