package dev.proctor.grading;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.sandbox.RunStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The stored shape of a job result: what is written reads back the same, byte for byte, and keeps its keys. */
class JobResultTest {

    private static final ObjectMapper PLAIN = new ObjectMapper();

    @Property(tries = 300)
    void everyResultReadsBackAsWritten(
            @ForAll("bytes") byte[] out,
            @ForAll("bytes") byte[] err,
            @ForAll("bytes") byte[] compileOut,
            @ForAll Verdict verdict,
            @ForAll RunStatus status,
            @ForAll boolean compiled) {
        JobResult.CompileStep c =
                compiled ? new JobResult.CompileStep(status, 1, compileOut, new JobResult.StepUsage(1, 2, 3)) : null;
        JobResult.TestOutcome t = new JobResult.TestOutcome(
                "t\u00e9st", verdict, status, null, "SIGKILL", out, err, 4, 5, 6, 7, 0, 8, 9, 0.5, null, null);
        JobResult r = new JobResult(c, List.of(t, t), new JobResult.Totals(1, 2, 3, 4), "node-1");

        JobResult back = JobResult.parse(r.toJson());

        assertEquals("node-1", back.node());
        assertEquals(r.usage(), back.usage());
        assertEquals(2, back.tests().size());
        JobResult.TestOutcome bt = back.tests().get(0);
        assertArrayEquals(out, bt.stdout());
        assertArrayEquals(err, bt.stderr());
        assertEquals(verdict, bt.verdict());
        assertEquals(status, bt.status());
        assertNull(bt.exitCode());
        assertEquals("SIGKILL", bt.signal());
        assertEquals(0.5, bt.weight());
        if (compiled) {
            assertArrayEquals(compileOut, back.compile().output());
            assertEquals(status, back.compile().status());
            assertEquals(c.usage(), back.compile().usage());
        } else {
            assertNull(back.compile());
        }
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    }

    /** The keys clients, the dashboard's SQL and facades read: unchanged by the typed records. */
    @Example
    void storedShapeKeepsItsKeys() throws Exception {
        JobResult.TestOutcome t = new JobResult.TestOutcome(
                "a",
                Verdict.WRONG_ANSWER,
                RunStatus.OK,
                0,
                null,
                new byte[] {0, (byte) 0xff},
                new byte[0],
                1,
                2,
                3,
                4,
                0,
                2,
                0,
                1.0,
                "why",
                null);
        JobResult r = new JobResult(
                new JobResult.CompileStep(
                        RunStatus.OK, 0, "ok".getBytes(StandardCharsets.UTF_8), new JobResult.StepUsage(1, 2, 3)),
                List.of(t),
                new JobResult.Totals(1, 2, 3, 2),
                "n");
        JsonNode n = PLAIN.readTree(r.toJson());
        assertEquals(sorted("compile", "tests", "usage", "node"), names(n));
        assertEquals(sorted("status", "exit_code", "output", "usage", "output_encoding"), names(n.get("compile")));
        assertEquals("ok", n.get("compile").get("status").asText());
        assertEquals("base64", n.get("compile").get("output_encoding").asText());
        assertEquals(
                sorted("cpu_time_ms", "wall_time_ms", "memory_peak_bytes"),
                names(n.get("compile").get("usage")));
        JsonNode tn = n.get("tests").get(0);
        assertEquals(
                sorted(
                        "name",
                        "verdict",
                        "status",
                        "exit_code",
                        "signal",
                        "stdout",
                        "stderr",
                        "cpu_time_ms",
                        "wall_time_ms",
                        "memory_peak_bytes",
                        "pids_peak",
                        "oom_kills",
                        "stdout_bytes",
                        "stderr_bytes",
                        "weight",
                        "message",
                        "stdout_encoding",
                        "stderr_encoding"),
                names(tn));
        assertEquals("wrong_answer", tn.get("verdict").asText());
        assertEquals(
                Base64.getEncoder().encodeToString(new byte[] {0, (byte) 0xff}),
                tn.get("stdout").asText());
        assertEquals(sorted("cpu_time_ms", "wall_time_ms", "memory_peak_bytes", "runs"), names(n.get("usage")));
    }

