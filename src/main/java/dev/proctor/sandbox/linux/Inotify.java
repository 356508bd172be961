package dev.proctor.sandbox.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.LastError;
import jnr.ffi.Runtime;

/**
 * An inotify instance (inotify(7)) that watches files for the close of a writer. The kernel queues
 * one event per close, in the order the closes happened, as part of the close itself: for a pipe,
 * before the reader is woken with its EOF. Reading the queue never blocks.
 */
public final class Inotify implements AutoCloseable {

    /** A file opened for writing was closed (its last descriptor: the open file description was released). */
    public static final int IN_CLOSE_WRITE = 0x8;

    private static final int IN_NONBLOCK = 04000;
    private static final int IN_CLOEXEC = 02000000;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    /** struct inotify_event: wd, mask, cookie, len, then len bytes of name. */
    private static final int EVENT_HEADER = 16;

    private final int fd;
    private boolean closed;

    private Inotify(int fd) {
        this.fd = fd;
    }

    /** A new instance; an {@link ErrnoException} when none can be had (e.g. the per-user instance limit). */
    public static Inotify open() {
        int fd = LibC.INSTANCE.inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0) {
            throw new ErrnoException("inotify_init1", "", lastErrno());
        }
        return new Inotify(fd);
    }

    /** Watches {@code file} for the close of a writer; returns the watch descriptor its events carry. */
    public int watchCloseWrite(Path file) {
        int wd = LibC.INSTANCE.inotify_add_watch(fd, file.toString(), IN_CLOSE_WRITE);
        if (wd < 0) {
            throw new ErrnoException("inotify_add_watch", file.toString(), lastErrno());
        }
        return wd;
    }

    /** The watch descriptors of the writer closes queued so far, oldest first; each read once. */
    public List<Integer> closedWriters() {
        List<Integer> out = new ArrayList<>();
        byte[] buf = new byte[4096];
        for (; ; ) {
            long n = LibC.INSTANCE.read(fd, buf, buf.length);
            if (n < 0) {
                int errno = lastErrno();
                if (errno == EINTR) {
                    continue;
                }
                if (errno == EAGAIN) {
                    return out;
                }
                throw new ErrnoException("read", "inotify", errno);
            }
            if (n == 0) {
                return out;
            }
            ByteBuffer b = ByteBuffer.wrap(buf, 0, (int) n).order(ByteOrder.nativeOrder());
            while (b.remaining() >= EVENT_HEADER) {
                int wd = b.getInt();
                int mask = b.getInt();
                b.getInt(); // cookie: rename events only
                int len = b.getInt();
                b.position(b.position() + len);
                if ((mask & IN_CLOSE_WRITE) != 0) {
                    out.add(wd);
                }
            }
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd);
        }
    }

    private static int lastErrno() {
        return LastError.getLastError(Runtime.getRuntime(LibC.INSTANCE));
    }
}
