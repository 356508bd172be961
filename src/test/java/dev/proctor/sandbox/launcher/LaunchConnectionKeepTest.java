package dev.proctor.sandbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When a run's connection goes back to its server for a later run (launcher.h, "keep"): only after a whole
 * report that says keep=1, never after a cancel; and a cancel that comes after the run's end (a watchdog or a
 * caller late by a hair) does nothing to the connection, which may be another run's by then.
 */
class LaunchConnectionKeepTest {

    private Path dir;
    private ServerSocketChannel server;
    private SocketChannel client;
    private SocketChannel supervisor;
    private final List<SocketChannel> givenBack = new ArrayList<>();

    @BeforeEach
    void connect() throws IOException {
        dir = Files.createTempDirectory("launch-keep");
        Path socket = dir.resolve("s");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        client = SocketChannel.open(StandardProtocolFamily.UNIX);
        client.connect(UnixDomainSocketAddress.of(socket));
        supervisor = server.accept();
    }

    @AfterEach
    void close() throws IOException {
        client.close();
        supervisor.close();
        server.close();
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir);
    }

    private LaunchReport reply(LaunchConnection conn, String text) throws IOException {
        supervisor.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        return conn.awaitReport();
    }

    /** Whether the supervisor's end sees the client's end shut (what a cancel does). */
    private boolean shutByClient() throws IOException {
        supervisor.configureBlocking(false);
        try {
            return supervisor.read(ByteBuffer.allocate(1)) < 0;
        } finally {
            supervisor.configureBlocking(true);
        }
    }

    @Test
    void aReportSayingKeepGivesTheConnectionBackOpen() throws IOException {
        LaunchConnection conn = new LaunchConnection(client, givenBack::add);
        LaunchReport report = reply(conn, "exit_code=0\nwall_us=5\nkilled_by=none\nkeep=1\nend\n");
        assertTrue(report.keep());
        conn.close();
        assertEquals(List.of(client), givenBack);
        assertTrue(client.isOpen());
        assertFalse(shutByClient());
    }

    @Test
    void theRunIsReleasedOnceWhenItsConnectionIsGivenBackOrClosed() throws IOException {
        AtomicInteger released = new AtomicInteger();
        LaunchConnection kept = new LaunchConnection(client, givenBack::add, released::incrementAndGet);
        reply(kept, "exit_code=0\nkilled_by=none\nkeep=1\nend\n");
        assertEquals(0, released.get(), "released before its close");
        kept.close();
        kept.close();
        assertEquals(1, released.get());
        assertEquals(List.of(client), givenBack);
    }

    @Test
    void aCancelledRunIsReleasedOnceToo() throws IOException {
        AtomicInteger released = new AtomicInteger();
        LaunchConnection conn = new LaunchConnection(client, givenBack::add, released::incrementAndGet);
        conn.cancel();
        conn.close();
        conn.close();
        assertEquals(1, released.get());
        assertEquals(List.of(), givenBack);
    }

    @Test
    void aReportWithoutKeepClosesTheConnection() throws IOException {
        LaunchConnection conn = new LaunchConnection(client, givenBack::add);
        assertFalse(reply(conn, "exit_code=0\nkilled_by=none\nend\n").keep());
        conn.close();
        assertEquals(List.of(), givenBack);
        assertFalse(client.isOpen());
    }

    @Test
    void keepInAReportCutShortIsNotTaken() throws IOException {
        LaunchConnection conn = new LaunchConnection(client, givenBack::add);
        supervisor.write(ByteBuffer.wrap("exit_code=0\nkeep=1\n".getBytes(StandardCharsets.UTF_8)));
        supervisor.close(); // the supervisor died before its end line
        LaunchReport report = conn.awaitReport();
        assertFalse(report.keep());
        assertTrue(report.error() != null);
        conn.close();
        assertEquals(List.of(), givenBack);
        assertFalse(client.isOpen());
    }

    @Test
    void aCancelledRunsConnectionIsNotKeptEvenIfItsReportSaysSo() throws IOException {
        LaunchConnection conn = new LaunchConnection(client, givenBack::add);
        conn.cancel();
        assertTrue(shutByClient());
        reply(conn, "signal=9\nkilled_by=none\nkeep=1\nend\n");
        conn.close();
        assertEquals(List.of(), givenBack);
        assertFalse(client.isOpen());
    }

    @Test
    void aCancelAfterTheRunsCloseLeavesTheKeptConnectionAlone() throws IOException {
        LaunchConnection first = new LaunchConnection(client, givenBack::add);
        reply(first, "exit_code=0\nkilled_by=none\nkeep=1\nend\n");
        first.close();
        // the connection is the next run's now: its spec goes out, and the first run's late cancel comes
        LaunchConnection next = new LaunchConnection(client, givenBack::add);
        first.cancel();
        assertTrue(client.isOpen());
        assertFalse(shutByClient(), "a late cancel shut the next run's connection");
        assertEquals(
                7, reply(next, "exit_code=7\nkilled_by=none\nkeep=1\nend\n").exitCode());
        next.close();
        assertEquals(List.of(client, client), givenBack);
    }

    @Test
    void aConnectionWithNowhereToGoIsClosedWhateverItsReport() throws IOException {
        LaunchConnection conn = new LaunchConnection(client);
        assertTrue(reply(conn, "exit_code=0\nkilled_by=none\nkeep=1\nend\n").keep());
        conn.close();
        assertFalse(client.isOpen());
    }
}
