package dev.proctor.sandbox.rootfs;

import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.SandboxException;
import dev.proctor.sandbox.Workdir;
import dev.proctor.sandbox.ids.HostIdRanges;
import dev.proctor.sandbox.ids.IdRange;
import dev.proctor.sandbox.linux.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * A job's work directory: a tmpfs mounted on the host with a size and an inode limit, owned by the
 * job's host uid (of the id range the job holds while the directory exists) and readable by it
 * alone (0700, files 0600 or 0700). Filling it gives the job ENOSPC; unmounting it frees everything
 * at once.
 */
public final class TmpfsWorkdir implements Workdir {

    private final Path path;
    private final long sizeBytes;
    private final HostIdRanges.Lease ids;
    /** Null for the directory itself; the directory it is a copy-on-write view of otherwise. */
    private final TmpfsWorkdir base;
    /** Where the unmount of a closed directory runs. */
    private final Executor release;
    /** Takes the empty mount point after the unmount: keeps it for a later work dir, or removes it. */
    private final Consumer<Path> unmounted;

    private boolean closed;

    private TmpfsWorkdir(
            Path path,
            long sizeBytes,
            HostIdRanges.Lease ids,
            TmpfsWorkdir base,
            Executor release,
            Consumer<Path> unmounted) {
        this.path = path;
        this.sizeBytes = sizeBytes;
        this.ids = ids;
        this.base = base;
        this.release = release;
        this.unmounted = unmounted;
    }

    /**
     * Mounts the tmpfs at {@code path}; the workdir owns {@code ids} from now on (closing it, or a
     * failure here, releases them). Closing unmounts it before it returns.
     */
    public static TmpfsWorkdir create(Path path, long sizeBytes, HostIdRanges.Lease ids) {
        return create(path, sizeBytes, ids, Runnable::run);
    }

    /**
     * Mounts the tmpfs at {@code path}, as {@link #create(Path, long, HostIdRanges.Lease)}, but closing it hands
     * the unmount to {@code release}: an unmount waits for the kernel's RCU grace period, milliseconds on a busy
     * host, which the job need not wait for. Each job still gets a tmpfs never mounted before, so nothing of one
     * job is ever seen by the next; {@code ids} stay leased until the unmount is done.
     */
    public static TmpfsWorkdir create(Path path, long sizeBytes, HostIdRanges.Lease ids, Executor release) {
        return create(path, sizeBytes, ids, release, TmpfsWorkdir::removeMountPoint);
    }

    /**
     * As {@link #create(Path, long, HostIdRanges.Lease, Executor)}, but the empty mount point, once unmounted, goes
     * to {@code unmounted} (which may keep it for a later work dir: {@code path} may be such a kept one, empty and
     * unmounted) instead of being removed: making and removing a directory on the state dir's disk was a
     * measurable part of every job.
     */
    public static TmpfsWorkdir create(
            Path path, long sizeBytes, HostIdRanges.Lease ids, Executor release, Consumer<Path> unmounted) {
        int owner = ids.range().jobHostId();
        try {
            // a kept mount point exists: a stat, where createDirectories' mkdir failed with EEXIST and built a
            // FileAlreadyExistsException (its stack trace) on every job
            if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(path);
            }
            // nr_inodes: files count against the size (one block each); without it a 2 MiB work dir
            // held millions of empty files, whose kernel memory outlives every run's memory cgroup
            Syscalls.mount(
                    "tmpfs",
                    path.toString(),
                    "tmpfs",
                    Syscalls.MS_NOSUID | Syscalls.MS_NODEV,
                    "size=" + sizeBytes + ",nr_inodes=" + Limits.inodesFor(sizeBytes) + ",mode=0700,uid=" + owner
                            + ",gid=" + owner);
            return new TmpfsWorkdir(path, sizeBytes, ids, null, release, unmounted);
        } catch (IOException | RuntimeException e) {
            ids.close();
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

    /** The host id range of the job's runs on this directory. */
    public IdRange idRange() {
        return ids.range();
    }

    /** Whether runs see this directory as a copy-on-write view (see {@link #copyOnWrite()}). */
    public boolean isCopyOnWrite() {
        return base != null;
    }

    @Override
    public Workdir copyOnWrite() {
        return new TmpfsWorkdir(path, sizeBytes, ids, base != null ? base : this, release, unmounted);
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
                    Files.createDirectory(cur, PosixFilePermissions.asFileAttribute(OWNER_RWX));
                    chown(cur);
                }
            }
            // the job's alone: no other local user reads a submission, its tests' input or answers
            try {
                Files.write(file, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                // written before (rare: a fresh work dir is empty); not a deleteIfExists first, whose lstat of a
                // missing file costs an exception on every write
                Files.delete(file);
                Files.write(file, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
            chown(file);
            Files.setPosixFilePermissions(file, executable ? OWNER_RWX : OWNER_RW);
        } catch (IOException e) {
            throw new SandboxException("cannot write " + relativePath + " into the work dir: " + e.getMessage(), e);
        }
    }

    private static final Set<PosixFilePermission> OWNER_RWX = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");

    private void chown(Path p) throws IOException {
        int owner = ids.range().jobHostId();
        Files.setAttribute(p, "unix:uid", owner, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", owner, LinkOption.NOFOLLOW_LINKS);
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

    /** A view closes nothing: its directory does. */
    @Override
    public synchronized void close() {
        if (closed || base != null) {
            return;
        }
        closed = true;
        release.execute(this::unmount);
    }

    private void unmount() {
        try {
            Syscalls.umountDetach(path.toString());
            unmounted.accept(path);
        } catch (RuntimeException ignored) {
            // still mounted (not reused: start-up cleanup of a dead engine's dirs removes it), or an unmounted,
            // empty mount point that could not be removed
        } finally {
            ids.close();
        }
    }

    /** The default for an unmounted mount point: removed. */
    public static void removeMountPoint(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // an unmounted, empty mount point; start-up cleanup removes leftovers
        }
    }
}
