package dev.proctor.sandbox;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.proctor.sandbox.launcher.LaunchConnection;
import dev.proctor.sandbox.launcher.LaunchReport;
import dev.proctor.sandbox.launcher.LaunchRequest;
import dev.proctor.sandbox.launcher.LauncherServer;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The launcher's supervisors forked ahead (server.c, supervisor.c): one whose connection fails before
 * its run (here: a refused spec) exits and the server replaces it (one that saw its run through serves
 * the next: SandboxLauncherPathIT), and nothing of the pool outlives the server, whether it is stopped,
 * killed, or has a connection whose spec never came.
 */
class LauncherPoolIT {

    private static final Path PROJECT =
            Path.of(System.getProperty("proctor.project-dir", ".")).toAbsolutePath();
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    /** The launcher keeps at least one idle supervisor per online CPU, at least 2 (server.c). */
    private static final int IDLE = Math.max(2, Math.min(32, onlineCpus()));

    private Path dir;
    private LauncherServer launcher;
    private ProcessHandle server;

    @BeforeEach
    void start() throws IOException {
        Path binary = PROJECT.resolve("target/native/proctor-launcher");
        requireKernel(Files.isExecutable(binary), "the launcher is not built: " + binary);
        requireKernel("root".equals(System.getProperty("user.name")), "the launcher needs root");
        dir = Files.createTempDirectory("proctor-pool-it");
        Path socket = dir.resolve("launcher.sock");
        launcher = LauncherServer.start(binary, socket);
        server = ProcessHandle.current()
                .children()
                .filter(p -> p.info()
                        .arguments()
                        .map(a -> List.of(a).contains(socket.toString()))
                        .orElse(false))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the launcher server is not a child of this JVM"));
    }

    @AfterEach
    void stop() throws IOException {
        if (launcher != null) {
            launcher.close();
        }
        if (dir != null) {
            Files.deleteIfExists(dir.resolve("launcher.sock"));
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void aSupervisorWhoseSpecIsRefusedExitsAndIsReplaced() {
        Set<Long> idle = awaitIdle();
        Set<Long> everIdle = new HashSet<>(idle);
        for (int i = 0; i < 6; i++) {
            LaunchReport report = refusedSpec();
            assertNotNull(report.error(), "a spec without its required keys is refused");
            Set<Long> before = idle;
            idle = awaitIdle(now -> !now.equals(before));
            Set<Long> gone = new HashSet<>(before);
            gone.removeAll(idle);
            assertEquals(1, gone.size(), "one connection took one idle supervisor: " + before + " -> " + idle);
            long served = gone.iterator().next();
            await(
                    "the supervisor that served it exited",
                    () -> ProcessHandle.of(served).map(p -> !p.isAlive()).orElse(true));
            for (long pid : idle) {
                if (!before.contains(pid)) {
                    assertTrue(everIdle.add(pid), "a new idle supervisor, never seen before: " + pid);
                }
            }
        }
        assertEquals(IDLE + 6, everIdle.size(), "six connections, six supervisors used once each: " + everIdle);
    }

    @Test
    void theIdleSupervisorsAndTheNetworkNamespaceMakerEndWithTheServer() {
        Set<Long> pool = awaitIdle();
        List<ProcessHandle> children = server.children().toList();
        assertTrue(children.size() >= IDLE, children.toString());
        launcher.close();
        await(
                "nothing of the launcher left after a stop",
                () -> children.stream().noneMatch(ProcessHandle::isAlive));
        assertFalse(server.isAlive());
        assertEquals(IDLE, pool.size());
    }

    @Test
    void aConnectionWhoseSpecNeverComesEndsWithTheKilledServer() throws IOException {
        awaitIdle();
        try (SocketChannel silent = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            silent.connect(UnixDomainSocketAddress.of(dir.resolve("launcher.sock")));
            ProcessHandle waiting = await(
                    "a supervisor waiting for the spec",
                    () -> server.children()
                            .filter(p -> "proctor-sup".equals(comm(p)))
                            .findFirst()
                            .orElse(null));
            List<ProcessHandle> all = server.children().toList();
            assertTrue(server.destroyForcibly());
            await(
                    "the server, its idle supervisors, the waiting one and the maker gone",
                    () -> !server.isAlive() && all.stream().noneMatch(ProcessHandle::isAlive));
            assertFalse(waiting.isAlive());
            // the connection ends too: the supervisor was its only holder
            assertEquals(-1, silent.read(ByteBuffer.allocate(16)), "EOF on the connection");
        }
    }

    private LaunchReport refusedSpec() {
        try (LaunchConnection conn = launcher.open(new LaunchRequest().put("id", "pool-it"), -1)) {
            return conn.awaitReport();
        }
    }

    private Set<Long> awaitIdle() {
        return awaitIdle(now -> true);
    }

    /** The server's idle supervisors once there are {@link #IDLE} of them and {@code accept} holds. */
    private Set<Long> awaitIdle(Predicate<Set<Long>> accept) {
        return await("the pool of idle supervisors full", () -> {
            Set<Long> now = new HashSet<>();
            server.children().filter(p -> "proctor-idle".equals(comm(p))).forEach(p -> now.add(p.pid()));
            return now.size() == IDLE && accept.test(now) ? now : null;
        });
    }

    /** sysconf(_SC_NPROCESSORS_ONLN), as the launcher counts them: the ranges of /sys/devices/system/cpu/online. */
    private static int onlineCpus() {
        try {
            int n = 0;
            for (String range : Files.readString(Path.of("/sys/devices/system/cpu/online"))
                    .trim()
                    .split(",")) {
                String[] ends = range.split("-");
                n += ends.length == 1 ? 1 : Integer.parseInt(ends[1]) - Integer.parseInt(ends[0]) + 1;
            }
            return n;
        } catch (IOException | NumberFormatException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    private static String comm(ProcessHandle p) {
        try {
            return Files.readString(Path.of("/proc", String.valueOf(p.pid()), "comm"))
                    .trim();
        } catch (IOException e) {
            return "";
        }
    }

    private static void await(String what, BooleanSupplier done) {
        await(what, () -> done.getAsBoolean() ? Boolean.TRUE : null);
    }

    private static <T> T await(String what, Supplier<T> value) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            T v = value.get();
            if (v != null) {
                return v;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
        return fail("not within " + DEADLINE + ": " + what);
    }
}
