package dev.proctor.faults;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A job cancelled while its C++ compile runs: it ends cancelled at once, the compiler is killed
 * promptly, nothing of the run is left, and the node's only slot is free for the next job.
 */
class CompileCancelIT {

    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(180);
    /** Each constant is evaluated apart, each for seconds: minutes of compiling in all. */
    private static final String SLOW_TO_COMPILE = """
            #include <utility>
            constexpr unsigned long long spin(unsigned long long seed) {
                unsigned long long s = seed;
                for (unsigned long long i = 0; i < 150; ++i)
                    for (unsigned long long j = 0; j < 200000; ++j)
                        s += (i ^ j ^ seed) & 7;
                return s;
            }
            template <unsigned long long K> constexpr unsigned long long part = spin(K);
            template <unsigned long long... K>
            unsigned long long sum(std::integer_sequence<unsigned long long, K...>) { return (part<K> + ...); }
            int main() { return (int)(sum(std::make_integer_sequence<unsigned long long, 60>{}) & 1); }
            """;

    private TestNode rig;

    @BeforeEach
    void start() throws Exception {
        requireKernel("root".equals(System.getProperty("user.name")), "the sandbox needs root");
        // one slot: a compile left running would hold up the next job
        rig = TestNode.start("compile-cancel", Map.of("proctor.node.slots", "1"));
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void aJobCancelledDuringItsCompileEndsCancelledAndLeavesNothingRunning() throws Exception {
        Map<String, Object> slow = cpp(SLOW_TO_COMPILE, "");
        slow.put("compile_limits", Map.of("cpu_time_ms", 20000, "wall_time_ms", 60000));
        String id = rig.api.submit(slow);
        List<ProcessHandle> compiler = Poll.until(Duration.ofSeconds(60), "the compiler running", () -> {
            List<ProcessHandle> c = NodeProcesses.named(rig.node, "cc1plus");
            return c.isEmpty() ? null : c;
        });
        List<ProcessHandle> supervisors = NodeProcesses.supervisors(rig.node);
        assertEquals(1, supervisors.size(), "the compile's supervisor: " + supervisors);

        long t0 = System.nanoTime();
        HttpResponse<String> r = rig.api.call("POST", "/api/v1/jobs/" + id + "/cancel", null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("cancelled", Api.JSON.readTree(r.body()).path("state").asText(), r.body());
        Poll.until(
                Duration.ofSeconds(30),
                "the compiler killed",
                () -> compiler.stream().noneMatch(ProcessHandle::isAlive));
        double killedAfter = Poll.seconds(t0);
        // a supervisor serves run after run: done with this one, it exits or waits idle with nothing below it
        Poll.until(
                Duration.ofSeconds(30),
                "the run's supervisor gone or idle with no run",
                () -> supervisors.stream().noneMatch(CompileCancelIT::stillSupervising));
        assertTrue(NodeProcesses.named(rig.node, "cc1plus").isEmpty(), "no compiler left below the node");

        JsonNode next = rig.api.awaitFinished(
                rig.api.submit(cpp("#include <cstdio>\nint main() { std::puts(\"hello\"); }", "hello\n")), JOB_TIMEOUT);
        assertEquals("accepted", next.path("verdict").asText(), "the next job is fine: " + next);
        JsonNode cancelled = rig.api.job(id);
        assertEquals("cancelled", cancelled.path("state").asText(), "stays cancelled: " + cancelled);
        assertTrue(cancelled.path("verdict").isNull(), cancelled.toString());
        System.out.printf(
                "fault figures: compile cancelled: compiler gone %.2f s after the cancel request%n", killedAfter);
    }

    private static boolean stillSupervising(ProcessHandle supervisor) {
        return supervisor.isAlive()
                && ("proctor-sup".equals(NodeProcesses.comm(supervisor))
                        || supervisor.children().findAny().isPresent());
    }

    private static Map<String, Object> cpp(String source, String expected) {
        return new HashMap<>(Map.of(
                "profile",
                "cpp",
                "files",
                List.of(Map.of("path", "main.cpp", "content", source)),
                "tests",
                List.of(Map.of("name", "t", "expected_output", expected))));
    }
}
