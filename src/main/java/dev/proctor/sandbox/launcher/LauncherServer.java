package dev.proctor.sandbox.launcher;

import dev.proctor.sandbox.SandboxException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The long-lived launcher process: the JVM starts it once and sends it one connection per run,
 * so no JVM process spawn is paid per run. Closing its stdin (or the JVM dying) stops it.
 */
public final class LauncherServer implements AutoCloseable {

    private final Process process;
    private final OutputStream stdin;
    private final UnixDomainSocketAddress address;

    private LauncherServer(Process process, Path socket) {
        this.process = process;
        this.stdin = process.getOutputStream();
        this.address = UnixDomainSocketAddress.of(socket);
    }

    public static LauncherServer start(Path binary, Path socket) {
        if (!Files.isExecutable(binary)) {
            throw new SandboxException("launcher not built: " + binary + " is missing; run `mvn package`");
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(binary.toString(), "serve", socket.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            // nothing of the service's environment (its database password…) reaches a run's pid 1
            pb.environment().clear();
            Process p = pb.start();
            BufferedReader reader =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = reader.readLine();
            if (!"ready".equals(line)) {
                p.destroyForcibly();
                throw new SandboxException("launcher did not start (exit " + waitExit(p) + "); see its message above");
            }
            return new LauncherServer(p, socket);
        } catch (IOException e) {
            throw new SandboxException("cannot start launcher " + binary + ": " + e.getMessage(), e);
        }
    }

    private static int waitExit(Process p) {
        try {
            return p.waitFor(2, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Opens a connection for one run and sends its spec; the caller reads the report. */
    public LaunchConnection open(LaunchRequest request) {
        try {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(address);
            ByteBuffer buf = ByteBuffer.wrap(request.toBytes());
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            return new LaunchConnection(channel);
        } catch (IOException e) {
            throw new SandboxException(
                    "cannot reach the launcher at " + address.getPath() + ": " + e.getMessage()
                            + (process.isAlive() ? "" : " (the launcher exited with " + process.exitValue() + ")"),
                    e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // the launcher exits on stdin EOF or when its pipe breaks: either way it stops
        }
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
