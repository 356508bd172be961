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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The engine reads a report up to its "end" line, not to the supervisor's close of the connection. */
class LaunchConnectionTest {

    private static boolean endsWithEndLine(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buf = ByteBuffer.allocate(bytes.length + 16);
        buf.put(bytes);
        return LaunchConnection.endsWithEndLine(buf);
    }

    @Test
    void onlyAWholeLastLineEndEndsTheReport() {
        assertTrue(endsWithEndLine("end\n"));
        assertTrue(endsWithEndLine("exit_code=0\nend\n"));
        assertTrue(endsWithEndLine("error=step=spec errno=22 (Invalid argument) detail=x\nend\n"));
        assertFalse(endsWithEndLine(""));
        assertFalse(endsWithEndLine("end"));
        assertFalse(endsWithEndLine("exit_code=0\nen"));
        assertFalse(endsWithEndLine("exit_code=0\nend"));
        assertFalse(endsWithEndLine("killed_by=none\nsend\n"));
        assertFalse(endsWithEndLine("detail=legend\n"));
        assertFalse(endsWithEndLine("sample=1,2,3\n"));
    }

    /**
     * The supervisor's reply is returned while its connection is still open: the "supervisor" here sends a
     * second report only after the first was returned, or after a minute (a reader that waits for EOF), and
     * closes the connection after that; a reader that waited for the close would see the second one's exit code.
     */
    @Test
    void theReportIsReturnedAtItsEndLineWithTheConnectionStillOpen() throws Exception {
        Path dir = Files.createTempDirectory("launch-connection");
        Path socket = dir.resolve("s");
        CountDownLatch returned = new CountDownLatch(1);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
            client.connect(UnixDomainSocketAddress.of(socket));
            try (SocketChannel supervisor = server.accept();
                    LaunchConnection conn = new LaunchConnection(client)) {
                Thread writer = new Thread(() -> {
                    try (supervisor) {
                        supervisor.write(ByteBuffer.wrap(
                                "exit_code=0\nwall_us=2793\nkilled_by=none\nend\n".getBytes(StandardCharsets.UTF_8)));
                        returned.await(1, TimeUnit.MINUTES);
                        supervisor.write(ByteBuffer.wrap("exit_code=7\nend\n".getBytes(StandardCharsets.UTF_8)));
                    } catch (IOException | InterruptedException e) {
                        // the reader closed its end first: what this test expects of a correct reader
                    }
                });
                writer.start();
                LaunchReport report = conn.awaitReport();
                returned.countDown();
                writer.join();
                assertEquals(0, report.exitCode());
                assertEquals(2793, report.wallMicros());
            }
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }
}
