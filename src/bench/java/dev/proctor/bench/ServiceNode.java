package dev.proctor.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.sandbox.LinuxSandboxEngine;
import dev.proctor.sandbox.rootfs.LayerFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Proctor service process started from the packaged jar, as an operator would run it:
 * for tests that kill nodes (SIGKILL, SIGTERM) and for benchmarks of several nodes on one database.
 */
public final class ServiceNode implements AutoCloseable {

    public static final String ADMIN_KEY = "pk_cluster_admin_0123456789abcdef";
    /** What a node started here calls its PostgreSQL sessions (application_name), followed by its id. */
    public static final String APPLICATION_NAME_PREFIX = "proctor-node ";

    /** System property: JVM options for every node started (split at whitespace), added before {@code -jar}. */
    public static final String JVM_OPTIONS = "proctor.bench.node-jvm-options";

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** Start-up takes ~3 s here, far longer on a loaded machine: wait for readiness, not a guess. */
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(5);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String id;
    private final int port;
    private final Process process;
    private final Path log;
    private final Path state;
    private final boolean ownsState;

    private ServiceNode(String id, int port, Process process, Path log, Path state, boolean ownsState) {
        this.id = id;
        this.port = port;
        this.process = process;
        this.log = log;
        this.state = state;
        this.ownsState = ownsState;
    }

    /**
     * Starts a node on a free port with a state dir of its own and waits until it is ready; closing
     * the node removes the state dir.
     */
    public static ServiceNode start(String id, Map<String, String> datasource, Map<String, String> extra)
            throws IOException, InterruptedException {
        return start(id, datasource, extra, Files.createTempDirectory("proctor-node-" + id + "-"), true);
    }

    /**
     * Starts a node on the given state dir (a restart of a node that died uses the dead one's);
     * the caller removes the state dir once no node uses it.
     */
    public static ServiceNode start(String id, Map<String, String> datasource, Map<String, String> extra, Path state)
            throws IOException, InterruptedException {
        return start(id, datasource, extra, state, false);
    }

    private static ServiceNode start(
            String id, Map<String, String> datasource, Map<String, String> extra, Path state, boolean ownsState)
            throws IOException, InterruptedException {
        Path project = Path.of(System.getProperty("proctor.project-dir", ".")).toAbsolutePath();
        Path jar = project.resolve("target/quarkus-app/quarkus-run.jar");
        Path log = project.resolve("target/nodes/" + id + "-" + Instant.now().toEpochMilli() + ".log");
        Files.createDirectories(log.getParent());
        int port = freePort();
        List<String> cmd =
                new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        if (Runtime.version().feature() >= 22) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        // e.g. -XX:StartFlightRecording=filename=/tmp/node.jfr to profile a node under a benchmark
        String jvmOptions = System.getProperty(JVM_OPTIONS, "").strip();
        if (!jvmOptions.isEmpty()) {
            cmd.addAll(List.of(jvmOptions.split("\\s+")));
        }
        Map<String, String> props = new java.util.LinkedHashMap<>(datasource);
        props.putAll(Map.of(
                "quarkus.http.port",
                String.valueOf(port),
                "proctor.node.id",
                id,
                "proctor.sandbox.state-dir",
                state.toString(),
                "proctor.sandbox.project-dir",
                project.toString(),
                "proctor.bootstrap.admin-key",
                ADMIN_KEY,
                // its sessions named in pg_stat_activity: a test can tell when a killed node's last one has ended
                "quarkus.datasource.jdbc.additional-jdbc-properties.ApplicationName",
                APPLICATION_NAME_PREFIX + id));
        props.putAll(extra);
        props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.addAll(List.of("-jar", jar.toString(), "serve"));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        ServiceNode node = new ServiceNode(id, port, p, log, state, ownsState);
        try {
            node.awaitReady(READY_TIMEOUT);
        } catch (IOException | InterruptedException e) {
            node.close();
            throw e;
        }
        return node;
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("node " + id + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(uri("/q/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            process.waitFor(200, TimeUnit.MILLISECONDS);
        }
        throw new IOException("node " + id + " not ready after " + timeout + "; see " + log);
    }

    /**
     * Submits a job (JSON body) with the admin key and returns its id; like a grading pipeline,
     * it comes back later while the service answers 429 (quota) or 503 (queue full).
     */
    public String submit(String jobJson) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri("/api/v1/jobs"))
                .header("Authorization", "Bearer " + ADMIN_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(jobJson))
                .build();
        HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while ((r.statusCode() == 429 || r.statusCode() == 503) && System.nanoTime() < deadline) {
            long wait = r.headers().firstValueAsLong("Retry-After").orElse(1);
            TimeUnit.MILLISECONDS.sleep(Math.min(wait * 1000, 500));
            r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        }
        if (r.statusCode() >= 300) {
            throw new IOException("submit failed: " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body()).get("id").asText();
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public String id() {
        return id;
    }

    public Path log() {
        return log;
    }

    /**
     * The node's JVM process id: its launcher and the runs' processes are its descendants, and its sandbox
     * engine's instance directory is named after it.
     */
    public long pid() {
        return process.pid();
    }

    public Path stateDir() {
        return state;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: the node dies at once, mid-run, as in a crash. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM: the node drains; returns how long it took to exit, or null if it did not within the limit. */
    public Duration terminate(Duration limit) throws InterruptedException {
        long t0 = System.nanoTime();
        process.destroy();
        return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)
                ? Duration.ofNanos(System.nanoTime() - t0)
                : null;
    }

    /** SIGTERM without waiting: the node drains while the caller watches. */
    public void sigterm() {
        process.destroy();
    }

    /** Waits for the process to exit; false if it still runs after {@code limit}. */
    public boolean awaitExit(Duration limit) throws InterruptedException {
        return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Kills the node if it still runs; a state dir of its own is then cleaned as a restarted node
     * would clean it (the dead engine's processes, cgroups, mounts) and removed.
     */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
        if (ownsState && !process.isAlive()) {
            LinuxSandboxEngine.cleanUpDeadEngines(state);
            try {
                LayerFiles.deleteTree(state);
            } catch (IOException e) {
                System.err.println(
                        "could not remove the state dir " + state + " of node " + id + ": " + e.getMessage());
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
