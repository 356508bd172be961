package dev.proctor.sandbox.rootfs;

import dev.proctor.sandbox.SandboxException;
import dev.proctor.sandbox.Workdir;
import dev.proctor.sandbox.linux.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A job's work directory: a tmpfs mounted on the host with a size limit, owned by the sandbox
 * user's host uid. Filling it gives the job ENOSPC; unmounting it frees everything at once.
 */
public final class TmpfsWorkdir implements Workdir {

    private final Path path;
    private final long sizeBytes;
    private final int ownerUid;
    private boolean closed;

    private TmpfsWorkdir(Path path, long sizeBytes, int ownerUid) {
        this.path = path;
        this.sizeBytes = sizeBytes;
        this.ownerUid = ownerUid;
    }

    public static TmpfsWorkdir create(Path path, long sizeBytes, int ownerUid) {
        try {
            Files.createDirectories(path);
            Syscalls.mount("tmpfs", path.toString(), "tmpfs", Syscalls.MS_NOSUID | Syscalls.MS_NODEV,
                    "size=" + sizeBytes + ",mode=0755,uid=" + ownerUid + ",gid=" + ownerUid);
            return new TmpfsWorkdir(path, sizeBytes, ownerUid);
        } catch (IOException e) {
            throw new SandboxException("cannot create work dir " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    /** Resolves a relative path inside the workdir, refusing absolute paths, "..", and symlinks on the way. */
    private Path resolve(String relative) {
        if (relative == null || relative.isEmpty() || relative.startsWith("/") || relative.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("path must be relative and non-empty: " + relative);
        }
        Path p = path.resolve(relative).normalize();
        if (!p.startsWith(path) || p.equals(path)) {
            throw new IllegalArgumentException("path leaves the work dir: " + relative);
        }
        for (Path cur = p.getParent(); cur != null && !cur.equals(path); cur = cur.getParent()) {
            if (Files.isSymbolicLink(cur)) {
                throw new IllegalArgumentException("path passes through a symlink: " + relative);
            }
        }
        return p;
    }

    @Override
    public void writeFile(String relativePath, byte[] content, boolean executable) {
        Path file = resolve(relativePath);
        try {
            Path cur = path;
            for (Path part : path.relativize(file.getParent())) {
                if (part.toString().isEmpty()) {
                    continue;
                }
                cur = cur.resolve(part);
                if (!Files.isDirectory(cur, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(cur);
                    chown(cur);
                }
            }
            Files.deleteIfExists(file);
            Files.write(file, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            chown(file);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
        } catch (IOException e) {
            throw new SandboxException("cannot write " + relativePath + " into the work dir: " + e.getMessage(), e);
        }
    }

    private void chown(Path p) throws IOException {
        Files.setAttribute(p, "unix:uid", ownerUid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", ownerUid, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public byte[] readFile(String relativePath, int maxBytes) {
        Path file = resolve(relativePath);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return in.readNBytes(maxBytes);
        } catch (IOException e) {
            throw new SandboxException("cannot read " + relativePath + " from the work dir: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Syscalls.umountDetach(path.toString());
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // an unmounted, empty mount point; start-up cleanup removes leftovers
        }
    }
}
