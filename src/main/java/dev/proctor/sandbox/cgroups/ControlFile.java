package dev.proctor.sandbox.cgroups;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One cgroup control file kept open for the life of its cgroup (which serves up to {@link
 * CgroupPool#MAX_USES} runs): each read is a pread from offset 0, which makes the kernel generate
 * the file anew, each write a pwrite of the whole value; no open or close per access, which was
 * most of the cost of reading a run's counters. Opened on first use; a file the kernel lacks stays
 * absent ({@link #readIfExists()}). Used by one thread at a time (the run's, then the one that
 * recycles it: a later run's or the pool's), like its cgroup.
 */
class ControlFile implements AutoCloseable {

    private static final int INITIAL_BUFFER = 512;

    private final Path path;
    private FileChannel channel;
    private boolean absent;
    private ByteBuffer buffer = ByteBuffer.allocate(INITIAL_BUFFER);

    ControlFile(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    /** The whole file, as the kernel generates it now. */
    String read() {
        String text = readIfExists();
        if (text == null) {
            throw CgroupFs.failure("read", path, new NoSuchFileException(path.toString()), "");
        }
        return text;
    }

    /**
     * The whole file, or null when the kernel has no such file. A read that returns less than the room
     * left in the buffer has reached the end: a cgroup file is a seq_file, which fills the caller's buffer
     * until it is full or the file ends, and a regular file's read at its end returns what is left. One
     * pread per file and run, not two (the second one, at the end, made the kernel generate the whole
     * file again only to find nothing after it).
     */
    String readIfExists() {
        if (!open()) {
            return null;
        }
        try {
            buffer.clear();
            long offset = 0;
            while (true) {
                int room = buffer.remaining();
                int n = channel.read(buffer, offset);
                if (n <= 0) {
                    break;
                }
                offset += n;
                if (n < room) {
                    break; // a short read is the end: see readIfExists
                }
                if (!buffer.hasRemaining()) {
                    ByteBuffer larger = ByteBuffer.allocate(buffer.capacity() * 2);
                    buffer.flip();
                    larger.put(buffer);
                    buffer = larger;
                }
            }
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw CgroupFs.failure("read", path, e, "");
        }
    }

    /** Writes the value in a single write(2), as the kernel wants. */
    void write(String value) {
        if (!open()) {
            throw CgroupFs.failure(
                    "write '" + value + "' to", path, new NoSuchFileException(path.toString()), CgroupFs.NOT_ENABLED);
        }
        try {
            ByteBuffer bytes = ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII));
            int n = channel.write(bytes, 0);
            if (n != bytes.limit()) {
                throw new IOException("short write: " + n + " of " + bytes.limit() + " bytes");
            }
        } catch (IOException e) {
            throw CgroupFs.failure("write '" + value + "' to", path, e, CgroupFs.remedyForWrite(e));
        }
    }

    private boolean open() {
        if (channel != null) {
            return true;
        }
        if (absent) {
            return false;
        }
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            return true;
        } catch (NoSuchFileException e) {
            absent = true;
            return false;
        } catch (IOException e) {
            // the counters refuse O_RDWR, and files that can only be written (memory.force_empty) O_RDONLY
            try {
                channel = FileChannel.open(path, StandardOpenOption.READ);
                return true;
            } catch (IOException notReadable) {
                try {
                    channel = FileChannel.open(path, StandardOpenOption.WRITE);
                    return true;
                } catch (IOException again) {
                    throw CgroupFs.failure("open", path, again, "");
                }
            }
        }
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // a control file has nothing to flush
            }
            channel = null;
        }
    }
}
