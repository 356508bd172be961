package dev.proctor.problems;

import dev.proctor.core.Rejection;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.ArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Unpacks an uploaded zip or tar.gz into an empty directory, read as a stream (the archive is never held whole
 * anywhere): every entry name is checked before anything is written (no absolute paths, no {@code ..}, no
 * links or devices), regular files only are created, each with {@code CREATE_NEW} below directories this code
 * made itself, and the bytes written are counted against {@link ArchiveLimits} as they come.
 *
 * <p>Symbolic links (tar symlink entries; zip entries whose Unix mode, read from the central directory of the
 * zip spooled to disk first, says link) are resolved by {@link ArchiveLinks}: each becomes a copy of the file
 * it leads to inside the package, or the archive is refused naming it. Hard links, devices and FIFOs are
 * refused by name.
 */
public final class PackageArchive {

    /** The field named in refusals: the request body (the archive). */
    public static final String FIELD = "body";

    private static final int BUFFER = 64 * 1024;

    private PackageArchive() {}

    /**
     * Unpacks {@code in} into {@code into} (an existing empty directory) and returns the package root: {@code
     * into}, or its only directory when the archive wraps the package in one folder.
     */
    public static Path extract(InputStream in, Path into, ArchiveLimits limits) {
        BufferedInputStream buffered = new BufferedInputStream(in, BUFFER);
        Path spool = null;
        try {
            buffered.mark(4);
            byte[] magic = buffered.readNBytes(4);
            buffered.reset();
            InputStream source = buffered;
            Set<String> zipLinks = Set.of();
            if (isZip(magic)) {
                spool = spool(buffered, into, limits);
                zipLinks = ZipCentralDirectory.symlinks(spool, limits.maxEntries());
                source = new BufferedInputStream(Files.newInputStream(spool), BUFFER);
            }
            try (ArchiveInputStream<? extends ArchiveEntry> archive = open(magic, source)) {
                unpack(archive, into, limits, zipLinks);
            }
        } catch (IOException e) {
            throw Rejection.unprocessable(FIELD, "the archive cannot be read: " + message(e));
        } finally {
            if (spool != null) {
                try {
                    Files.deleteIfExists(spool);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return root(into);
    }

    private static boolean isZip(byte[] magic) {
        return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && (magic[2] == 3 || magic[2] == 5);
    }

    /**
     * Copies a zip to a private file beside {@code into} (its central directory is at the end), at most the
     * package limit plus room for headers.
     */
    private static Path spool(InputStream in, Path into, ArchiveLimits limits) throws IOException {
        long max = limits.maxTotalBytes() + (long) limits.maxEntries() * 1024 + 64 * ArchiveLimits.MIB;
        Path spool = Files.createTempFile(into.toAbsolutePath().getParent(), ".zip-", ".spool");
        try (OutputStream out = Files.newOutputStream(spool)) {
            byte[] buffer = new byte[BUFFER];
            long total = 0;
            int n;
            while ((n = in.read(buffer)) > 0) {
                total += n;
                if (total > max) {
                    throw Rejection.tooLarge(FIELD, "the archive is over " + max + " bytes");
                }
                write(out, buffer, n);
            }
        } catch (RuntimeException | IOException e) {
            Files.deleteIfExists(spool);
            throw e;
        }
        return spool;
    }

    private static ArchiveInputStream<? extends ArchiveEntry> open(byte[] magic, InputStream in) throws IOException {
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return new TarArchiveInputStream(new GzipCompressorInputStream(in, true), "UTF-8");
        }
        if (isZip(magic)) {
            return new ZipArchiveInputStream(in, "UTF-8", true, true);
        }
        throw Rejection.unprocessable(FIELD, "the package must be a zip or a tar.gz archive");
    }

    private static void unpack(
            ArchiveInputStream<? extends ArchiveEntry> archive, Path into, ArchiveLimits limits, Set<String> zipLinks)
            throws IOException {
        Set<String> seen = new HashSet<>();
        ArchiveLinks links = new ArchiveLinks();
        int entries = 0;
        long total = 0;
        byte[] buffer = new byte[BUFFER];
        for (ArchiveEntry entry = next(archive); entry != null; entry = next(archive)) {
            if (++entries > limits.maxEntries()) {
                throw Rejection.tooLarge(FIELD, "the archive has more than " + limits.maxEntries() + " entries");
            }
            String raw = entry.getName();
            refuseSpecial(entry, raw);
            List<String> segments = ArchivePaths.segments(raw, limits);
            if (segments.isEmpty()) {
                if (entry.isDirectory()) {
                    continue; // "./" itself
                }
                throw Rejection.unprocessable(FIELD, "archive entry " + quote(raw) + " is a file without a name");
            }
            String name = String.join("/", segments);
            if (!seen.add(name)) {
                if (entry.isDirectory()) {
                    continue;
                }
                throw Rejection.unprocessable(FIELD, "archive entry " + quote(raw) + " appears twice");
            }
            Path target = into;
            for (int i = 0; i < segments.size() - 1; i++) {
                target = target.resolve(segments.get(i));
                directory(target, raw);
            }
            target = target.resolve(segments.get(segments.size() - 1));
            if (entry.isDirectory()) {
                directory(target, raw);
                continue;
            }
            if (entry instanceof TarArchiveEntry t && t.isSymbolicLink()) {
                links.add(raw, segments, t.getLinkName());
                continue;
            }
            if (!(entry instanceof TarArchiveEntry) && zipLinks.contains(raw)) {
                links.add(raw, segments, ArchiveLinks.target(archive, raw));
                continue;
            }
            total += copy(archive, target, raw, buffer, limits, limits.maxTotalBytes() - total);
        }
        links.resolve(into, limits, limits.maxTotalBytes() - total);
    }

    private static ArchiveEntry next(ArchiveInputStream<? extends ArchiveEntry> archive) throws IOException {
        try {
            return archive.getNextEntry();
        } catch (RuntimeException e) {
            // the parser's own refusals of malformed headers (numbers out of range, bad encodings)
            throw new IOException(e.getMessage(), e);
        }
    }

    private static void refuseSpecial(ArchiveEntry entry, String raw) {
        if (entry instanceof TarArchiveEntry t) {
            String kind = t.isSymbolicLink()
                    ? null
                    : t.isLink()
                            ? "a hard link"
                            : t.isCharacterDevice() || t.isBlockDevice()
                                    ? "a device"
                                    : t.isFIFO() ? "a named pipe" : null;
            if (kind == null && !t.isFile() && !t.isDirectory() && !t.isSymbolicLink()) {
                kind = "neither a file nor a directory";
            }
            if (kind != null) {
                throw Rejection.unprocessable(
                        FIELD,
                        "archive entry " + quote(raw) + " is " + kind + "; only files, directories and symbolic links");
            }
        }
    }

    private static void directory(Path dir, String raw) {
        if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw Rejection.unprocessable(FIELD, "archive entry " + quote(raw) + " uses a file as a directory");
        }
        try {
            Files.createDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** rw-r--r--: see {@link #copy}. */
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> UNPACKED_FILE =
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");

    private static long copy(
            InputStream in, Path target, String raw, byte[] buffer, ArchiveLimits limits, long totalLeft)
            throws IOException {
        if (Files.isDirectory(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw Rejection.unprocessable(FIELD, "archive entry " + quote(raw) + " is also a directory");
        }
        long written = 0;
        OutputStream out;
        try {
            out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            // readable by the runs that are shown it in place (an interactor's or validator's test data,
            // RunSpec.HostFile), whatever the service's umask; the unpack root above is the service's alone
            Files.setPosixFilePermissions(target, UNPACKED_FILE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (out) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                written += n;
                if (written > limits.maxFileBytes()) {
                    throw Rejection.tooLarge(
                            FIELD,
                            "archive entry " + quote(raw) + " unpacks to over " + limits.maxFileBytes() + " bytes");
                }
                if (written > totalLeft) {
                    throw Rejection.tooLarge(FIELD, "the archive unpacks to over " + limits.maxTotalBytes() + " bytes");
                }
                write(out, buffer, n);
            }
        }
        return written;
    }

    private static void write(OutputStream out, byte[] buffer, int n) {
        try {
            out.write(buffer, 0, n);
        } catch (IOException e) {
            // the disk of this node, not the caller's archive
            throw new UncheckedIOException(e);
        }
    }

    /** The package root: the directory itself, or the one folder an archive wrapped everything in. */
    public static Path root(Path dir) {
        if (Files.exists(dir.resolve("problem.yaml"))) {
            return dir;
        }
        try (Stream<Path> children = Files.list(dir)) {
            List<Path> all = children.toList();
            if (all.size() == 1 && Files.isDirectory(all.get(0), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return all.get(0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    static String quote(String raw) {
        StringBuilder b = new StringBuilder("\"");
        raw.codePoints().limit(200).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.append('"').toString();
    }

    private static String message(IOException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? "malformed" : m.length() > 200 ? m.substring(0, 200) : m;
    }
}
