package dev.proctor.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A kept-alive connection the server closes after taking a request without answering it: the bench's client sends
 * a {@code GET} again on a fresh connection, but never a {@code POST} (the server may have taken it: a job
 * submitted twice).
 */
class LeanHttpClientStaleConnectionTest {

    private ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::serve, "stale-connection-test-server");
        t.setDaemon(true);
        t.start();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    /** Each connection: the first request is answered, the second is read whole and the connection closed. */
    private void serve() {
        while (true) {
            try (Socket s = server.accept()) {
                connections.incrementAndGet();
                InputStream in = new BufferedInputStream(s.getInputStream());
                readRequest(in);
                requests.incrementAndGet();
                s.getOutputStream()
                        .write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                if (readRequest(in)) {
                    requests.incrementAndGet();
                }
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** Reads one request's head and its Content-Length body; false at the end of the connection. */
    private static boolean readRequest(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int b;
        while (!head.toString().endsWith("\r\n\r\n")) {
            if ((b = in.read()) < 0) {
                return false;
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return in.readNBytes(length).length == length;
    }

    private LeanHttpClient client() {
        return new LeanHttpClient(URI.create("http://127.0.0.1:" + server.getLocalPort()));
    }

    @Test
    void aGetOnAClosedConnectionIsSentAgainOnAFreshOne() throws IOException {
        try (LeanHttpClient c = client()) {
            assertEquals("ok", c.send("GET", "/a", new String[0], null).body());
            assertEquals("ok", c.send("GET", "/a", new String[0], null).body());
        }
        assertEquals(2, connections.get());
        assertEquals(3, requests.get());
    }

    @Test
    void aPostOnAClosedConnectionIsNotSentAgain() throws IOException {
        byte[] job = "{\"profile\":\"bash\"}".getBytes(StandardCharsets.UTF_8);
        try (LeanHttpClient c = client()) {
            assertEquals(
                    "ok", c.send("POST", "/api/v1/jobs", new String[0], job).body());
            assertThrows(EOFException.class, () -> c.send("POST", "/api/v1/jobs", new String[0], job));
        }
        assertEquals(1, connections.get());
        assertEquals(2, requests.get());
    }
}
