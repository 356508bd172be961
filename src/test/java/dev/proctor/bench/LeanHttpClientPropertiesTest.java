package dev.proctor.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The bench's HTTP/1.1 client against a server on loopback that answers generated bodies in every framing a
 * server may choose (Content-Length, chunked in generated chunk sizes, the end of the connection, a
 * {@code Connection: close}), several exchanges on one connection: the client gets each body exactly, and the
 * server gets each request body exactly.
 */
class LeanHttpClientPropertiesTest {

    /** How the test server frames one response. */
    enum Framing {
        LENGTH,
        CHUNKED,
        LENGTH_THEN_CLOSE,
        END_OF_CONNECTION
    }

    /** One exchange: the request body the client sends, the response the server answers and its framing. */
    record Exchange(String requestBody, int status, String responseBody, Framing framing, int chunk) {}

    private static ServerSocket server;
    private static Thread serving;
    private static final BlockingQueue<Exchange> SCRIPT = new LinkedBlockingQueue<>();
    private static final BlockingQueue<byte[]> RECEIVED = new LinkedBlockingQueue<>();

    @BeforeContainer
    static void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        serving = new Thread(LeanHttpClientPropertiesTest::serve, "lean-http-test-server");
        serving.setDaemon(true);
        serving.start();
    }

    @AfterContainer
    static void stop() throws IOException {
        server.close();
    }

    @Property(tries = 200)
    void everyBodyArrivesExactlyInEveryFraming(@ForAll("exchanges") List<Exchange> exchanges) throws Exception {
        try (LeanHttpClient client = new LeanHttpClient(URI.create("http://127.0.0.1:" + server.getLocalPort()))) {
            for (Exchange e : exchanges) {
                SCRIPT.add(e);
                byte[] sent = e.requestBody() == null ? null : e.requestBody().getBytes(StandardCharsets.UTF_8);
                LeanHttpClient.Response r = client.send(
                        sent == null ? "GET" : "POST",
                        "/api/v1/jobs?wait=true",
                        new String[] {"Authorization: Bearer k", "Content-Type: application/json"},
                        sent);
                assertEquals(e.status(), r.status());
                assertEquals(e.responseBody(), r.body());
                assertArrayEquals(sent == null ? new byte[0] : sent, RECEIVED.take());
            }
        }
    }

    @Provide
    Arbitrary<List<Exchange>> exchanges() {
        // any text but lone surrogates (not UTF-8)
        Arbitrary<String> text = Arbitraries.strings()
                .withCharRange('\u0000', '\uD7FF')
                .withCharRange('\uE000', '\uFFFF')
                .ofMaxLength(3000);
        Arbitrary<Exchange> one = net.jqwik.api.Combinators.combine(
                        text.injectNull(0.3),
                        Arbitraries.of(200, 201, 202, 400, 404, 422, 503),
                        text,
                        Arbitraries.of(Framing.class),
                        Arbitraries.integers().between(1, 700))
                .as(Exchange::new);
        return one.list().ofMinSize(1).ofMaxSize(6);
    }

    /** Answers the scripted exchanges, one connection after another, keeping each open while the script allows. */
    private static void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream());
                while (true) {
                    byte[] body = readRequest(in);
                    if (body == null) {
                        break;
                    }
                    RECEIVED.add(body);
                    Exchange e = SCRIPT.take();
                    if (!answer(out, e)) {
                        break;
                    }
                }
            } catch (IOException | InterruptedException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    /** A request's body (empty without one); null when the client closed the connection. */
    private static byte[] readRequest(InputStream in) throws IOException {
        int length = 0;
        boolean first = true;
        while (true) {
            String line = line(in);
            if (line == null) {
                if (first) {
                    return null;
                }
                throw new IOException("the request ended inside its headers");
            }
            first = false;
            if (line.isEmpty()) {
                break;
            }
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return in.readNBytes(length);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.write(c);
        }
        if (c < 0 && b.size() == 0) {
            return null;
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** Writes the response; false when the connection is to be closed after it. */
    private static boolean answer(OutputStream out, Exchange e) throws IOException {
        byte[] body = e.responseBody().getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("HTTP/1.1 ")
                .append(e.status())
                .append(" Whatever\r\nContent-Type: application/json\r\n");
        switch (e.framing()) {
            case LENGTH -> head.append("Content-Length: ").append(body.length).append("\r\n");
            case LENGTH_THEN_CLOSE ->
                head.append("content-length:").append(body.length).append("\r\nConnection: close\r\n");
            case CHUNKED -> head.append("Transfer-Encoding: chunked\r\n");
            case END_OF_CONNECTION -> head.append("Connection: close\r\n");
        }
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        if (e.framing() == Framing.CHUNKED) {
            for (int off = 0; off < body.length; off += e.chunk()) {
                int n = Math.min(e.chunk(), body.length - off);
                out.write((Integer.toHexString(n) + (off == 0 ? ";ext=1" : "") + "\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(body, off, n);
                out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            out.write("0\r\nX-Trailer: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        } else {
            out.write(body);
        }
        out.flush();
        return e.framing() == Framing.LENGTH || e.framing() == Framing.CHUNKED;
    }
}
