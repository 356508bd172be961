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
        this.lockDir = lockDir;
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
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return new Lease(range, channel);
            }
        } catch (OverlappingFileLockException e) {
            // held by another engine in this JVM
        } catch (IOException e) {
            throw new SandboxException(
                    "cannot lease id range " + range.first() + " (" + file + "): " + e.getMessage(), e);
        }
        close(channel);
        return null;
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

        private Lease(IdRange range, FileChannel channel) {
            this.range = range;
            this.channel = channel;
        }

        public IdRange range() {
            return range;
        }

        @Override
        public void close() {
            HostIdRanges.close(channel);
        }
    }
}