    @Example
    void noMessageNoKey() throws Exception {
        JobResult.TestOutcome t = new JobResult.TestOutcome(
                "a",
                Verdict.ACCEPTED,
                RunStatus.OK,
                0,
                null,
                new byte[0],
                new byte[0],
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                1,
                null,
                null);
        JsonNode plain = PLAIN.readTree(new JobResult(null, List.of(t), null, null).toJson())
                .get("tests")
                .get(0);
        assertNull(plain.get("interactor"), "a test that is not interactive has no interactor key");
        JsonNode tn = PLAIN.readTree(new JobResult(null, List.of(t), null, null).toJson())
                .get("tests")
                .get(0);
        assertNull(tn.get("message"));
        assertEquals(true, tn.get("signal").isNull());
    }

    /** Results stored before byte fields existed hold the text itself and no _encoding. */
    @Example
    void legacyTextResultsStillRead() {
        String stored = """
                {"compile": {"status": "ok", "exit_code": 0, "output": "warn\u00e9",
                             "usage": {"cpu_time_ms": 1, "wall_time_ms": 2, "memory_peak_bytes": 3}},
                 "tests": [{"name": "t1", "verdict": "accepted", "status": "ok", "exit_code": 0, "signal": null,
                            "stdout": "h\u00e9llo\\n", "stderr": "", "cpu_time_ms": 1, "wall_time_ms": 2,
                            "memory_peak_bytes": 3, "pids_peak": 1, "oom_kills": 0, "stdout_bytes": 7,
                            "stderr_bytes": 0, "weight": 1.0}],
                 "usage": {"cpu_time_ms": 1, "wall_time_ms": 2, "memory_peak_bytes": 3, "runs": 2},
                 "node": "old"}""";
        JobResult r = JobResult.parse(stored);
        assertArrayEquals(
                "h\u00e9llo\n".getBytes(StandardCharsets.UTF_8),
                r.tests().get(0).stdout());
        assertArrayEquals(
                "warn\u00e9".getBytes(StandardCharsets.UTF_8), r.compile().output());
        assertEquals(Verdict.ACCEPTED, r.tests().get(0).verdict());
        assertEquals("old", r.node());
    }

    @Example
    void emptyResultOfAFailedJob() {
        JobResult r = JobResult.parse(JobResult.empty("n").toJson());
        assertNull(r.compile());
        assertEquals(List.of(), r.tests());
        assertNull(r.usage());
        assertNull(JobResult.parse(null));
    }

    private static List<String> sorted(String... names) {
        return java.util.Arrays.stream(names).sorted().toList();
    }

    /** The keys, sorted: their order in the stored JSON is no contract. */
    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out.stream().sorted().toList();
    }

    /** An interactive test keeps the interactor's run: its stderr and feedback files as bytes, exactly. */
    @Example
    void interactorRunRoundTrips() {
        byte[] stderr = {'o', 'k', 0, (byte) 0xfe};
        byte[] message = "found in 7\n".getBytes(StandardCharsets.UTF_8);
        JobResult.InteractorRun judge = new JobResult.InteractorRun(
                RunStatus.RUNTIME_ERROR,
                42,
                null,
                stderr,
                List.of(new JobResult.Feedback("judgemessage.txt", message)),
                10,
                20,
                30);
        JobResult.TestOutcome t = new JobResult.TestOutcome(
                "a",
                Verdict.ACCEPTED,
                RunStatus.OK,
                0,
                null,
                new byte[0],
                new byte[0],
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                1,
                null,
                judge);
        JobResult.InteractorRun back = JobResult.parse(new JobResult(null, List.of(t), null, null).toJson())
                .tests()
                .get(0)
                .interactor();
        assertEquals(42, back.exitCode());
        assertEquals(RunStatus.RUNTIME_ERROR, back.status());
        assertArrayEquals(stderr, back.stderr());
        assertEquals("judgemessage.txt", back.feedback().get(0).name());
        assertArrayEquals(message, back.feedback().get(0).content());
        assertEquals(20, back.wallTimeMs());
    }
}
