package dev.proctor.sandbox.launcher;

import dev.proctor.sandbox.SandboxException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * One run's connection to its supervisor. Closing it before the report arrives cancels the run. A
 * connection whose report said {@code keep=1} goes back to its server on {@link #close} (unless the run
 * was cancelled) and serves a later run there, in a new {@code LaunchConnection}: this object is one
 * run's, so a cancel that comes late (after its run's report) never reaches the next run.
 */
public final class LaunchConnection implements AutoCloseable {

    private final SocketChannel channel;
    /** Where a kept connection goes back to (its server); null: closed after its run. */
    private final Consumer<SocketChannel> keeper;
    /** Run once when this run's use of the connection ends ({@link #close}); or null. */
    private final Runnable released;
    /** The report said keep=1: the supervisor waits on this connection for the next spec. */
    private boolean kept;
    /** Guarded by this: the run was cancelled (its end of the channel shut). */
    private boolean cancelled;
    /** Guarded by this: this run's use of the channel is over (closed, or back with its server). */
    private boolean closed;

    LaunchConnection(SocketChannel channel) {
        this(channel, null);
    }

    LaunchConnection(SocketChannel channel, Consumer<SocketChannel> keeper) {
        this(channel, keeper, null);
    }

    /** {@code released}: run once, when this run's use of the connection ends ({@link #close}); or null. */
    LaunchConnection(SocketChannel channel, Consumer<SocketChannel> keeper, Runnable released) {
        this.channel = channel;
        this.keeper = keeper;
        this.released = released;
    }

    /** Room for a report without samples (about 110 bytes); a longer one (the timeline's samples) grows it. */
    private static final int REPORT_BUFFER = 512;

    /**
     * Blocks until the supervisor reports the run's end (or the connection is closed by cancel). The report
     * is read up to its last line, "end" (launcher.h), not to the connection's EOF: the supervisor closes
     * the connection right after its reply, and a read past the end line slept until then and was woken
     * once more (a sleep and a wake-up of this thread per run). The end line is taken as the end when a
     * read did not fill the buffer (it took all the supervisor had sent) and the text ends with it: only a
     * reply's last line is "end" (a sample line never is; an error's detail is cut at its first newline, or
     * sent with its "end" in the same write as the rest, which a read never splits short of the buffer's
     * room). A reply without it (the supervisor died) is read to EOF, as before.
     */
    public LaunchReport awaitReport() {
        ByteBuffer buf = ByteBuffer.allocate(REPORT_BUFFER);
        try {
            while (true) {
                int room = buf.remaining();
                int n = channel.read(buf);
                if (n < 0 || (n < room && endsWithEndLine(buf))) {
                    break;
                }
                if (!buf.hasRemaining()) {
                    ByteBuffer larger = ByteBuffer.allocate(buf.capacity() * 2);
                    buf.flip();
                    larger.put(buf);
                    buf = larger;
                }
            }
        } catch (IOException e) {
            if (buf.position() == 0) {
                throw new SandboxException("lost the launcher connection: " + e.getMessage(), e);
            }
        }
        LaunchReport report = LaunchReport.parse(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
        kept = report.keep();
        return report;
    }

    /** Whether what was read so far ends with the line "end". */
    static boolean endsWithEndLine(ByteBuffer buf) {
        byte[] a = buf.array();
        int end = buf.position();
        return end >= 4
                && a[end - 4] == 'e'
                && a[end - 3] == 'n'
                && a[end - 2] == 'd'
                && a[end - 1] == '\n'
                && (end == 4 || a[end - 5] == '\n');
    }

    /**
     * Cancels the run: the supervisor sees the closed connection and kills it at once. After {@link #close}
     * it does nothing: the run is over, and a kept connection may be another run's by then.
     */
    public synchronized void cancel() {
        if (closed) {
            return;
        }
        cancelled = true;
        try {
            channel.shutdownOutput();
        } catch (IOException ignored) {
            // already closed: the run is over or being torn down
        }
    }

    /** Ends this run's use of the connection: back to its server if the report kept it, else closed. */
    @Override
    public void close() {
        boolean keep;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            keep = kept && !cancelled && keeper != null;
        }
        if (released != null) {
            released.run();
        }
        if (keep) {
            keeper.accept(channel);
        } else {
            closeQuietly(channel);
        }
    }

    static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
