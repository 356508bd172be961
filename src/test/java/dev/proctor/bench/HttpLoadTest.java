package dev.proctor.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.testsupport.Probes;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code proctor-http-load} (src/bench/c/httpload.c), built here with gcc, against a stand-in service on loopback:
 * what it sends, that it polls until the job view's own {@code state} is done (not a test's nested one), that each
 * job's last body reaches the JVM byte for byte, that a connection the server closes is opened again, and that a
 * {@code POST} the server took without answering is reported, never sent twice.
 */
class HttpLoadTest {

    private static final String KEY = "pk_test_load_0123";
    private static final String JOB = "{\"profile\":\"bash\",\"tests\":[{\"name\":\"t\"}]}";
    private static final int POLLS_BEFORE_DONE = 3;

    @TempDir
    static Path build;

    private static Path binary;

    private ServerSocket server;
    /** Every request's head line, in order of arrival. */
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();
    private final Map<String, byte[]> finalBodies = new ConcurrentHashMap<>();
    private final AtomicInteger posts = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    /** Every this many POSTs, the connection is closed after reading one (no answer). */
    private volatile int dropEveryPost = 0;
    /** Every this many POSTs is answered 503. */
    private volatile int refuseEveryPost = 0;
    /** Views with the job's state after a nested object (a test's, whose own "state" says done). */
    private volatile boolean stateAfterTests;

