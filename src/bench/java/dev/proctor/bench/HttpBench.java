package dev.proctor.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code proctor bench http}: trivial jobs end to end against a running service (PROCTOR_URL,
 * default http://127.0.0.1:8080, and PROCTOR_API_KEY), at a fixed concurrency for a fixed time;
 * first submitting with {@code wait=true}, then submitting and polling. Prints figures only.
 */
final class HttpBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JOB =
            "{\"profile\":\"bash\",\"files\":[{\"path\":\"main.sh\",\"content\":\"echo hi\"}],"
                    + "\"tests\":[{\"name\":\"t\",\"expected_output\":\"hi\\n\"}]}";

    private record Sample(long latencyNanos, long sandboxMicros, boolean accepted) {}

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final String key;

    private HttpBench(URI base, String key) {
        this.base = base;
        this.key = key;
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        String key = System.getenv("PROCTOR_API_KEY");
        if (key == null || key.isBlank()) {
            err.println("proctor bench http: set PROCTOR_API_KEY to an API key of the running service"
                    + " (and PROCTOR_URL if it is not http://127.0.0.1:8080)");
            return 2;
        }
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int concurrency = args.length > 1
                ? Integer.parseInt(args[1])
                : 2 * Runtime.getRuntime().availableProcessors();
        URI base = URI.create(System.getenv().getOrDefault("PROCTOR_URL", "http://127.0.0.1:8080"));
        HttpBench bench = new HttpBench(base, key);
        try {
            out.printf(
                    "proctor bench http: %s, concurrency %d, %d s per mode, job: bash `echo hi`, one test%n",
                    base, concurrency, seconds);
            bench.phase("submit with wait=true", seconds, concurrency, true, out);
            bench.phase("submit, then poll", seconds, concurrency, false, out);
            return 0;
        } catch (InterruptedException | ExecutionException e) {
            err.println("proctor bench http: " + e.getMessage());
            return 1;
        }
    }

    private void phase(String name, int seconds, int concurrency, boolean wait, PrintStream out)
            throws InterruptedException, ExecutionException {
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        AtomicLong failures = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<Future<?>> workers = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < concurrency; i++) {
            workers.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    try {
                        samples.add(oneJob(wait));
                    } catch (IOException | InterruptedException e) {
                        failures.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> w : workers) {
            w.get();
        }
        pool.shutdown();
        report(name, samples, failures.get(), (System.nanoTime() - t0) / 1e9, out);
    }

    private Sample oneJob(boolean wait) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        JsonNode job =
                send(HttpRequest.newBuilder(base.resolve("/api/v1/jobs" + (wait ? "?wait=true&timeout_s=30" : "")))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JOB)));
        while (!"done".equals(job.path("state").asText())) {
            Thread.sleep(2); // poll as a client would, without hammering the service
            job = send(HttpRequest.newBuilder(
                            base.resolve("/api/v1/jobs/" + job.get("id").asText()))
                    .GET());
        }
        long latency = System.nanoTime() - t0;
        long sandbox = 0;
        for (JsonNode t : job.path("tests")) {
            sandbox += t.path("wall_time_ms").asLong() * 1000;
        }
        return new Sample(
                latency, sandbox, "accepted".equals(job.path("verdict").asText()));
    }

    private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                request.header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new IOException("HTTP " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private static void report(String name, List<Sample> samples, long failures, double seconds, PrintStream out) {
        if (samples.isEmpty()) {
            out.printf("%-24s no job finished (%d failures)%n", name, failures);
            return;
        }
        long[] lat = samples.stream().mapToLong(Sample::latencyNanos).sorted().toArray();
        double totalLatencyMicros =
                samples.stream().mapToLong(Sample::latencyNanos).sum() / 1e3;
        long sandbox = samples.stream().mapToLong(Sample::sandboxMicros).sum();
        long accepted = samples.stream().filter(Sample::accepted).count();
        out.printf(
                "%-24s %6.1f jobs/s | p50 %6.1f ms p99 %6.1f ms | %d jobs (%d accepted, %d failed requests)"
                        + " | time in the sandbox: %.0f%% of job latency%n",
                name,
                samples.size() / seconds,
                lat[lat.length / 2] / 1e6,
                lat[(int) (lat.length * 0.99)] / 1e6,
                samples.size(),
                accepted,
                failures,
                100.0 * sandbox / totalLatencyMicros);
    }
}
