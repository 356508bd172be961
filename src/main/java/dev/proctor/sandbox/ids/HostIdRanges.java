package dev.proctor.sandbox.ids;

import dev.proctor.sandbox.SandboxException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Leases id ranges to jobs, host-wide: range {@code k} starts at {@code base + k * 65536}, and a
 * lease is a lock on the file {@code <lockDir>/<first uid>.lock}, so every engine on the host (each
 * node, the CLI, tests, whatever state directory they use) takes distinct ranges, and a range is
 * freed when its holder closes it or dies. Processes left by a dead holder die with it: the
 * launcher, its supervisors and every run's pid 1 are killed with their parent (PDEATHSIG).
 */
public final class HostIdRanges {

    /** Host-wide, in a tmpfs cleared at boot. */
    public static final Path DEFAULT_LOCK_DIR = Path.of("/run/proctor/id-ranges");

    /**
     * The lease files this JVM holds a lock on, by every engine in it. A file lock belongs to the whole
     * process, so a second lock on one of these from this JVM could only fail (with an
     * {@link OverlappingFileLockException} built and thrown for nothing): such a range is skipped without
     * opening its file. Added before the lock is tried, removed after it is released.
     */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private final int base;
    private final int count;
    private final Path lockDir;

    /**
     * @param base    first host uid of range 0
     * @param count   how many ranges there are (concurrent jobs on the host)
     * @param lockDir where the leases are held
     */
    public HostIdRanges(int base, int count, Path lockDir) {
        if (count < 1 || (long) base + (long) count * IdRange.SIZE > 0xffff_ffffL) {
            throw new IllegalArgumentException(count + " id ranges from " + base + " do not fit below 2^32-1");
        }
        this.base = base;
        this.count = count;
        this.lockDir = lockDir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(lockDir);
            Files.setPosixFilePermissions(lockDir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new SandboxException("cannot prepare the id range leases in " + lockDir + ": " + e.getMessage(), e);
        }
    }

    /** A range of its own for one job, until the lease is closed. */
    public Lease lease() {
        for (int k = 0; k < count; k++) {
            IdRange range = new IdRange(base + k * IdRange.SIZE);
            Lease lease = tryLease(range);
            if (lease != null) {
                return lease;
            }
        }
        throw new SandboxException("all " + count + " id ranges are in use on this host: " + count
                + " jobs are running; lower the concurrency or raise the number of ranges");
    }

    private Lease tryLease(IdRange range) {
        Path file = lockDir.resolve(range.first() + ".lock");
        if (!HELD_HERE.add(file)) {
            // held by an engine of this JVM (or being tried by one right now)
            return null;
        }
        FileChannel channel = null;
        Lease lease = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock != null) {
                lease = new Lease(range, channel, file);
            }
        } catch (OverlappingFileLockException e) {
            // a lock this JVM took on the file by another path (a link to the lock dir): held here
        } catch (IOException e) {
            throw new SandboxException(
                    "cannot lease id range " + range.first() + " (" + file + "): " + e.getMessage(), e);
        } finally {
            if (lease == null) {
                close(channel);
                HELD_HERE.remove(file);
            }
        }
        return lease;
    }

    private static void close(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the lock (if any) goes with the descriptor
            }
        }
    }

    /** One job's hold on a range; closing it (or the JVM's death) frees the range. */
    public static final class Lease implements AutoCloseable {

        private final IdRange range;
        private final FileChannel channel;
        private final Path file;
        private boolean closed;

        private Lease(IdRange range, FileChannel channel, Path file) {
            this.range = range;
            this.channel = channel;
            this.file = file;
        }

        public IdRange range() {
            return range;
        }

        /** Idempotent: the range is offered again only once, after its lock is gone. */
        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            HostIdRanges.close(channel);
            HELD_HERE.remove(file);
        }
    }
}