    @BeforeAll
    static void compile() {
        binary = build.resolve("proctor-http-load");
        Probes.gcc(Probes.PROJECT.resolve("src/bench/c/httpload.c"), binary);
    }

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "http-load-test-server");
        t.setDaemon(true);
        t.start();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private void accept() {
        while (true) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                Thread t = new Thread(() -> serve(s), "http-load-test-connection");
                t.setDaemon(true);
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            int served = 0;
            while (true) {
                String[] head = readHead(in);
                if (head == null) {
                    return;
                }
                byte[] body = in.readNBytes(contentLength(head));
                requests.add(head[0]);
                check(head, body);
                served++;
                String[] line = head[0].split(" ");
                if (line[0].equals("POST")) {
                    int n = posts.incrementAndGet();
                    if (dropEveryPost > 0 && n % dropEveryPost == 0) {
                        return;
                    }
                    if (refuseEveryPost > 0 && n % refuseEveryPost == 0) {
                        send(
                                out,
                                "503 Service Unavailable",
                                "",
                                "{\"status\":503}".getBytes(StandardCharsets.US_ASCII));
                        continue;
                    }
                    String id = UUID.randomUUID().toString();
                    polls.put(id, new AtomicInteger());
                    boolean wait = line[1].contains("wait=true");
                    respond(out, id, wait, served % 4 == 0);
                } else {
                    String id = line[1].substring("/api/v1/jobs/".length());
                    int seen = polls.get(id).incrementAndGet();
                    respond(out, id, seen >= POLLS_BEFORE_DONE, served % 4 == 0);
                }
                if (served % 4 == 0) {
                    return; // answered with Connection: close
                }
            }
        } catch (IOException gone) {
            // the client went away
        }
    }

    /** A job view: the job's own state first, then a test whose nested "state" says done while the job runs. */
    private void respond(OutputStream out, String id, boolean done, boolean close) throws IOException {
        String state = "\"state\":\"" + (done ? "done" : "running") + "\"";
        String tests = "\"tests\":[{\"name\":\"t\",\"state\":\"done\",\"stdout\":\"a\\nb\"}]";
        String view = "{\"id\":\"" + id + "\",\"url\":\"/api/v1/jobs/" + id + "\","
                + (stateAfterTests ? tests + "," + state : state + "," + tests) + "}";
        byte[] body = view.getBytes(StandardCharsets.UTF_8);
        if (done) {
            finalBodies.put(id, body);
        }
        send(
                out,
                done ? "200 OK" : "202 Accepted",
                "Content-Type: application/json\r\n" + (close ? "Connection: close\r\n" : ""),
                body);
    }

    /** One answer: its status, {@code headers} (each ending in CRLF), the body's length and the body. */
    private static void send(OutputStream out, String status, String headers, byte[] body) throws IOException {
        String head = "HTTP/1.1 " + status + "\r\n" + headers + "Content-Length: " + body.length + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    private void check(String[] head, byte[] body) {
        String line = head[0];
        boolean post = line.startsWith("POST /api/v1/jobs");
        if (!post && !line.matches("GET /api/v1/jobs/[0-9a-f-]{36} HTTP/1\\.1")) {
            problems.add("unexpected request line: " + line);
        }
        if (!header(head, "authorization").equals("Bearer " + KEY)) {
            problems.add("authorization: " + header(head, "authorization"));
        }
        if (!header(head, "host").equals("127.0.0.1:" + server.getLocalPort())) {
            problems.add("host: " + header(head, "host"));
        }
        if (post
                && (!header(head, "content-type").equals("application/json")
                        || !new String(body, StandardCharsets.UTF_8).equals(JOB))) {
            problems.add(
                    "submission: " + header(head, "content-type") + " " + new String(body, StandardCharsets.UTF_8));
        }
    }

    private LoadOutput run(String mode, int concurrency) throws Exception {
        Path out = build.resolve("out-" + UUID.randomUUID());
        ProcessBuilder pb = new ProcessBuilder(
                        binary.toString(),
                        "127.0.0.1",
                        Integer.toString(server.getLocalPort()),
                        "1",
                        Integer.toString(concurrency),
                        mode,
                        "1",
                        out.toString())
                .redirectErrorStream(true);
        pb.environment().put("PROCTOR_BENCH_KEY", KEY);
        Process p = pb.start();
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write(JOB.getBytes(StandardCharsets.UTF_8));
        }
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the load generator did not stop");
        assertEquals(0, p.exitValue(), said);
        return LoadOutput.read(Files.readAllBytes(out));
    }

    @Test
    void pollsEachJobUntilItsOwnStateIsDoneAndHandsOverItsLastBody() throws Exception {
        LoadOutput result = run("poll", 3);
        assertEquals(List.of(), problems);
        assertEquals(List.of(), result.reasons());
        assertTrue(result.jobs().size() > 10, "jobs: " + result.jobs().size());
        // jobs under way at the end were finished, every one reported once
        assertEquals(posts.get(), result.jobs().size());
        for (LoadOutput.Job j : result.jobs()) {
            String text = new String(j.body(), StandardCharsets.UTF_8);
            String id = text.substring(7, 43);
            assertArrayEquals(finalBodies.get(id), j.body(), text);
            assertEquals(POLLS_BEFORE_DONE, polls.get(id).get(), "polls of " + id);
            assertTrue(j.latencyNanos() >= POLLS_BEFORE_DONE * 1_000_000L, "latency " + j.latencyNanos());
        }
        assertTrue(connections.get() > 3, "connections closed by the server are opened again");
        assertTrue(result.cpuNanos() > 0);
    }

    @Test
    void waitsWithoutPollingWhenTheSubmissionAnswersDone() throws Exception {
        LoadOutput result = run("wait", 2);
        assertEquals(List.of(), problems);
        assertEquals(List.of(), result.reasons());
        assertEquals(posts.get(), result.jobs().size());
        assertEquals(
                posts.get(),
                requests.size(),
                "no GET: " + requests.stream().filter(r -> r.startsWith("GET")).count());
    }

    @Test
    void aSubmissionTakenWithoutAnAnswerIsReportedNotSentAgain() throws Exception {
        dropEveryPost = 5;
        LoadOutput result = run("poll", 2);
        assertEquals(List.of(), problems);
        assertTrue(result.failures() > 0);
        for (String reason : result.reasons()) {
            assertEquals("connection lost during the submission", reason);
        }
        assertEquals(posts.get(), result.jobs().size() + result.failures(), "every POST was one job, or one failure");
        assertEquals(posts.get() / 5, result.failures());
    }

    @Test
    void aRefusedSubmissionIsReportedWithItsStatus() throws Exception {
        refuseEveryPost = 3;
        LoadOutput result = run("wait", 1);
        assertEquals(List.of(), problems);
        assertEquals(posts.get() / 3, result.failures());
        assertEquals(posts.get(), result.jobs().size() + result.failures());
        for (String reason : result.reasons()) {
            assertEquals("submission answered 503", reason);
        }
    }

    @Test
    void anAnswerWithoutTheJobsOwnStateFirstFailsTheJobRatherThanPollingOnANestedOne() throws Exception {
        stateAfterTests = true;
        LoadOutput result = run("poll", 2);
        assertEquals(List.of(), problems);
        assertEquals(List.of(), result.jobs());
        assertTrue(result.failures() > 0);
        assertEquals(posts.get(), result.failures());
        for (String reason : result.reasons()) {
            assertEquals("no job state in an answer", reason);
        }
    }

    private static String[] readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int b;
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            if ((b = in.read()) < 0) {
                return null;
            }
            head.append((char) b);
        }
        return head.substring(0, head.length() - 4).split("\r\n");
    }

    private static int contentLength(String[] head) {
        String v = header(head, "content-length");
        return v.isEmpty() ? 0 : Integer.parseInt(v);
    }

    private static String header(String[] head, String name) {
        for (int i = 1; i < head.length; i++) {
            int colon = head[i].indexOf(':');
            if (colon > 0
                    && head[i].substring(0, colon).toLowerCase(Locale.ROOT).equals(name)) {
                return head[i].substring(colon + 1).trim();
            }
        }
        return "";
    }
}
