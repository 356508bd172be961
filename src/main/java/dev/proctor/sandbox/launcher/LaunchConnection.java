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

    /** Blocks until the supervisor reports the run's end (or the connection is closed by cancel). */
    public LaunchReport awaitReport() {
        ByteBuffer buf = ByteBuffer.allocate(REPORT_BUFFER);
        try {
            while (channel.read(buf) >= 0) {
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
