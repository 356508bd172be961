package dev.proctor.faults;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node's state directory on a small tmpfs this test mounts itself, then filled: jobs end as
 * internal_error saying why (never a hang, never a verdict on lost output), the service stays up,
 * and once space is freed jobs pass again.
 */
class StateDiskFullIT {

    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(120);

    private Path mountPoint;
    private boolean mounted;
    private TestNode rig;

    @BeforeEach
    void start() throws Exception {
        requireKernel("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        mountPoint = Files.createTempDirectory("proctor-full-state-");
        run("mount", "-t", "tmpfs", "-o", "size=48m,mode=0711", "proctor-fault-test", mountPoint.toString());
        mounted = true;
        rig = TestNode.start(
                "disk-full",
                Map.of(
                        "proctor.node.slots",
                        "2",
                        "proctor.sandbox.state-dir",
                        mountPoint.resolve("state").toString()));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (rig != null) {
                rig.close();
            }
        } finally {
            if (mounted) {
                // lazily: whatever a killed node left mounted below goes with it
                run("umount", "-l", mountPoint.toString());
            }
            Files.deleteIfExists(mountPoint);
        }
    }

    @Test
    void aFullStateDirFailsJobsClearlyAndTheServiceRecoversWhenSpaceIsFreed() throws Exception {
        assertEquals(
                "accepted",
                rig.api
                        .awaitFinished(rig.api.submit(Api.hello()), JOB_TIMEOUT)
                        .path("verdict")
                        .asText(),
                "a job passes before the disk fills");

        Path filler = mountPoint.resolve("filler");
        long filled = fill(filler);
        long t0 = System.nanoTime();
        List<String> ids = new ArrayList<>();
        for (Map<String, Object> job : jobs()) {
            ids.add(rig.api.submit(job));
        }
        for (String id : ids) {
            JsonNode job = rig.api.awaitFinished(id, JOB_TIMEOUT);
            assertEquals("internal_error", job.path("verdict").asText(), "a full disk is Proctor's failure: " + job);
            String message = job.path("tests").path(0).path("message").asText();
            assertTrue(message.contains("No space left on device"), "the run says why: " + job);
            assertTrue(job.path("error").asText().length() > 0, job.toString());
        }
        double failedIn = Poll.seconds(t0);
        assertEquals(200, rig.api.readinessStatus(), "the service stays up");
        assertEquals(200, rig.api.call("GET", "/api/v1/jobs?limit=5", null).statusCode());

        Files.delete(filler);
        long t1 = System.nanoTime();
        for (Map<String, Object> job : jobs()) {
            JsonNode j = rig.api.awaitFinished(rig.api.submit(job), JOB_TIMEOUT);
            assertEquals("accepted", j.path("verdict").asText(), "space freed, jobs pass again: " + j);
        }
        System.out.printf(
                "fault figures: state dir full (%d MiB filler): jobs ended internal_error in %.1f s; "
                        + "after freeing, jobs passed in %.1f s%n",
                filled >> 20, failedIn, Poll.seconds(t1));
    }

    /** A job whose input goes through the state dir, and one whose only output does. */
    private static List<Map<String, Object>> jobs() {
        return List.of(
                Api.python("print(input())", "42\n", "42\n"),
                Api.python("print('y' * 100000)", null, "y".repeat(100000) + "\n"));
    }

    /** Writes until the file system is full; returns the bytes written. */
    private static long fill(Path file) throws IOException {
        byte[] chunk = new byte[1 << 20];
        long written = 0;
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(chunk);
                written += chunk.length;
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
        return written;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }
}
