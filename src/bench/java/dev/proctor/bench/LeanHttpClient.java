package dev.proctor.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The bench JVM's client for HTTP/1.1 (the 50-test job; the service's load where {@code proctor-http-load}, in C,
 * cannot serve): blocking sockets kept alive, one request at a time on each, as
 * {@code wrk} or a script's {@code curl} in a loop would speak to a plain-http service. Java's
 * {@link java.net.http.HttpClient} hands each exchange across a selector thread and several futures, which cost
 * the bench ~0.5 ms of CPU per job on this VM, a tenth of what it measures; this costs two system calls and a
 * header scan per exchange. Connections are pooled (a worker takes one, uses it for one exchange, gives it back),
 * so a phase's fresh worker threads reuse the connections of the last phase.
 *
 * <p>It reads what a server may send back: a body framed by {@code Content-Length} or chunked, and
 * {@code Connection: close} (the connection is then not reused). It is not a general client: no redirects, no
 * TLS, no {@code 100-continue}, response headers of at most 64 KiB.
 */
final class LeanHttpClient implements Closeable {

    /** A response: its status and its body as text (the service answers JSON). */
    record Response(int status, String body) {}

    private static final int MAX_HEAD = 64 * 1024;

    private final String host;
    private final int port;
    private final String hostHeader;
    private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();

    LeanHttpClient(URI base) {
        if (!"http".equals(base.getScheme())) {
            throw new IllegalArgumentException("the bench's HTTP/1.1 client speaks plain http, not " + base);
        }
        this.host = base.getHost();
        this.port = base.getPort() == -1 ? 80 : base.getPort();
        this.hostHeader = host + ":" + port;
    }

    /**
     * One exchange: {@code method} on {@code pathAndQuery} with {@code headers} ("Name: value" lines, without
     * the line ends) and {@code body} (null for none). A kept-alive connection the server closed before answering
     * is replaced once for a {@code GET}; any other method's failure is the caller's: the server may have taken
     * the request before it closed (a {@code POST} sent again could submit a job twice).
     */
    Response send(String method, String pathAndQuery, String[] headers, byte[] body) throws IOException {
        byte[] head = head(method, pathAndQuery, headers, body);
        Connection c = idle.poll();
        boolean reused = c != null;
        if (c == null) {
            c = new Connection(host, port);
        }
        try {
            Response r;
            try {
                r = c.exchange(head, body);
            } catch (EOFException stale) {
                // a kept-alive connection the server had closed: one fresh try for a GET, as clients do
                c.close();
                if (!reused || !method.equals("GET")) {
                    throw stale;
                }
                c = new Connection(host, port);
                r = c.exchange(head, body);
            }
            if (c.reusable) {
                idle.add(c);
                c = null;
            }
            return r;
        } finally {
            if (c != null) {
                c.close();
            }
        }
    }

    private byte[] head(String method, String pathAndQuery, String[] headers, byte[] body) {
        StringBuilder b = new StringBuilder(256)
                .append(method)
                .append(' ')
                .append(pathAndQuery)
                .append(" HTTP/1.1\r\nHost: ")
                .append(hostHeader)
                .append("\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        if (body != null) {
            b.append("Content-Length: ").append(body.length).append("\r\n");
        }
        return b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        Connection c;
        while ((c = idle.poll()) != null) {
            c.close();
        }
    }

    /** One kept-alive connection. */
    private static final class Connection {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;
        private final byte[] line = new byte[MAX_HEAD];
        boolean reusable = true;

        Connection(String host, int port) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 5000);
            socket.setSoTimeout(120_000);
            out = new BufferedOutputStream(socket.getOutputStream(), 8192);
            in = new BufferedInputStream(socket.getInputStream(), 16384);
        }

        Response exchange(byte[] head, byte[] body) throws IOException {
            out.write(head);
            if (body != null) {
                out.write(body);
            }
            out.flush();
            String status = readLine();
            if (status == null) {
                throw new EOFException("the server closed the connection before answering");
            }
            // "HTTP/1.1 200 OK"
            int sp = status.indexOf(' ');
            if (!status.startsWith("HTTP/1.") || sp < 0 || status.length() < sp + 4) {
                throw new IOException("not an HTTP/1.x status line: " + status);
            }
            int code = Integer.parseInt(status.substring(sp + 1, sp + 4));
            long length = -1;
            boolean chunked = false;
            reusable = !status.startsWith("HTTP/1.0");
            for (String h = readLine(); ; h = readLine()) {
                if (h == null) {
                    throw new EOFException("the connection ended inside the response's headers");
                }
                if (h.isEmpty()) {
                    break;
                }
                int colon = h.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" ->
                        chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> reusable &= !value.equalsIgnoreCase("close");
                    default -> {}
                }
            }
            byte[] bytes;
            if (chunked) {
                bytes = readChunked();
            } else if (length >= 0) {
                bytes = in.readNBytes(Math.toIntExact(length));
                if (bytes.length != length) {
                    throw new EOFException("the connection ended inside the response's body");
                }
            } else if (code == 204 || code == 304 || code / 100 == 1) {
                bytes = new byte[0];
            } else {
                // framed by the end of the connection
                bytes = in.readAllBytes();
                reusable = false;
            }
            return new Response(code, new String(bytes, StandardCharsets.UTF_8));
        }

        private byte[] readChunked() throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String size = readLine();
                if (size == null) {
                    throw new EOFException("the connection ended inside a chunked body");
                }
                int semi = size.indexOf(';');
                int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    // trailers, then the empty line
                    for (String t = readLine(); t != null && !t.isEmpty(); t = readLine()) {
                        // ignored
                    }
                    return body.toByteArray();
                }
                byte[] chunk = in.readNBytes(n);
                if (chunk.length != n) {
                    throw new EOFException("the connection ended inside a chunk");
                }
                body.write(chunk);
                readLine();
            }
        }

        /** A line without its CRLF (or LF), ISO-8859-1; null at the end of the stream before any byte. */
        private String readLine() throws IOException {
            int n = 0;
            while (true) {
                int b = in.read();
                if (b < 0) {
                    if (n == 0) {
                        return null;
                    }
                    throw new EOFException("the connection ended inside a line");
                }
                if (b == '\n') {
                    if (n > 0 && line[n - 1] == '\r') {
                        n--;
                    }
                    return new String(line, 0, n, StandardCharsets.ISO_8859_1);
                }
                if (n == line.length) {
                    throw new IOException("a response header line over " + MAX_HEAD + " bytes");
                }
                line[n++] = (byte) b;
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
