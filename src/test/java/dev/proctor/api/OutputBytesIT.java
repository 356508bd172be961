package dev.proctor.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.proctor.bench.ServiceNode;
import dev.proctor.testsupport.PostgresTestResource;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random program output through the packaged service, the real sandbox and PostgreSQL: all 256 byte values,
 * invalid UTF-8, NUL, CR-only lines, one huge line, sizes just under, at and over the output limit. What is
 * stored and returned equals what the program wrote, up to the limit; the exact checker judges those bytes;
 * every job runs once.
 */
class OutputBytesIT {

    /** The output limit of these jobs; the service keeps this much of a stream (its default, 64 KiB). */
    private static final int LIMIT = 64 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static PostgresTestResource postgres;
    private static ServiceNode node;

    @BeforeContainer
    static void start() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true requires this kernel test: the sandbox needs root");
            }
            return;
        }
        postgres = new PostgresTestResource();
        node = ServiceNode.start("bytes", postgres.start(), Map.of("proctor.node.slots", "2"));
    }

    @AfterContainer
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (postgres != null) {
            postgres.stop();
        }
    }

    @Provide
    Arbitrary<byte[]> outputs() {
        Arbitrary<byte[]> any = Arbitraries.bytes().array(byte[].class).ofMaxSize(3000);
        Arbitrary<byte[]> awkward = Arbitraries.of(
                        (byte) 0,
                        (byte) 0xff,
                        (byte) 0xc3,
                        (byte) 0xa9,
                        (byte) 0xed,
                        (byte) 0xa0,
                        (byte) '\r',
                        (byte) '\n',
                        (byte) ' ',
                        (byte) 'x')
                .array(byte[].class)
                .ofMaxSize(200);
        Arbitrary<byte[]> text =
                Arbitraries.strings().all().ofMaxLength(200).map(s -> s.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> nearLimit = Arbitraries.of(LIMIT - 1, LIMIT, LIMIT + 1, 60_000)
                .flatMap(n -> Arbitraries.bytes().array(byte[].class).ofSize(n));
        Arbitrary<byte[]> crOnly =
                Arbitraries.integers().between(1, 500).map(n -> "a\r".repeat(n).getBytes());
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, any),
                net.jqwik.api.Tuple.of(3, awkward),
                net.jqwik.api.Tuple.of(2, text),
                net.jqwik.api.Tuple.of(2, nearLimit),
                net.jqwik.api.Tuple.of(1, crOnly));
    }

    @Property(tries = 40)
    void whatTheProgramWritesIsStoredAndReturnedExactly(@ForAll("outputs") byte[] written) throws Exception {
        if (node == null) {
            return;
        }
        JsonNode job = catJob(written);
        String expectedVerdict = written.length > LIMIT ? "output_limit_exceeded" : "accepted";
        assertEquals(expectedVerdict, job.get("verdict").asText(), job.toString());
        assertEquals(1, job.get("attempts").asInt(), "run once");
        byte[] kept = Arrays.copyOf(written, Math.min(written.length, LIMIT));
        JsonNode test = job.get("tests").get(0);
        assertArrayEquals(kept, bytes(test, "stdout"), "default encoding");
        JsonNode again = get(job.get("id").asText(), "?encoding=base64");
        JsonNode t64 = again.get("tests").get(0);
        assertEquals("base64", t64.get("stdout_encoding").asText());
        assertArrayEquals(kept, bytes(t64, "stdout"), "encoding=base64");
        if (written.length <= LIMIT) {
            assertEquals(written.length, test.get("stdout_bytes").asLong());
        }
    }

    @Example
    void aNulByteEndsTheJobOnceAsAccepted() throws Exception {
        if (node == null) {
            return;
        }
        byte[] out = "a\0b\n".getBytes(StandardCharsets.US_ASCII);
        JsonNode job = catJob(out);
        assertEquals("accepted", job.get("verdict").asText(), job.toString());
        assertEquals(1, job.get("attempts").asInt());
        JsonNode test = job.get("tests").get(0);
        assertEquals("utf8", test.get("stdout_encoding").asText());
        assertEquals("a\0b\n", test.get("stdout").asText());
    }

    @Example
    void invalidUtf8ComesBackAsBase64() throws Exception {
        if (node == null) {
            return;
        }
        byte[] out = {(byte) 0xff, (byte) 0xfe, ' ', 'o', 'k', '\n'};
        JsonNode test = catJob(out).get("tests").get(0);
        assertEquals("base64", test.get("stdout_encoding").asText());
        assertEquals("//4gb2sK", test.get("stdout").asText());
    }

    @Example
    void halfAGigabyteOfNulsIsAnOutputLimitNotAWedgedJob() throws Exception {
        if (node == null) {
            return;
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("profile", "bash");
        body.putArray("files").addObject().put("path", "main.sh").put("content", "head -c 536870912 /dev/zero\n");
        body.putObject("limits").put("output_kb", 64).put("cpu_time_ms", 10_000).put("wall_time_ms", 30_000);
        JsonNode job = submit(body);
        assertEquals("output_limit_exceeded", job.get("verdict").asText(), job.toString());
        assertEquals(1, job.get("attempts").asInt());
        assertTrue(bytes(job.get("tests").get(0), "stdout").length <= LIMIT);
    }

    /** A bash job that writes {@code out} (a file it cats), judged by the exact checker against the same bytes. */
    private static JsonNode catJob(byte[] out) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        body.put("profile", "bash");
        var files = body.putArray("files");
        files.addObject().put("path", "main.sh").put("content", "cat data.bin\n");
        files.addObject()
                .put("path", "data.bin")
                .put("content", Base64.getEncoder().encodeToString(out))
                .put("encoding", "base64");
        body.putArray("tests")
                .addObject()
                .put("name", "t")
                .put("expected_output", Base64.getEncoder().encodeToString(out))
                .put("expected_output_encoding", "base64");
        body.putObject("checker").put("type", "exact");
        // only the output limit may trigger: CPU, wall and memory get wide margins
        body.putObject("limits")
                .put("output_kb", LIMIT / 1024)
                .put("cpu_time_ms", 10_000)
                .put("wall_time_ms", 30_000)
                .put("memory_mb", 256);
        return submit(body);
    }

    private static JsonNode submit(ObjectNode body) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(node.uri("/api/v1/jobs?wait=true&timeout_s=60"))
                        .header("Authorization", "Bearer " + ServiceNode.ADMIN_KEY)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode job = JSON.readTree(r.body());
        assertEquals("done", job.get("state").asText(), r.body());
        return job;
    }

    private static JsonNode get(String id, String query) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(node.uri("/api/v1/jobs/" + id + query))
                        .header("Authorization", "Bearer " + ServiceNode.ADMIN_KEY)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static byte[] bytes(JsonNode test, String field) {
        String enc = test.get(field + "_encoding").asText();
        String v = test.get(field).asText();
        return enc.equals("base64") ? Base64.getDecoder().decode(v) : v.getBytes(StandardCharsets.UTF_8);
    }
}
