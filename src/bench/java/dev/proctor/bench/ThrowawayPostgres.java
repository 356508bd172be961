package dev.proctor.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster for one test run or benchmark: {@code initdb} + {@code pg_ctl} as
 * the {@code postgres} OS user in a temp dir, on a free port of 127.0.0.1, socket in the temp dir.
 * Stopped and deleted at the end; tests never depend on a database left running.
 */
public class ThrowawayPostgres {

    private static final String DB = "proctor";
    private static final String USER = "proctor";
    private static final String PASSWORD = "proctor-test";

    /** PostgreSQL's own server options that a durable cluster keeps at their defaults. */
    static final String NOT_DURABLE = " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";

    private final boolean durable;
    private Path dir;
    private Path bin;
    private String options;

    /** A cluster for tests: commits are not flushed to disk (nothing of a test outlives the cluster). */
    public ThrowawayPostgres() {
        this(false);
    }

    /**
     * A cluster that flushes every commit ({@code durable}: fsync, synchronous_commit and full_page_writes at
     * PostgreSQL's defaults, as the cluster {@code ./proctor serve} runs on), or one that does not (faster, for
     * tests).
     */
    public ThrowawayPostgres(boolean durable) {
        this.durable = durable;
    }

    /**
     * The benchmarks' cluster: durable unless {@code -Dproctor.bench.pg-durable=false}. A service is measured as it
     * is deployed, each commit flushed before it is acknowledged (a job's id and its result are on disk when the
     * caller sees them).
     */
    public static ThrowawayPostgres forBench() {
        return new ThrowawayPostgres(!"false".equals(System.getProperty("proctor.bench.pg-durable")));
    }

    /** How a benchmark's printout names this cluster's commits. */
    public String commits() {
        return durable
                ? "PostgreSQL durable (fsync, synchronous_commit, full_page_writes on, as ./proctor serve's cluster)"
                : "PostgreSQL NOT durable (fsync, synchronous_commit, full_page_writes off: -Dproctor.bench.pg-durable=false)";
    }

    /** Whether commits are flushed to disk before they are acknowledged. */
    public boolean durable() {
        return durable;
    }

    /** Starts the cluster; returns the quarkus.datasource.* settings that reach it. */
    public Map<String, String> start() {
        try {
            bin = newestPostgresBin();
            dir = Files.createTempDirectory(
                    "proctor-pg-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path data = dir.resolve("data");
            Path pwfile = dir.resolve("pw");
            Files.writeString(pwfile, PASSWORD + "\n");
            asPostgres(List.of("chown", "-R", "postgres:postgres", dir.toString()), false);
            int port = freePort();
            asPostgres(
                    List.of(
                            bin.resolve("initdb").toString(),
                            "-D",
                            data.toString(),
                            "-U",
                            USER,
                            "--pwfile=" + pwfile,
                            "-A",
                            "scram-sha-256",
                            "-E",
                            "UTF8",
                            "--no-sync",
                            "-N"),
                    true);
            options = "-c listen_addresses=127.0.0.1 -p " + port + " -c unix_socket_directories=" + dir
                    + (durable ? "" : NOT_DURABLE) + " -c max_connections=100"
                    + System.getProperty("proctor.bench.pg-options", "");
            pgCtlStart();
            asPostgres(
                    List.of(
                            bin.resolve("createdb").toString(),
                            "-h",
                            dir.toString(),
                            "-p",
                            String.valueOf(port),
                            "-U",
                            USER,
                            "-O",
                            USER,
                            DB),
                    true);
            return Map.of(
                    "quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:" + port + "/" + DB,
                    "quarkus.datasource.username", USER,
                    "quarkus.datasource.password", PASSWORD);
        } catch (IOException e) {
            stop();
            throw new UncheckedIOException("throwaway PostgreSQL did not start", e);
        }
    }

    private void pgCtlStart() throws IOException {
        asPostgres(
                List.of(
                        bin.resolve("pg_ctl").toString(),
                        "-D",
                        dir.resolve("data").toString(),
                        "-l",
                        dir.resolve("log").toString(),
                        "-o",
                        options,
                        "-w",
                        "-t",
                        "120",
                        "start"),
                true);
    }

    /**
     * Stops the server as an operator's restart would ({@code pg_ctl stop -m fast}: sessions are
     * ended, nothing is lost), keeping its files; {@link #startAgain()} brings it back on the same port.
     */
    public void stopKeepingData() {
        try {
            asPostgres(
                    List.of(
                            bin.resolve("pg_ctl").toString(),
                            "-D",
                            dir.resolve("data").toString(),
                            "-m",
                            "fast",
                            "-w",
                            "-t",
                            "30",
                            "stop"),
                    true);
        } catch (IOException e) {
            throw new UncheckedIOException("throwaway PostgreSQL did not stop", e);
        }
    }

    /** Starts the server stopped by {@link #stopKeepingData()} again, on the same port and data. */
    public void startAgain() {
        try {
            pgCtlStart();
        } catch (IOException e) {
            throw new UncheckedIOException("throwaway PostgreSQL did not start again", e);
        }
    }

    /** The running server's postmaster (the first line of {@code postmaster.pid}). */
    public long pid() throws IOException {
        return Long.parseLong(
                Files.readAllLines(dir.resolve("data/postmaster.pid")).get(0).trim());
    }

    /** Stops the cluster and deletes its files. */
    public void stop() {
        if (dir == null) {
            return;
        }
        try {
            if (Files.exists(dir.resolve("data/postmaster.pid"))) {
                asPostgres(
                        List.of(
                                bin.resolve("pg_ctl").toString(),
                                "-D",
                                dir.resolve("data").toString(),
                                "-m",
                                "immediate",
                                "-w",
                                "stop"),
                        false);
            }
        } catch (IOException e) {
            // best effort: deleting the directory below still frees the disk
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // already gone
        }
        dir = null;
    }

    /** The newest {@code /usr/lib/postgresql/N/bin}, by major version. */
    static Path newestPostgresBin() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            throw new IOException("PostgreSQL is not installed (no /usr/lib/postgresql): apt-get install postgresql");
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .filter(p -> Files.isExecutable(p.resolve("bin/initdb")))
                    .max(Comparator.comparingInt(
                            p -> Integer.parseInt(p.getFileName().toString())))
                    .map(p -> p.resolve("bin"))
                    .orElseThrow(() -> new IOException("no /usr/lib/postgresql/*/bin/initdb"));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Runs a command as the postgres user when we are root (initdb refuses root), else as ourselves. */
    private static void asPostgres(List<String> command, boolean mustSucceed) throws IOException {
        List<String> full = new ArrayList<>();
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            if (command.get(0).equals("chown")) {
                full.addAll(command);
            } else {
                full.addAll(List.of("runuser", "-u", "postgres", "--"));
                full.addAll(command);
            }
        } else if (command.get(0).equals("chown")) {
            return;
        } else {
            full.addAll(command);
        }
        ProcessBuilder pb = new ProcessBuilder(full)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        // createdb would otherwise ask for the password on the terminal
        pb.environment().put("PGPASSWORD", PASSWORD);
        Process p = pb.start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", full));
            }
            if (mustSucceed && p.exitValue() != 0) {
                throw new IOException(String.join(" ", full) + " exited " + p.exitValue() + ": "
                        + new String(out, StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", full), e);
        }
    }
}
