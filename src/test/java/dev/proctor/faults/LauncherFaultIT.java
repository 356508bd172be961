package dev.proctor.faults;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The C launcher of a running node killed mid-run (the long-lived server, or the supervisor of one
 * run): that run ends with a reason or runs again once, nothing of it keeps running, the next job is
 * fine. Only processes below this test's own node are signalled.
 */
class LauncherFaultIT {

    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(120);

    private TestNode rig;

    @BeforeEach
    void start() throws Exception {
        requireKernel("root".equals(System.getProperty("user.name")), "the sandbox needs root");
        rig = TestNode.start("launcher-fault", Map.of("proctor.node.slots", "2"));
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void launcherServerKilledMidRun() throws Exception {
        String id = rig.api.submit(Api.sleeper(3));
        List<ProcessHandle> program = awaitProgram();
        List<ProcessHandle> servers = NodeProcesses.launcherServers(rig.node);
        assertEquals(1, servers.size(), "one launcher server below the node: " + servers);
        ProcessHandle killed = servers.get(0);
        assertTrue(killed.destroyForcibly());
        Poll.until(Duration.ofSeconds(30), "the launcher server gone", () -> !killed.isAlive());

        JsonNode job = rig.api.awaitFinished(id, JOB_TIMEOUT);
        endedWithReasonOrRanAgainOnce(job);
        Poll.until(
                Duration.ofSeconds(30),
                "nothing of the run left",
                () -> program.stream().noneMatch(ProcessHandle::isAlive));

        JsonNode next = rig.api.awaitFinished(rig.api.submit(Api.hello()), JOB_TIMEOUT);
        assertEquals("accepted", next.path("verdict").asText(), "the next job is fine: " + next);
        List<ProcessHandle> now = NodeProcesses.launcherServers(rig.node);
        assertEquals(1, now.size(), "a new launcher server: " + now);
        assertNotEquals(killed.pid(), now.get(0).pid());
        System.out.printf(
                "fault figures: launcher server killed mid-run: that job %s (attempts %d)%n",
                job.path("verdict").asText(), job.path("attempts").asInt());
    }

    @Test
    void runSupervisorKilledMidRun() throws Exception {
        String id = rig.api.submit(Api.sleeper(20));
        List<ProcessHandle> program = awaitProgram();
        List<ProcessHandle> supervisors = NodeProcesses.supervisors(rig.node);
        assertEquals(1, supervisors.size(), "one run, one supervisor: " + supervisors);
        long t0 = System.nanoTime();
        assertTrue(supervisors.get(0).destroyForcibly());

        JsonNode job = rig.api.awaitFinished(id, JOB_TIMEOUT);
        double endedAfter = Poll.seconds(t0);
        endedWithReasonOrRanAgainOnce(job);
        if (job.path("attempts").asInt() == 1) {
            assertEquals("internal_error", job.path("verdict").asText(), job.toString());
            String message = job.path("tests").path(0).path("message").asText();
            assertTrue(message.contains("supervisor"), "the run says what failed: " + job);
        }
        Poll.until(
                Duration.ofSeconds(30),
                "nothing of the run left",
                () -> program.stream().noneMatch(ProcessHandle::isAlive));

        JsonNode next = rig.api.awaitFinished(rig.api.submit(Api.hello()), JOB_TIMEOUT);
        assertEquals("accepted", next.path("verdict").asText(), "the next job is fine: " + next);
        System.out.printf(
                "fault figures: run supervisor killed: job %s %.1f s later (attempts %d)%n",
                job.path("verdict").asText(), endedAfter, job.path("attempts").asInt());
    }

    /** The program of the only run, once it is running in the sandbox. */
    private List<ProcessHandle> awaitProgram() throws Exception {
        return Poll.until(Duration.ofSeconds(60), "the job's program running", () -> {
            List<ProcessHandle> p = NodeProcesses.named(rig.node, "python3");
            return p.isEmpty() ? null : p;
        });
    }

    /** Accepted (the run survived), or internal_error with a reason, or run a second time. */
    private static void endedWithReasonOrRanAgainOnce(JsonNode job) {
        assertEquals("done", job.path("state").asText(), job.toString());
        int attempts = job.path("attempts").asInt();
        assertTrue(attempts == 1 || attempts == 2, "run at most twice: " + job);
        String verdict = job.path("verdict").asText();
        if (verdict.equals("internal_error")) {
            assertFalse(job.path("error").asText().isBlank(), "an internal_error says why: " + job);
        } else {
            assertEquals("accepted", verdict, job.toString());
        }
    }
}
