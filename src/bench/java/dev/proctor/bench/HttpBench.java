package dev.proctor.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.cli.CliEnvironment;
import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.LinuxSandboxEngine;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunSpec;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.SandboxException;
import dev.proctor.sandbox.Workdir;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code proctor bench http [SECONDS [CONCURRENCY]] [--json]}: trivial jobs (bash {@code echo hi}, one
 * test) end to end, beside the engine alone running the same program, in one run: the engine at
 * {@code CONCURRENCY} (default: the node's slots, the number of cores), then the service with
 * {@code wait=true}, then submitting and polling, each for {@code SECONDS} (default 20), twice over,
 * interleaved; and in each round, for half as long, the engine and the service with {@code wait=true} with a
 * backlog: twice {@code CONCURRENCY} clients at once (jobs wait in the queue, as at a contest's peak, and the
 * engine alone runs as many at once). The service is a packaged node on a throwaway PostgreSQL started here, unless
 * PROCTOR_URL and PROCTOR_API_KEY name a running one. The service's load (the measured phases and the node's
 * warm-up) comes from {@code proctor-http-load} in C ({@link LoadGenerator}: HTTP/1.1 on one kept-alive connection
 * per client, one request at a time), whose CPU and this JVM's are reported beside the figures as the client's;
 * this JVM's own client ({@link LeanHttpClient}, or with {@code -Dproctor.bench.http2=true} Java's HttpClient
 * speaking h2c) sends the 50-test job, and all of the load where the C one cannot serve.
 * Prints figures and, with {@code --json}, one JSON object as its last line; asserts nothing.
 *
 * <p>Before measuring, a node started here serves jobs unmeasured (waiting, polling and with a backlog, 2:1:1) for
 * {@code -Dproctor.bench.node-warmup=S} seconds (default 30; 40 in all), then in blocks of 6 s waiting, 3 s polling
 * and 3 s with a backlog
 * until its JIT has settled: two blocks in a row in which its compiler threads used under 3 % of one core, at
 * most {@code -Dproctor.bench.node-warmup-max=S} seconds in all (default 300). A service runs for hours; its
 * request, grading and result paths are called once per job, so they reach C2 only after thousands of jobs, and
 * this VM's node needed about 145 s of traffic before its C2 threads dropped from 20-40 % of a core to ~1 %.
 * The node's JIT during the measured phases is printed, as is every phase's CPU per job of the whole machine
 * ({@code /proc/stat}): on a machine the engine alone keeps busy, the service's jobs/s follow it. With the
 * throwaway PostgreSQL, its own CPU per job of each phase too (the postmaster with every backend, autovacuum worker
 * and helper, live or reaped: {@code postgres_cpu_ms_per_*}); during the engine's phases that is the node's
 * background (claim loop, lease renewals, Quartz). {@code -Dproctor.bench.pg-options="-c
 * shared_preload_libraries=pg_stat_statements ..."} passes server options for a per-statement profile. The throwaway
 * PostgreSQL flushes every commit, as a deployed service's does ({@code -Dproctor.bench.pg-durable=false}: not).
 */
final class HttpBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCRIPT = "echo hi";
    private static final String JOB = "{\"profile\":\"bash\",\"files\":[{\"path\":\"main.sh\",\"content\":\"" + SCRIPT
            + "\"}],\"tests\":[{\"name\":\"t\",\"expected_output\":\"hi\\n\"}]}";
    private static final int ROUNDS = 2;
    /** The many-test job: one job of this many tests of the same program, against as many engine runs. */
    private static final int MANY_TESTS = 50;

    private static final String JOB_MANY = manyTestJob(MANY_TESTS);
    /** Interleaved repetitions of (the engine's runs, the job), medians reported. */
    private static final int MANY_REPS = 5;
    /** How long the C load generator may take past its phase to finish the jobs under way (a job's timeout_s). */
    private static final int LOAD_GRACE_SECONDS = 60;
    /** The client polls like a patient script would, without hammering the service. */
    private static final Duration POLL_INTERVAL = Duration.ofMillis(2);
    /** The node's JIT has settled when its compiler threads use less than this share of one core. */
    private static final double JIT_SETTLED = 0.03;

    /** One mode's figures. */
    private record Figures(
            String name,
            int done,
            long failed,
            double seconds,
            long[] latencies,
            long clientCpuNanos,
            long machineCpuNanos,
            long postgresCpuNanos) {
        double perSecond() {
            return done / seconds;
        }

        /** The whole machine's busy CPU per unit of work, ms. */
        double machineCpuMillis() {
            return done == 0 ? Double.NaN : machineCpuNanos / 1e6 / done;
        }

        /** The share of every core the machine was busy. */
        /** The throwaway PostgreSQL's CPU (postmaster and its children) per unit of work, ms; NaN without one. */
        double postgresCpuMillis() {
            return done == 0 || postgresCpuNanos < 0 ? Double.NaN : postgresCpuNanos / 1e6 / done;
        }

        double machineBusy(int cores) {
            return machineCpuNanos / (seconds * 1e9 * cores);
        }

        double p50() {
            return latencies.length == 0 ? Double.NaN : latencies[latencies.length / 2] / 1e6;
        }

        double p99() {
            return latencies.length == 0 ? Double.NaN : latencies[(int) (latencies.length * 0.99)] / 1e6;
        }
    }

    /** The throwaway PostgreSQL's postmaster, or -1 when the bench uses a running service. */
    private static volatile long postgresPid = -1;
    /** Whether the bench's own PostgreSQL flushes every commit (null: a running service's, not known here). */
    private static volatile Boolean pgDurable;

    private final List<long[]> waitSteps = Collections.synchronizedList(new ArrayList<>());
    private final List<long[]> pollSteps = Collections.synchronizedList(new ArrayList<>());
    /**
     * HTTP/1.1 with keep-alive, as curl, wrk and most clients of a grading service speak to a plain-http
     * endpoint ({@link #lean}); {@code -Dproctor.bench.http2=true}: Java's HttpClient and its default, an h2c
     * upgrade, then HTTP/2 frames.
     */
    private static final boolean HTTP2 = Boolean.getBoolean("proctor.bench.http2");

    private final HttpClient http;
    private final LeanHttpClient lean;
    /** The measured phases' load generator in C, or null: this JVM's client (see {@link LoadGenerator#find}). */
    private final LoadGenerator load;

    private final URI base;
    private final String key;
    private final String[] headers;

    private HttpBench(URI base, String key) {
        this.base = base;
        this.key = key;
        this.http = HTTP2
                ? HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_2)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build()
                : null;
        this.lean = HTTP2 ? null : new LeanHttpClient(base);
        this.load = HTTP2 ? null : LoadGenerator.find(base);
        this.headers = new String[] {"Authorization: Bearer " + key, "Content-Type: application/json"};
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean json = Arrays.asList(args).contains("--json");
        List<String> numbers =
                Arrays.stream(args).filter(a -> !a.startsWith("--")).toList();
        int seconds = numbers.size() > 0 ? Integer.parseInt(numbers.get(0)) : 20;
        int concurrency = numbers.size() > 1
                ? Integer.parseInt(numbers.get(1))
                : Runtime.getRuntime().availableProcessors();
        String url = System.getenv("PROCTOR_URL");
        String key = System.getenv("PROCTOR_API_KEY");
        ThrowawayPostgres postgres = null;
        ServiceNode node = null;
        try {
            if (url == null || key == null || key.isBlank()) {
                out.println("proctor bench http: starting a throwaway PostgreSQL and a service node"
                        + " (set PROCTOR_URL and PROCTOR_API_KEY to use a running service)");
                postgres = ThrowawayPostgres.forBench();
                node = ServiceNode.start("bench-http", postgres.start(), Map.of());
                out.println("proctor bench http: " + postgres.commits());
                pgDurable = postgres.durable();
                postgresPid = postgres.pid();
                url = node.uri("").toString();
                key = ServiceNode.ADMIN_KEY;
            }
            HttpBench bench = new HttpBench(URI.create(url), key);
            try {
                return bench.measure(seconds, concurrency, node, json, out);
            } finally {
                if (bench.lean != null) {
                    bench.lean.close();
                }
            }
        } catch (IOException | InterruptedException | ExecutionException | SandboxException e) {
            err.println("proctor bench http: " + e.getMessage());
            return 1;
        } finally {
            if (node != null) {
                try {
                    // SIGTERM first: a node started with a flight recording writes it as it exits
                    node.terminate(Duration.ofSeconds(30));
                    node.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (postgres != null) {
                postgres.stop();
            }
        }
    }

    private int measure(int seconds, int concurrency, ServiceNode node, boolean json, PrintStream out)
            throws IOException, InterruptedException, ExecutionException {
        out.printf(
                "proctor bench http: %s, concurrency %d, %d s per mode x %d rounds, job: bash `%s`, one test, %s,"
                        + " load generator: %s%n",
                base,
                concurrency,
                seconds / ROUNDS * ROUNDS,
                ROUNDS,
                SCRIPT,
                HTTP2 ? "HTTP/2 (h2c)" : "HTTP/1.1",
                load != null ? "C (proctor-http-load)" : "this JVM");
        int slice = Math.max(1, seconds / ROUNDS);
        int satSlice = Math.max(1, slice / 2);
        List<Figures> engine = new ArrayList<>();
        List<Figures> wait = new ArrayList<>();
        List<Figures> poll = new ArrayList<>();
        List<Figures> engineSat = new ArrayList<>();
        List<Figures> waitSat = new ArrayList<>();
        int saturated = 2 * concurrency;
        long serviceCpu0 = -1;
        long serviceJobs = 0;
        long serviceCpu = -1;
        long nodeJit0 = -1;
        long nodeJit = -1;
        // the node JVM's own threads (not the launcher tree) during the service phases: wait, poll, backlog
        long[] nodeJvm = new long[3];
        double warmedUp;
        long[] engineMany = new long[MANY_REPS];
        long[] jobMany = new long[MANY_REPS];
        try (LinuxSandboxEngine sandbox = LinuxSandboxEngine.start(CliEnvironment.engineConfig());
                Workdir workdir = sandbox.createWorkdir(64 * Limits.MIB)) {
            Files.writeString(workdir.path().resolve("main.sh"), SCRIPT + "\n", StandardCharsets.UTF_8);
            RunSpec spec = RunSpec.simple(workdir, List.of("bash", "main.sh"), Limits.defaults());
            phase("warm-up", 2, concurrency, () -> engineRun(sandbox, spec));
            warmedUp = warmUpNode(node, concurrency, out);
            waitSteps.clear();
            pollSteps.clear();
            if (node != null) {
                serviceCpu0 = treeCpuNanos(node.pid());
                nodeJit0 = ProcCpu.jitNanos(Long.toString(node.pid()));
            }
            for (int r = 0; r < ROUNDS; r++) {
                engine.add(phase("engine alone", slice, concurrency, () -> engineRun(sandbox, spec)));
                long jvm0 = nodeJvmNanos(node);
                Figures w = service("service, wait=true", slice, concurrency, true, waitSteps);
                long jvm1 = nodeJvmNanos(node);
                Figures p = service("service, polling", slice, concurrency, false, pollSteps);
                nodeJvm[0] += jvm1 - jvm0;
                nodeJvm[1] += nodeJvmNanos(node) - jvm1;
                wait.add(w);
                poll.add(p);
                // a backlog, as at a contest's peak: twice as many clients as runs at once, engine and service alike
                engineSat.add(phase("engine, backlog", satSlice, saturated, () -> engineRun(sandbox, spec)));
                long jvm2 = nodeJvmNanos(node);
                Figures ws = service("wait=true, backlog", satSlice, saturated, true, null);
                nodeJvm[2] += nodeJvmNanos(node) - jvm2;
                waitSat.add(ws);
                serviceJobs += w.done() + p.done() + ws.done();
            }
            if (node != null) {
                serviceCpu = treeCpuNanos(node.pid()) - serviceCpu0;
                nodeJit = ProcCpu.jitNanos(Long.toString(node.pid())) - nodeJit0;
            }
            phase("warm-up", 2, 1, () -> oneJob(JOB_MANY, MANY_TESTS, true, null));
            for (int r = 0; r < MANY_REPS; r++) {
                engineMany[r] = engineRuns(sandbox, spec, MANY_TESTS);
                try {
                    jobMany[r] = oneJob(JOB_MANY, MANY_TESTS, true, null);
                } catch (IOException ex) {
                    jobMany[r] = -1;
                }
            }
        }
        Figures e = merge(engine);
        Figures w = merge(wait);
        Figures p = merge(poll);
        Figures es = merge(engineSat);
        Figures ws = merge(waitSat);
        int cores = Runtime.getRuntime().availableProcessors();
        for (Figures f : List.of(e, w, p, es, ws)) {
            out.printf(
                    Locale.ROOT,
                    "%-20s machine CPU %.2f ms per %s, the machine %.0f%% busy%n",
                    f.name(),
                    f.machineCpuMillis(),
                    f == e || f == es ? "run" : "job",
                    100 * f.machineBusy(cores));
        }
        if (postgresPid >= 0) {
            out.printf(
                    Locale.ROOT,
                    "PostgreSQL CPU (postmaster + children): %.3f ms per wait=true job, %.3f per polled job, %.3f per"
                            + " backlog wait=true job; %.3f per engine run (its background), %.3f per backlog engine"
                            + " run%n",
                    w.postgresCpuMillis(),
                    p.postgresCpuMillis(),
                    ws.postgresCpuMillis(),
                    e.postgresCpuMillis(),
                    es.postgresCpuMillis());
        }
        for (Figures f : List.of(e, w, p, es, ws)) {
            out.printf(
                    Locale.ROOT,
                    "%-20s %6.1f /s | p50 %6.1f ms p99 %6.1f ms | %d done, %d failed | client CPU %.2f ms per"
                            + " job = %.0f%% of %d cores%n",
                    f.name(),
                    f.perSecond(),
                    f.p50(),
                    f.p99(),
                    f.done(),
                    f.failed(),
                    f.done() == 0 ? Double.NaN : f.clientCpuNanos() / 1e6 / f.done(),
                    100.0 * f.clientCpuNanos() / (f.seconds() * 1e9 * cores),
                    cores);
        }
        out.println("service, wait=true:  " + steps(waitSteps));
        out.println("service, polling:    " + steps(pollSteps));
        double engine50 = medianMillis(engineMany);
        double job50 = medianMillis(jobMany);
        out.printf(
                Locale.ROOT,
                "one job of %d tests (wait=true): %.1f ms; %d engine runs one after another: %.1f ms; ratio %.2f"
                        + " (medians of %d, interleaved)%n",
                MANY_TESTS,
                job50,
                MANY_TESTS,
                engine50,
                job50 / engine50,
                MANY_REPS);
        if (node != null) {
            // the node idles through the engine's phases: its CPU over the measured rounds, per job
            out.printf(
                    Locale.ROOT,
                    "service node CPU (its JVM, launcher, supervisors, runs) per job: %.2f ms, of it the node's JIT"
                            + " %.2f ms (after %.0f s of warm-up)%n",
                    serviceCpu / 1e6 / serviceJobs,
                    nodeJit / 1e6 / serviceJobs,
                    warmedUp);
            out.printf(
                    Locale.ROOT,
                    "service node JVM's own threads (not the launcher tree) per job: %.2f ms over the service phases;"
                            + " wait=true %.2f ms, polling %.2f ms, backlog %.2f ms%n",
                    (double) (nodeJvm[0] + nodeJvm[1] + nodeJvm[2]) / 1e6 / serviceJobs,
                    nodeJvm[0] / 1e6 / w.done(),
                    nodeJvm[1] / 1e6 / p.done(),
                    nodeJvm[2] / 1e6 / ws.done());
        }
        out.printf(
                Locale.ROOT,
                "service / engine: wait=true %.2fx runs/s, p50 +%.1f ms; polling %.2fx of wait=true%n",
                w.perSecond() / e.perSecond(),
                w.p50() - e.p50(),
                p.perSecond() / w.perSecond());
        out.printf(
                Locale.ROOT,
                "with a backlog (%d clients, %d at a time each side): wait=true %.2fx the engine's runs/s%n",
                saturated,
                saturated,
                ws.perSecond() / es.perSecond());
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("concurrency", concurrency);
            m.put("http2", HTTP2);
            m.put("load_generator", load != null ? "c" : "jvm");
            m.put("pg_durable", pgDurable);
            m.put("engine_runs_per_s", e.perSecond());
            m.put("engine_p50_ms", e.p50());
            m.put("wait_jobs_per_s", w.perSecond());
            m.put("wait_p50_ms", w.p50());
            m.put("poll_jobs_per_s", p.perSecond());
            m.put("poll_p50_ms", p.p50());
            m.put(
                    "failed",
                    e.failed()
                            + w.failed()
                            + p.failed()
                            + es.failed()
                            + ws.failed()
                            + failedMany(engineMany)
                            + failedMany(jobMany));
            m.put("job50_ms", job50);
            m.put("engine50_ms", engine50);
            m.put("job50_ratio", job50 / engine50);
            m.put("client_cpu_share_wait", (double) w.clientCpuNanos() / (w.seconds() * 1e9 * cores));
            m.put("client_cpu_share_poll", (double) p.clientCpuNanos() / (p.seconds() * 1e9 * cores));
            m.put("machine_cpu_ms_per_engine_run", e.machineCpuMillis());
            m.put("machine_cpu_ms_per_wait_job", w.machineCpuMillis());
            m.put("machine_cpu_ms_per_poll_job", p.machineCpuMillis());
            m.put("machine_busy_engine", e.machineBusy(cores));
            m.put("machine_busy_wait", w.machineBusy(cores));
            m.put("backlog_concurrency", saturated);
            m.put("backlog_engine_runs_per_s", es.perSecond());
            m.put("backlog_wait_jobs_per_s", ws.perSecond());
            m.put("backlog_wait_ratio", ws.perSecond() / es.perSecond());
            m.put("backlog_wait_p50_ms", ws.p50());
            m.put("machine_cpu_ms_per_backlog_wait_job", ws.machineCpuMillis());
            m.put("machine_busy_backlog_engine", es.machineBusy(cores));
            m.put("machine_busy_backlog_wait", ws.machineBusy(cores));
            if (postgresPid >= 0) {
                m.put("postgres_cpu_ms_per_wait_job", w.postgresCpuMillis());
                m.put("postgres_cpu_ms_per_poll_job", p.postgresCpuMillis());
                m.put("postgres_cpu_ms_per_backlog_wait_job", ws.postgresCpuMillis());
                m.put("postgres_cpu_ms_per_engine_run", e.postgresCpuMillis());
                m.put("postgres_cpu_ms_per_backlog_engine_run", es.postgresCpuMillis());
            }
            if (node != null) {
                m.put("node_warmup_s", warmedUp);
                m.put("node_cpu_ms_per_job", serviceCpu / 1e6 / serviceJobs);
                m.put("node_jit_ms_per_job", nodeJit / 1e6 / serviceJobs);
                m.put("node_jvm_cpu_ms_per_job", (double) (nodeJvm[0] + nodeJvm[1] + nodeJvm[2]) / 1e6 / serviceJobs);
                m.put("node_jvm_cpu_ms_per_wait_job", nodeJvm[0] / 1e6 / w.done());
                m.put("node_jvm_cpu_ms_per_poll_job", nodeJvm[1] / 1e6 / p.done());
                m.put("node_jvm_cpu_ms_per_backlog_wait_job", nodeJvm[2] / 1e6 / ws.done());
            }
            out.println(BenchJson.line(m));
        }
        return 0;
    }

    /** One unit of work: its latency in ns, or -1 when it failed. */
    @FunctionalInterface
    private interface Work {
        long once() throws IOException, InterruptedException;
    }

    /**
     * {@code proctor-http-load} (src/bench/c/httpload.c, built by {@code ./proctor bench} into target/bench) and the
     * service's IPv4 address and port.
     */
    private record LoadGenerator(Path binary, String host, int port) {

        /** Null where it cannot serve: not built, or the service not plain http at an IPv4 address. */
        static LoadGenerator find(URI base) {
            Path binary = Path.of(System.getProperty("proctor.project-dir", "."), "target/bench/proctor-http-load");
            if (!Files.isExecutable(binary) || !"http".equals(base.getScheme())) {
                return null;
            }
            try {
                InetAddress address = InetAddress.getByName(base.getHost());
                return address instanceof Inet4Address
                        ? new LoadGenerator(
                                binary, address.getHostAddress(), base.getPort() == -1 ? 80 : base.getPort())
                        : null;
            } catch (UnknownHostException e) {
                return null;
            }
        }

        @Override
        public String toString() {
            return binary.toString();
        }
    }

    private static Figures phase(String name, int seconds, int concurrency, Work work)
            throws InterruptedException, ExecutionException, IOException {
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicLong failures = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<Future<?>> workers = new ArrayList<>();
        Counters start = Counters.now();
        for (int i = 0; i < concurrency; i++) {
            workers.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    try {
                        long latency = work.once();
                        if (latency < 0) {
                            failures.incrementAndGet();
                        } else {
                            latencies.add(latency);
                        }
                    } catch (IOException | InterruptedException | SandboxException e) {
                        failures.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> w : workers) {
            w.get();
        }
        Counters stop = Counters.now();
        pool.shutdown();
        return start.until(stop, name, latencies, failures.get(), 0);
    }

    /** What a phase is measured by, read at its start and at its end. */
    private record Counters(long nanos, long jvmCpu, long machineCpu, long postgresCpu) {

        static Counters now() throws IOException {
            return new Counters(System.nanoTime(), processCpuNanos(), ProcCpu.machineBusyNanos(), postgresCpuNanos());
        }

        /**
         * The figures of the phase from these counters to {@code end}: its latencies (ns) and failures, and as the
         * client's CPU this JVM's plus {@code otherClientCpu} (a load generator of its own, in ns).
         */
        Figures until(Counters end, String name, List<Long> latencies, long failures, long otherClientCpu) {
            long[] sorted =
                    latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            return new Figures(
                    name,
                    sorted.length,
                    failures,
                    (end.nanos - nanos) / 1e9,
                    sorted,
                    end.jvmCpu - jvmCpu + otherClientCpu,
                    end.machineCpu - machineCpu,
                    postgresCpu < 0 ? -1 : end.postgresCpu - postgresCpu);
        }
    }

    private static Figures merge(List<Figures> parts) {
        long[] all = parts.stream()
                .flatMapToLong(f -> Arrays.stream(f.latencies()))
                .sorted()
                .toArray();
        return new Figures(
                parts.get(0).name(),
                all.length,
                parts.stream().mapToLong(Figures::failed).sum(),
                parts.stream().mapToDouble(Figures::seconds).sum(),
                all,
                parts.stream().mapToLong(Figures::clientCpuNanos).sum(),
                parts.stream().mapToLong(Figures::machineCpuNanos).sum(),
                parts.stream().anyMatch(f -> f.postgresCpuNanos() < 0)
                        ? -1
                        : parts.stream().mapToLong(Figures::postgresCpuNanos).sum());
    }

    /**
     * Serves jobs unmeasured until the node's JIT has settled (see the class comment); a node not started here
     * gets the minimum only. Returns the seconds spent.
     */
    private double warmUpNode(ServiceNode node, int concurrency, PrintStream out)
            throws IOException, InterruptedException, ExecutionException {
        int minimum = Integer.getInteger("proctor.bench.node-warmup", 30);
        int maximum = Integer.getInteger("proctor.bench.node-warmup-max", 300);
        long t0 = System.nanoTime();
        service("warm-up", Math.max(1, minimum * 2 / 3), concurrency, true, null);
        service("warm-up", Math.max(1, minimum / 3), concurrency, false, null);
        // the backlog's path too: jobs queued, claimed by the node's claim loop
        service("warm-up", Math.max(1, minimum / 3), 2 * concurrency, true, null);
        if (node == null) {
            return (System.nanoTime() - t0) / 1e9;
        }
        String pid = Long.toString(node.pid());
        int calm = 0;
        double share = Double.NaN;
        while (calm < 2 && (System.nanoTime() - t0) / 1e9 < maximum) {
            long jit0 = ProcCpu.jitNanos(pid);
            long b0 = System.nanoTime();
            service("warm-up", 6, concurrency, true, null);
            service("warm-up", 3, concurrency, false, null);
            service("warm-up", 3, 2 * concurrency, true, null);
            share = (double) (ProcCpu.jitNanos(pid) - jit0) / (System.nanoTime() - b0);
            calm = share < JIT_SETTLED ? calm + 1 : 0;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (Double.isNaN(share)) {
            // the maximum came before a block of 12 s whose compilation could be read: nothing was measured
            out.printf(
                    Locale.ROOT, "node warm-up: %.0f s, stopped at the maximum before its JIT was measured%n", seconds);
            return seconds;
        }
        out.printf(
                Locale.ROOT,
                "node warm-up: %.0f s, %s (its JIT compiler threads %.1f %% of one core in the last 12 s)%n",
                seconds,
                calm >= 2 ? "its JIT settled" : "stopped at the maximum with its JIT still compiling",
                100 * share);
        return seconds;
    }

    private static long engineRun(LinuxSandboxEngine engine, RunSpec spec) {
        long t0 = System.nanoTime();
        RunResult r = engine.run(spec);
        long t = System.nanoTime() - t0;
        return r.status() == RunStatus.OK && "hi\n".equals(new String(r.stdout(), StandardCharsets.UTF_8)) ? t : -1;
    }

    /** {@code runs} engine runs one after another: their wall time in ns, or -1 when one failed. */
    private static long engineRuns(LinuxSandboxEngine engine, RunSpec spec, int runs) {
        long t0 = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            if (engineRun(engine, spec) < 0) {
                return -1;
            }
        }
        return System.nanoTime() - t0;
    }

    private static String manyTestJob(int tests) {
        StringBuilder b = new StringBuilder("{\"profile\":\"bash\",\"files\":[{\"path\":\"main.sh\",\"content\":\"")
                .append(SCRIPT)
                .append("\"}],\"tests\":[");
        for (int i = 0; i < tests; i++) {
            b.append(i == 0 ? "" : ",").append("{\"name\":\"t").append(i).append("\",\"expected_output\":\"hi\\n\"}");
        }
        return b.append("]}").toString();
    }

    /** The median of the successful measurements (ns), in ms; null-like NaN when none succeeded. */
    private static double medianMillis(long[] nanos) {
        long[] ok = Arrays.stream(nanos).filter(n -> n >= 0).sorted().toArray();
        return ok.length == 0 ? Double.NaN : ok[ok.length / 2] / 1e6;
    }

    private static long failedMany(long[] nanos) {
        return Arrays.stream(nanos).filter(n -> n < 0).count();
    }

    /**
     * A phase of the service's single-test jobs, {@code wait}ing or polling, by {@link #LOAD} (C) where it can
     * speak to the service, else by this JVM's client; where each job's time went is added to {@code steps}
     * unless null.
     */
    private Figures service(String name, int seconds, int concurrency, boolean wait, List<long[]> steps)
            throws IOException, InterruptedException, ExecutionException {
        if (load == null) {
            return phase(name, seconds, concurrency, () -> oneJob(JOB, 1, wait, steps));
        }
        Path output = Files.createTempFile("proctor-http-load-", ".out");
        try {
            Counters start = Counters.now();
            ProcessBuilder pb = new ProcessBuilder(
                            load.binary().toString(),
                            load.host(),
                            Integer.toString(load.port()),
                            Integer.toString(seconds),
                            Integer.toString(concurrency),
                            wait ? "wait" : "poll",
                            Long.toString(POLL_INTERVAL.toMillis()),
                            output.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("PROCTOR_BENCH_KEY", key);
            Process process = pb.start();
            try (var stdin = process.getOutputStream()) {
                stdin.write(JOB.getBytes(StandardCharsets.UTF_8));
            }
            // a job under way at the deadline is finished; a service that stops answering ends the bench
            if (!process.waitFor(seconds + LOAD_GRACE_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(load + " still running " + LOAD_GRACE_SECONDS + " s after its " + seconds
                        + " s: the service stopped answering");
            }
            Counters end = Counters.now();
            int exit = process.exitValue();
            if (exit != 0) {
                throw new IOException(load + " exited with " + exit);
            }
            LoadOutput jobs = LoadOutput.read(Files.readAllBytes(output));
            List<Long> latencies = new ArrayList<>();
            long failures = jobs.failures();
            for (LoadOutput.Job j : jobs.jobs()) {
                if (checked(parsed(j.body()), 1, j.latencyNanos(), steps) < 0) {
                    failures++;
                } else {
                    latencies.add(j.latencyNanos());
                }
            }
            return start.until(end, name, latencies, failures, jobs.cpuNanos());
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** A last answer as JSON; an answer that is not JSON is a failed job (as the JVM's client counts it), not the bench's end. */
    private static JsonNode parsed(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException notJson) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
    }

    /**
     * Submits {@code body} (a job of {@code tests} tests) and waits or polls for its end: the latency in ns, or
     * -1 when not every test passed; where its time went is added to {@code steps} unless null.
     */
    private long oneJob(String body, int tests, boolean wait, List<long[]> steps)
            throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        JsonNode job = send("POST", "/api/v1/jobs" + (wait ? "?wait=true&timeout_s=30" : ""), body);
        while (!"done".equals(job.path("state").asText())) {
            Thread.sleep(POLL_INTERVAL.toMillis());
            job = send("GET", "/api/v1/jobs/" + job.get("id").asText(), null);
        }
        return checked(job, tests, System.nanoTime() - t0, steps);
    }

    /**
     * The latency of finished {@code job} of {@code tests} tests, or -1 when not every test passed; where its
     * time went is added to {@code steps} unless null.
     */
    private static long checked(JsonNode job, int tests, long latency, List<long[]> steps) {
        if (!"done".equals(job.path("state").asText())
                || !"accepted".equals(job.path("verdict").asText())
                || job.path("tests").size() != tests) {
            return -1;
        }
        if (steps == null) {
            return latency;
        }
        long created = micros(job.path("created_at"));
        long started = micros(job.path("started_at"));
        long finished = micros(job.path("finished_at"));
        steps.add(new long[] {started - created, finished - started, latency / 1000});
        return latency;
    }

    /** An ISO-8601 time of the job view (PostgreSQL's now() of the transaction that set it), in µs. */
    private static long micros(JsonNode time) {
        java.time.Instant t = java.time.OffsetDateTime.parse(time.asText()).toInstant();
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }

    /**
     * Where a job's time went, medians: submit to claim (the insert's transaction to the claim's), claim to
     * result (the claim's transaction to the finish's: grading, the run, the result), and the rest of the
     * client's latency (HTTP, the finish's commit and notification, the waiter or the polls).
     */
    private static String steps(List<long[]> steps) {
        if (steps.isEmpty()) {
            return "";
        }
        return String.format(
                Locale.ROOT,
                "submit->claimed %.1f ms, claimed->result %.1f ms, the rest of the latency %.1f ms",
                medianOf(steps, s -> s[0]) / 1e3,
                medianOf(steps, s -> s[1]) / 1e3,
                medianOf(steps, s -> s[2] - s[0] - s[1]) / 1e3);
    }

    private static long medianOf(List<long[]> steps, java.util.function.ToLongFunction<long[]> f) {
        long[] v;
        synchronized (steps) {
            v = steps.stream().mapToLong(f).sorted().toArray();
        }
        return v[v.length / 2];
    }

    /** One request (a body is JSON); the response's JSON, or an IOException for a status of 300 or more. */
    private JsonNode send(String method, String pathAndQuery, String body) throws IOException, InterruptedException {
        int status;
        String text;
        if (lean != null) {
            LeanHttpClient.Response r = lean.send(
                    method, pathAndQuery, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
            status = r.status();
            text = r.body();
        } else {
            HttpRequest.Builder request =
                    HttpRequest.newBuilder(base.resolve(pathAndQuery)).header("Authorization", "Bearer " + key);
            request = body == null
                    ? request.GET()
                    : request.header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            status = r.statusCode();
            text = r.body();
        }
        if (status >= 300) {
            throw new IOException("HTTP " + status + ": " + text);
        }
        return JSON.readTree(text);
    }

    /** The JVM's CPU, every thread, in ns. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * The throwaway PostgreSQL's CPU: the postmaster with every backend, autovacuum worker and helper it reaped,
     * and its live children (clock ticks), in ns; -1 without a throwaway server.
     */
    private static long postgresCpuNanos() throws IOException {
        long pid = postgresPid;
        if (pid < 0) {
            return -1;
        }
        ProcessHandle postmaster =
                ProcessHandle.of(pid).orElseThrow(() -> new IOException("postmaster " + pid + " is gone"));
        return ProcCpu.treeNanos(postmaster);
    }

    /** The node JVM's own threads' CPU (utime + stime, no children), in ns; 0 without a node started here. */
    private static long nodeJvmNanos(ServiceNode node) throws IOException {
        return node == null ? 0 : ProcCpu.ownNanos(node.pid());
    }

    /**
     * The node's JVM and every process below it (its launcher server, every supervisor with the pid 1s and jobs
     * it reaped, the spawners, the namespace maker; {@link ProcCpu#treeNanos}), clock ticks, in ns.
     */
    private static long treeCpuNanos(long pid) throws IOException {
        ProcessHandle node = ProcessHandle.of(pid).orElseThrow(() -> new IOException("node " + pid + " is gone"));
        return ProcCpu.treeNanos(node);
    }
}
