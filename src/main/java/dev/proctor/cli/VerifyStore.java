package dev.proctor.cli;

import dev.proctor.problems.DirectoryBlobs;
import dev.proctor.problems.PackageFile;
import dev.proctor.problems.TestFileCache;
import dev.proctor.sandbox.Cancellation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The throwaway store of {@code ./proctor problem verify}: one private directory below the state directory
 * ({@code verify-*}) holding the unpacked upload, the blobs by SHA-256 ({@link DirectoryBlobs}, in place of
 * the service's PostgreSQL rows) and a {@link TestFileCache} filled from them, as a node's cache is filled from
 * PostgreSQL. All of it is removed on close, and on Ctrl-C / SIGTERM by a shutdown hook that first cancels the
 * run under way and closes the sandbox engine.
 */
final class VerifyStore implements AutoCloseable {

    private final Path dir;
    private final DirectoryBlobs blobs;
    private final TestFileCache cache;
    private final Map<String, TestFileCache.Lease> leases = new ConcurrentHashMap<>();
    private final Cancellation cancellation = new Cancellation();
    private final List<AutoCloseable> onInterrupt = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread hook;

    private VerifyStore(Path dir) {
        this.dir = dir;
        this.blobs = new DirectoryBlobs(dir.resolve("blobs"));
        this.cache = new TestFileCache(dir.resolve("cache"), Long.MAX_VALUE, blobs);
        this.hook = new Thread(this::interrupted, "proctor-verify-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    static VerifyStore create(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        Path dir = Files.createTempDirectory(stateDir, "verify-");
        Files.createDirectory(dir.resolve("upload"));
        try {
            return new VerifyStore(dir);
        } catch (RuntimeException e) {
            delete(dir);
            throw e;
        }
    }

    Path dir() {
        return dir;
    }

    /** Where the archive is unpacked (an empty directory), as the service's upload work directory. */
    Path upload() {
        return dir.resolve("upload");
    }

    DirectoryBlobs blobs() {
        return blobs;
    }

    Cancellation cancellation() {
        return cancellation;
    }

    /** Closed by the shutdown hook before the directory goes (the sandbox engine: it kills the runs). */
    synchronized void closeOnInterrupt(AutoCloseable c) {
        onInterrupt.add(c);
    }

    /** Removes the unpacked upload (and the packed directory, if any): from now on only the store is read. */
    void dropUpload(Path packed) throws IOException {
        delete(upload());
        if (packed != null) {
            Files.deleteIfExists(packed);
        }
    }

    /** A package file's path: the cache's copy, filled from the store and verified on first use. */
    Function<PackageFile, Path> locator() {
        return f ->
                leases.computeIfAbsent(f.sha256(), d -> cache.get(d, f.size())).path();
    }

    private void interrupted() {
        cancellation.cancel();
        List<AutoCloseable> toClose;
        synchronized (this) {
            toClose = List.copyOf(onInterrupt);
        }
        for (AutoCloseable c : toClose) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("proctor problem verify: closing on interrupt: " + e.getMessage());
            }
        }
        cleanUp();
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down: the hook cleans up
        }
        cleanUp();
    }

    private void cleanUp() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        leases.values().forEach(TestFileCache.Lease::close);
        delete(dir);
    }

    static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
