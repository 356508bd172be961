package dev.proctor.sandbox.launcher;

import dev.proctor.sandbox.SandboxException;
import java.io.ByteArrayOutputStream;
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

    /** Blocks until the supervisor reports the run's end (or the connection is closed by cancel). */
    public LaunchReport awaitReport() {
        ByteArrayOutputStream text = new ByteArrayOutputStream(256);
        ByteBuffer buf = ByteBuffer.allocate(8192);
        try {
            while (channel.read(buf) >= 0) {
                buf.flip();
                text.write(buf.array(), 0, buf.limit());
                buf.clear();
            }
        } catch (IOException e) {
            if (text.size() == 0) {
                throw new SandboxException("lost the launcher connection: " + e.getMessage(), e);
            }
        }
        return LaunchReport.parse(text.toString(StandardCharsets.UTF_8));
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
