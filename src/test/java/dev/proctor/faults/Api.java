package dev.proctor.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.bench.ServiceNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The HTTP API of one test node, called with its admin key. */
final class Api {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final ServiceNode node;

    Api(ServiceNode node) {
        this.node = node;
    }

    HttpResponse<String> call(String method, String path, Object body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.uri(path))
                .timeout(Duration.ofSeconds(90))
                .header("Authorization", "Bearer " + ServiceNode.ADMIN_KEY);
        if (body != null) {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Waits until the node has detected its profiles' toolchain versions: a sandbox run per profile on a
     * thread of its own from start-up on, which readiness does not wait for. A fault test that looks for
     * its job's supervisor or program below the node must not find one of those runs instead.
     */
    void awaitToolchainsDetected() throws Exception {
        Poll.until(Duration.ofSeconds(180), "the node's toolchain versions detected", () -> {
            HttpResponse<String> r = call("GET", "/api/v1/profiles", null);
            return r.statusCode() == 200 && !r.body().contains("still being detected") ? r : null;
        });
    }

    /** Submits a job (retrying while the service answers 429 or 503) and returns its id. */
    String submit(Map<String, Object> job) throws IOException, InterruptedException {
        return node.submit(JSON.writeValueAsString(job));
    }

    JsonNode job(String id) throws IOException, InterruptedException {
        HttpResponse<String> r = call("GET", "/api/v1/jobs/" + id, null);
        if (r.statusCode() != 200) {
            throw new IOException("GET job " + id + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** The job once it is done or cancelled; fails after {@code timeout}. */
    JsonNode awaitFinished(String id, Duration timeout) throws Exception {
        return Poll.until(timeout, "job " + id + " to finish", () -> {
            JsonNode j = job(id);
            String state = j.path("state").asText();
            return state.equals("done") || state.equals("cancelled") ? j : null;
        });
    }

    /** A job with one test and a python3 program. */
    static Map<String, Object> python(String program, String stdin, String expected) {
        Map<String, Object> test = new java.util.HashMap<>(Map.of("name", "t"));
        if (stdin != null) {
            test.put("stdin", stdin);
        }
        if (expected != null) {
            test.put("expected_output", expected);
        }
        return new java.util.HashMap<>(Map.of(
                "profile",
                "python3",
                "files",
                List.of(Map.of("path", "main.py", "content", program)),
                "tests",
                List.of(test)));
    }

    /** A python3 job whose program sleeps {@code seconds} then prints "done"; a wide wall limit. */
    static Map<String, Object> sleeper(double seconds) {
        Map<String, Object> job = python("import time\ntime.sleep(" + seconds + ")\nprint('done')", null, "done\n");
        job.put("limits", Map.of("wall_time_ms", 30000));
        return job;
    }

    /** A trivial job that is accepted when the sandbox and the queue work. */
    static Map<String, Object> hello() {
        return python("print('hello')", null, "hello\n");
    }

    int readinessStatus() throws IOException, InterruptedException {
        return call("GET", "/q/health/ready", null).statusCode();
    }

    /** The sum of a metric's samples at /q/metrics (0 when absent). */
    double metric(String name) throws IOException, InterruptedException {
        String text = call("GET", "/q/metrics", null).body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$")
                .matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
        }
        return sum;
    }
}
