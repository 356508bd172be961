package dev.proctor.problems;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * This node's copies of stored files, one file per digest below a directory, at most {@code maxBytes} in all.
 * A file is filled from its source (PostgreSQL) into a temporary name while hashed, renamed into place only
 * when its SHA-256 matches, and handed out as a {@link Lease}: files in use are never evicted; the least
 * recently used of the others go first. Files found at start (a restart) are kept, checked again on first
 * use only if their size is wrong. Every file is readable by others ({@code 0644}; the directory above stays the
 * service's): a run is shown a cached file itself, read-only, and reads it as its own unprivileged user (an
 * interactor's input, {@code RunSpec.HostFile}).
 */
public final class TestFileCache {

    /** Where a missing file's bytes come from: writes the blob to {@code out}; false when there is none. */
    public interface Source {
        boolean copyTo(String sha256, OutputStream out) throws IOException;
    }

    /** A file of the cache, kept from eviction until closed. */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean closed;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        public Path path() {
            return entry.path;
        }

        @Override
        public void close() {
            synchronized (TestFileCache.this) {
                if (!closed) {
                    closed = true;
                    entry.users--;
                    evict();
                }
            }
        }
    }

    private static final class Entry {
        final Path path;
        final long size;
        int users;

        Entry(Path path, long size) {
            this.path = path;
            this.size = size;
        }
    }

    /** rw-r--r--: the service writes, runs read. */
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> READABLE =
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");

    private final Path dir;
    private final long maxBytes;
    private final Source source;
    /** Access order: the first entry is the least recently used. */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);

    private final Map<String, Object> filling = new HashMap<>();
    private long bytes;
    private long hits;
    private long misses;

    public TestFileCache(Path dir, long maxBytes, Source source) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.source = source;
        try {
            Files.createDirectories(dir);
            try (Stream<Path> list = Files.list(dir)) {
                for (Path p : (Iterable<Path>) list::iterator) {
                    String name = p.getFileName().toString();
                    if (name.matches("[0-9a-f]{64}") && Files.isRegularFile(p)) {
                        Files.setPosixFilePermissions(p, READABLE);
                        Entry e = new Entry(p, Files.size(p));
                        entries.put(name, e);
                        bytes += e.size;
                    } else {
                        Files.deleteIfExists(p); // a fill cut short by a crash
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        synchronized (this) {
            evict();
        }
    }

    /** The file with this digest and size, from the cache or filled now; close the lease after the run. */
    public Lease get(String sha256, long size) {
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not a SHA-256: " + sha256);
        }
        Object lock;
        synchronized (this) {
            Lease hit = lease(sha256, size);
            if (hit != null) {
                hits++;
                return hit;
            }
            lock = filling.computeIfAbsent(sha256, k -> new Object());
        }
        synchronized (lock) {
            synchronized (this) {
                Lease hit = lease(sha256, size);
                if (hit != null) {
                    hits++;
                    return hit;
                }
                misses++;
            }
            Path done = fill(sha256, size);
            synchronized (this) {
                filling.remove(sha256);
                Entry e = new Entry(done, size);
                entries.put(sha256, e);
                bytes += size;
                e.users++;
                evict();
                return new Lease(e);
            }
        }
    }

    private Lease lease(String sha256, long size) {
        Entry e = entries.get(sha256);
        if (e == null) {
            return null;
        }
        if (e.size != size || !Files.isRegularFile(e.path)) {
            // a truncated or vanished copy: forget it and fill again
            entries.remove(sha256);
            bytes -= e.size;
            if (e.users == 0) {
                delete(e.path);
            }
            return null;
        }
        e.users++;
        return new Lease(e);
    }

    private Path fill(String sha256, long size) {
        Path target = dir.resolve(sha256);
        Path tmp = dir.resolve(".fill-" + sha256 + "-" + Thread.currentThread().getId());
        try {
            MessageDigest md = PackageReader.sha256();
            boolean found;
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), md)) {
                found = source.copyTo(sha256, out);
            }
            if (!found) {
                throw new IllegalStateException("no stored file " + sha256);
            }
            String got = HexFormat.of().formatHex(md.digest());
            if (!got.equals(sha256) || Files.size(tmp) != size) {
                throw new IllegalStateException("stored file " + sha256 + " reads back as " + got);
            }
            Files.setPosixFilePermissions(tmp, READABLE); // whatever the service's umask
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            delete(tmp);
        }
    }

    private void evict() {
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Entry e = it.next().getValue();
            if (e.users > 0) {
                continue;
            }
            it.remove();
            bytes -= e.size;
            delete(e.path);
        }
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Figures for metrics and tests. */
    public record Stats(long bytes, int files, long hits, long misses) {}

    public synchronized Stats stats() {
        return new Stats(bytes, entries.size(), hits, misses);
    }

    /** Reads a cached file (tests and the API's download). */
    public static InputStream open(Lease lease) throws IOException {
        return Files.newInputStream(lease.path());
    }
}
