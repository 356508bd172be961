package dev.proctor.sandbox.launcher;

import dev.proctor.sandbox.SandboxException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** One run's connection to its supervisor. Closing it before the report arrives cancels the run. */
public final class LaunchConnection implements AutoCloseable {

    private final SocketChannel channel;

    LaunchConnection(SocketChannel channel) {
        this.channel = channel;
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
        return LaunchReport.parse(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
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

    /** Cancels the run: the supervisor sees the closed connection and kills it at once. */
    public void cancel() {
        try {
            channel.shutdownOutput();
        } catch (IOException ignored) {
            // already closed: the run is over or being torn down
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
