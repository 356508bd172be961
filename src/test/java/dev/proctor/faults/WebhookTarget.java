package dev.proctor.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A misbehaving webhook receiver on loopback, written on plain sockets to control every byte:
 * {@code /hang} never answers, {@code /trickle} sends 200 and a body that never ends, {@code /slow}
 * answers 200 only when the test says so, {@code /redirect} and {@code /redirect-internal} answer 307
 * (to {@code /landing} here, or to a link-local metadata address), {@code /ok} answers 200.
 */
final class WebhookTarget implements AutoCloseable {

    /** One request as the target saw it; {@code clientClosed} once the client hung up. */
    static final class Exchange {
        final String path;
        final String job;
        volatile boolean clientClosed;

        Exchange(String path, String job) {
            this.path = path;
            this.job = job;
        }
    }

    private final ServerSocket server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "webhook-target");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch slowGate = new CountDownLatch(1);
    private final Queue<Exchange> exchanges = new ConcurrentLinkedQueue<>();
    private final Queue<Socket> sockets = new ConcurrentLinkedQueue<>();

    WebhookTarget() throws IOException {
        server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        pool.execute(this::accept);
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    /** Lets every {@code /slow} request have its answer. */
    void releaseSlow() {
        slowGate.countDown();
    }

    List<Exchange> exchanges(String path) {
        return exchanges.stream().filter(e -> e.path.equals(path)).toList();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                pool.execute(() -> handle(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            String head = readHead(in);
            String path = head.split(" ", 3)[1];
            in.readNBytes(header(head, "content-length", 0));
            Exchange x = new Exchange(path, headerText(head, "x-proctor-job"));
            exchanges.add(x);
            switch (path) {
                case "/hang" -> awaitHangUp(in, x);
                case "/trickle" -> {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + "a".repeat(100))
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    awaitHangUp(in, x);
                }
                case "/slow" -> {
                    slowGate.await();
                    answer(out, "200 OK", "");
                }
                case "/redirect" -> answer(out, "307 Temporary Redirect", "Location: " + url("/landing") + "\r\n");
                case "/redirect-internal" ->
                    answer(out, "307 Temporary Redirect", "Location: http://169.254.169.254/latest/meta-data/\r\n");
                default -> answer(out, "200 OK", "");
            }
        } catch (IOException | RuntimeException e) {
            // the client went away: that is what several cases wait for
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void answer(OutputStream out, String status, String headers) throws IOException {
        out.write(("HTTP/1.1 " + status + "\r\n" + headers + "Content-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Blocks until the client closes the connection (or the target is closed). */
    private static void awaitHangUp(InputStream in, Exchange x) {
        try {
            while (in.read() >= 0) {
                // a client sends nothing more on this connection; read to its end
            }
            x.clientClosed = true;
        } catch (IOException e) {
            x.clientClosed = true;
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("request ended early");
            }
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3))
                    ? state + 1
                    : 0;
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    private static String headerText(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0
                    && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static int header(String head, String name, int fallback) {
        String v = headerText(head, name);
        return v == null ? fallback : Integer.parseInt(v);
    }

    @Override
    public void close() throws IOException {
        slowGate.countDown();
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        pool.shutdownNow();
    }
}
