package dev.proctor.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.proctor.bench.ServiceNode;
import dev.proctor.sandbox.rootfs.LayerFiles;
import dev.proctor.testsupport.PostgresTestResource;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real clients, unchanged, against the packaged service and the real sandbox: the npm Piston clients
 * (piston-client 1.0.2, piston-api-client 2.0.1, installed from the npm registry into a temporary directory)
 * with the key in their base URL, and Judge0's wire protocol (a batch, then polling) for every Judge0 id of the
 * language map. Every language of both maps must print the right answer.
 */
class CompatClientsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ANSWER = "hello 42";

    private static PostgresTestResource postgres;
    private static ServiceNode node;
    private static String key;
    private static JsonNode programs;

    @BeforeAll
    static void start() throws Exception {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        if (!"root".equals(System.getProperty("user.name"))) {
            if (ci) {
                throw new IllegalStateException("CI=true requires this test: the sandbox needs root");
            }
            Assumptions.abort("the sandbox needs root");
        }
        try (InputStream in = CompatClientsIT.class.getResourceAsStream("/compat/programs.json")) {
            programs = JSON.readTree(in);
        }
        postgres = new PostgresTestResource();
        node = ServiceNode.start("compat", postgres.start(), Map.of("proctor.node.slots", "2"));
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(node.uri("/api/v1/admin/clients"))
                        .header("Authorization", "Bearer " + ServiceNode.ADMIN_KEY)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"name\":\"compat-clients\",\"max_concurrent_jobs\":64}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        key = JSON.readTree(r.body()).at("/keys/0/key").asText();
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (postgres != null) {
            postgres.stop();
        }
    }

    @Test
    void npmPistonClientsGetTheRightAnswerInEveryLanguage() throws Exception {
        Path dir = Files.createTempDirectory("proctor-piston-clients-");
        try {
            npmInstall(dir);
            Path script = dir.resolve("piston-clients.mjs");
            try (InputStream in = CompatClientsIT.class.getResourceAsStream("/compat/piston-clients.mjs")) {
                Files.copy(in, script);
            }
            Path programsFile = dir.resolve("programs.json");
            Files.writeString(programsFile, programs.toString());
            String server = node.uri("/piston/k/" + key).toString();
            Process p = new ProcessBuilder("node", script.toString(), server, programsFile.toString())
                    .redirectError(dir.resolve("node.err").toFile())
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(15, TimeUnit.MINUTES), "node did not finish");
            assertEquals(0, p.exitValue(), out + "\n" + Files.readString(dir.resolve("node.err")));
            JsonNode result = JSON.readTree(out);
            List<String> languages = new ArrayList<>();
            programs.fieldNames().forEachRemaining(languages::add);
            assertEquals(8, languages.size());
            assertTrue(result.get("apiClientRuntimesOk").asBoolean());
            for (String language : languages) {
                JsonNode a = result.at("/pistonClient/" + jsonPointer(language));
                // piston-client sends its default arguments 1 2 3
                assertEquals(ANSWER + " 3\n", a.path("stdout").asText(), language + " via piston-client: " + a);
                assertEquals(0, a.path("code").asInt(-1), language + ": " + a);
                assertTrue(a.path("version").asText().matches("\\d+\\.\\d+\\.\\d+"), a.toString());
                JsonNode b = result.at("/pistonApiClient/" + jsonPointer(language));
                assertEquals(ANSWER + " 2\n", b.path("stdout").asText(), language + " via piston-api-client: " + b);
                assertEquals(0, b.path("code").asInt(-1), language + ": " + b);
            }
            JsonNode runtimes = result.get("runtimes");
            assertTrue(runtimes.isArray() && runtimes.size() == 8, runtimes.toString());
            // keys in URLs are never logged
            assertFalse(Files.readString(node.log()).contains(key), "the service log holds the API key");
        } finally {
            // npm's node_modules and the clients' files: removed, not left in /tmp run after run
            LayerFiles.deleteTree(dir);
        }
    }

    @Test
    void judge0WireProtocolGetsTheRightAnswerForEveryLanguageId() throws Exception {
        JsonNode languages = get("/judge0/languages");
        Map<String, String> byProfile = Map.of(
                "bash",
                "bash",
                "c",
                "c",
                "cpp",
                "c++",
                "go",
                "go",
                "java",
                "java",
                "javascript",
                "javascript",
                "python3",
                "python",
                "rust",
                "rust");
        List<Integer> ids = new ArrayList<>();
        ArrayNode items = JSON.createArrayNode();
        for (JsonNode l : languages) {
            int id = l.get("id").asInt();
            String profile = get("/judge0/languages/" + id).get("source_file").asText();
            String language = byProfile.get(profileOf(profile));
            ObjectNode s = items.addObject();
            s.put("language_id", id);
            s.put("source_code", b64(programs.get(language).asText()));
            s.put("stdin", b64("21\n"));
            s.put("expected_output", b64(ANSWER + " 0\n"));
            ids.add(id);
        }
        assertTrue(ids.containsAll(List.of(46, 50, 54, 60, 62, 63, 71, 73, 105)), ids.toString());
        List<String> tokens = new ArrayList<>();
        for (int from = 0; from < items.size(); from += 20) {
            ArrayNode batch = JSON.createArrayNode();
            for (int i = from; i < Math.min(items.size(), from + 20); i++) {
                batch.add(items.get(i));
            }
            JsonNode created = send(
                    "POST",
                    "/judge0/submissions/batch?base64_encoded=true",
                    JSON.createObjectNode().set("submissions", batch),
                    201);
            created.forEach(t -> tokens.add(t.get("token").asText()));
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
        for (int i = 0; i < tokens.size(); i++) {
            JsonNode s;
            do {
                s = get("/judge0/submissions/" + tokens.get(i) + "?base64_encoded=true&fields=*");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            } while (s.at("/status/id").asInt() <= 2 && System.nanoTime() < deadline);
            String detail = "language " + ids.get(i) + ": " + s;
            assertEquals(3, s.at("/status/id").asInt(), detail);
            assertEquals(ANSWER + " 0\n", unb64(s.get("stdout").asText()), detail);
            assertTrue(s.get("time").asText().matches("\\d+\\.\\d+"), detail);
            assertTrue(s.get("memory").isInt() && s.get("memory").asInt() > 0, detail);
        }
    }

    private static String profileOf(String sourceFile) {
        return switch (sourceFile) {
            case "main.sh" -> "bash";
            case "main.c" -> "c";
            case "main.cpp" -> "cpp";
            case "main.go" -> "go";
            case "Main.java" -> "java";
            case "main.js" -> "javascript";
            case "main.py" -> "python3";
            case "main.rs" -> "rust";
            default -> throw new IllegalStateException("unknown source file " + sourceFile);
        };
    }

    /** npm from the host; the registry may be out of reach: skip visibly, except under CI=true. */
    private static void npmInstall(Path dir) throws IOException, InterruptedException {
        Process npm = new ProcessBuilder(
                        "npm",
                        "install",
                        "--no-audit",
                        "--no-fund",
                        "--prefix",
                        dir.toString(),
                        "piston-client@1.0.2",
                        "piston-api-client@2.0.1")
                .redirectErrorStream(true)
                .start();
        String log = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean done = npm.waitFor(5, TimeUnit.MINUTES);
        if (!done || npm.exitValue() != 0) {
            npm.destroyForcibly();
            String why = "npm could not install the Piston clients: " + log;
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true requires the npm clients. " + why);
            }
            Assumptions.abort(why);
        }
    }

    private static JsonNode get(String path) throws IOException, InterruptedException {
        return send("GET", path, null, 200);
    }

    private static JsonNode send(String method, String path, JsonNode body, int expected)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.uri(path))
                .header("X-Auth-Token", key)
                .timeout(Duration.ofMinutes(2));
        b = body == null
                ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(expected, r.statusCode(), method + " " + path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    private static String jsonPointer(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String unb64(String s) {
        return new String(Base64.getMimeDecoder().decode(s), StandardCharsets.UTF_8);
    }
}
