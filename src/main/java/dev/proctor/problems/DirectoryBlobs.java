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
import java.util.HexFormat;

/**
 * Blobs as files named by their SHA-256 in one directory: the throwaway store of {@code ./proctor problem
 * verify}. A file is copied under a temporary name while hashed and renamed into place only when its digest
 * and size are the ones the reader recorded, as {@link BlobStore} stores a blob whole or not at all.
 */
public final class DirectoryBlobs implements Blobs {

    private final Path dir;

    public DirectoryBlobs(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean put(PackageFile meta, Path file) {
        Path target = path(meta.sha256());
        if (Files.isRegularFile(target)) {
            return false;
        }
        Path tmp = dir.resolve(".put-" + meta.sha256());
        try {
            MessageDigest md = PackageReader.sha256();
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), md)) {
                Files.copy(file, out);
            }
            String got = HexFormat.of().formatHex(md.digest());
            if (!got.equals(meta.sha256()) || Files.size(tmp) != meta.size()) {
                throw new IllegalStateException(file + " changed while it was stored");
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public boolean copyTo(String sha256, OutputStream out) throws IOException {
        Path p = path(sha256);
        if (!Files.isRegularFile(p)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(p)) {
            in.transferTo(out);
        }
        return true;
    }

    private Path path(String sha256) {
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not a SHA-256: " + sha256);
        }
        return dir.resolve(sha256);
    }
}
