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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The long-lived launcher process: the JVM starts it once and sends it a connection per run, so no JVM
 * process spawn is paid per run. Closing its stdin (or the JVM dying) stops it.
 *
 * <p>A run whose spec asks for it ({@code keep=1}) and whose report says {@code keep=1} leaves its
 * connection open, its supervisor waiting on it for another spec (launcher.h). Such connections are kept
 * here and sent later runs' specs: no socket, connect and close in the JVM, and no accept and close in the
 * supervisor, per run. A kept connection is used again only once another has been kept after it and it has
 * rested {@link #MIN_REST_NANOS} ({@link KeptConnections}): its supervisor has torn its last run down and
 * prepared the next meanwhile, as an idle one has. Its supervisor may be gone by then (the launcher
 * restarted, or the supervisor could not vouch for its state after the run): a spec that cannot be written
 * to it is sent on another connection; one that was written but never answered is reported as the
 * supervisor's death, as on a new connection.
 */
public final class LauncherServer implements AutoCloseable {

    /** Kept connections left waiting before one is used: each has had a run's time to get ready. */
    static final int REST = 1;
    /**
     * How long a kept connection rests at least before it is used again: longer than a supervisor takes to
     * tear a run down and prepare the next (well under a millisecond on the machines measured).
     */
    static final long MIN_REST_NANOS = 2_000_000;
    /** At most this many kept (their supervisors held): others are closed (their supervisors go idle). */
    public static final int MAX_KEPT =
            Math.max(4, Math.min(32, 2 * Runtime.getRuntime().availableProcessors() + REST));

    /**
     * Runs in flight at most, with the one being sent, for its spec to ask for the next run's pid 1 made
     * ahead ({@code ahead=1}, launcher.h): half the CPUs. Made ahead, the clone and the id maps leave a run's
     * path (measured: ~0.5 ms less wall time a run) but cost CPU (~0.4 ms more a run on the VM measured:
     * the making overlaps other runs' work); it takes spare CPU, so it is asked for only while spare CPU
     * is likely, never when the runs in flight could keep every CPU busy.
     */
    static final int AHEAD_MAX_IN_FLIGHT = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);

    /** Runs sent through this server whose connections are not yet given back or closed. */
    private final AtomicInteger inFlight = new AtomicInteger();

    private final Process process;
    private final OutputStream stdin;
    private final UnixDomainSocketAddress address;
    private final KeptConnections<SocketChannel> kept =
            new KeptConnections<>(REST, MIN_REST_NANOS, MAX_KEPT, LaunchConnection::closeQuietly, System::nanoTime);

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

    /**
     * Sends one run's spec (of a work dir holding {@code idRange}, its spec's uid_base) on a kept connection, one
     * whose last run had the same range when one has rested, or a new one; the caller reads the report. A kept
     * connection the spec cannot be written to (its supervisor gone: nothing of the spec was read as a
     * run) is closed and the next one tried.
     */
    public LaunchConnection open(LaunchRequest request, long idRange) {
        boolean sent = false;
        if (inFlight.incrementAndGet() <= AHEAD_MAX_IN_FLIGHT) {
            request.put("ahead", 1);
        }
        try {
            LaunchConnection conn = send(request.toBytes(), idRange);
            sent = true;
            return conn;
        } finally {
            if (!sent) {
                inFlight.decrementAndGet();
            }
        }
    }

    private LaunchConnection send(byte[] spec, long idRange) {
        // kept connections go back with the run's id range: the next pid 1 their supervisors make is for it
        Consumer<SocketChannel> keeper = channel -> kept.giveBack(channel, idRange);
        for (SocketChannel channel; (channel = kept.take(idRange)) != null; ) {
            try {
                send(channel, spec);
                return new LaunchConnection(channel, keeper, inFlight::decrementAndGet);
            } catch (IOException gone) {
                LaunchConnection.closeQuietly(channel);
            }
        }
        SocketChannel channel = null;
        try { // a new connection: an idle supervisor takes it
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(address);
            send(channel, spec);
            return new LaunchConnection(channel, keeper, inFlight::decrementAndGet);
        } catch (IOException e) {
            if (channel != null) {
                LaunchConnection.closeQuietly(channel);
            }
            throw new SandboxException(
                    "cannot reach the launcher at " + address.getPath() + ": " + e.getMessage()
                            + (process.isAlive() ? "" : " (the launcher exited with " + process.exitValue() + ")"),
                    e);
        }
    }

    private static void send(SocketChannel channel, byte[] spec) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(spec);
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        kept.closeAll(); // their supervisors see the end, and exit with the server
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
