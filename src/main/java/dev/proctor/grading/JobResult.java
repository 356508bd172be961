package dev.proctor.grading;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.proctor.core.ByteFields;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.accounting.Usage;
import java.util.List;

/**
 * What grading a job produced, as stored in {@code jobs.result} and read back: the compile step, one outcome
 * per test, the totals, and the node that ran it. The one shape of a result: written and read here only
 * ({@link #toJson()}, {@link #parse(String)}), by Jackson, whatever the caller's mapper is configured to do.
 * Byte fields are {@code byte[]}: stored as base64 with a {@code *_encoding: "base64"} marker beside them
 * (results stored before byte fields existed hold text and no marker; {@link #parse} reads both).
 *
 * @param compile the compile step; null for a profile that does not compile (and when grading failed first)
 * @param tests   one outcome per test that ran, in request order
 * @param usage   totals over every run of the job (compile, tests, checker); null when nothing ran
 * @param node    the node that graded the job
 * @param groups  for a job against a problem: each test group's verdict and score (empty otherwise)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record JobResult(
        CompileStep compile,
        List<TestOutcome> tests,
        Totals usage,
        String node,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<GroupOutcome> groups) {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public JobResult {
        tests = tests == null ? List.of() : List.copyOf(tests);
        groups = groups == null ? List.of() : List.copyOf(groups);
    }

    /** A result without groups (every job but one against a problem). */
    public JobResult(CompileStep compile, List<TestOutcome> tests, Totals usage, String node) {
        this(compile, tests, usage, node, List.of());
    }

    /** One test group of a problem ({@code data/secret/group1}): its verdict, score and the most it can score. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record GroupOutcome(String name, Verdict verdict, double score, double maxScore) {}

    /** A job that ended before any test ran (Proctor failed, or the result could not be stored). */
    public static JobResult empty(String node) {
        return new JobResult(null, List.of(), null, node);
    }

    public JobResult withNode(String node) {
        return new JobResult(compile, tests, usage, node, groups);
    }

    /** The compile step: how it ended, what the compiler wrote (stdout then stderr, capped), what it used. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(value = "output_encoding", allowGetters = true)
    public record CompileStep(RunStatus status, Integer exitCode, byte[] output, StepUsage usage) {

        @JsonProperty("output_encoding")
        public String outputEncoding() {
            return ByteFields.BASE64;
        }
    }

    /** CPU, wall time and memory of one step. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record StepUsage(long cpuTimeMs, long wallTimeMs, long memoryPeakBytes) {
        public static StepUsage of(Usage u) {
            return new StepUsage(u.cpuTimeMillis(), u.wallTimeMillis(), u.memoryPeakBytes());
        }
    }

    /**
     * One test's outcome: its verdict, how the run ended, what it wrote (the first captured bytes of each
     * stream; {@code stdoutBytes}/{@code stderrBytes} count all of them) and what it used.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(
            value = {"stdout_encoding", "stderr_encoding"},
            allowGetters = true)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record TestOutcome(
            String name,
            Verdict verdict,
            RunStatus status,
            Integer exitCode,
            String signal,
            byte[] stdout,
            byte[] stderr,
            long cpuTimeMs,
            long wallTimeMs,
            long memoryPeakBytes,
            long pidsPeak,
            long oomKills,
            long stdoutBytes,
            long stderrBytes,
            double weight,
            @JsonInclude(JsonInclude.Include.NON_NULL) String message,
            @JsonInclude(JsonInclude.Include.NON_NULL) InteractorRun interactor) {

        @JsonProperty("stdout_encoding")
        public String stdoutEncoding() {
            return ByteFields.BASE64;
        }

        @JsonProperty("stderr_encoding")
        public String stderrEncoding() {
            return ByteFields.BASE64;
        }
    }

    /**
     * The interactor's side of an interactive test: how its run ended, its stderr and the feedback files it
     * wrote for the test (each capped), what it used. The test's own fields are the submission's.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(value = "stderr_encoding", allowGetters = true)
    public record InteractorRun(
            RunStatus status,
            Integer exitCode,
            String signal,
            byte[] stderr,
            List<Feedback> feedback,
            long cpuTimeMs,
            long wallTimeMs,
            long memoryPeakBytes) {

        public InteractorRun {
            feedback = feedback == null ? List.of() : List.copyOf(feedback);
        }

        /** The interactor's run {@code judge} with the feedback files it wrote, its stderr cut at {@code maxBytes}. */
        public static InteractorRun of(RunResult judge, List<Feedback> feedback, int maxBytes) {
            Usage u = judge.usage();
            return new InteractorRun(
                    judge.status(),
                    judge.exitCode(),
                    judge.signal(),
                    OutputCaps.cut(judge.stderr(), maxBytes),
                    feedback,
                    u.cpuTimeMillis(),
                    u.wallTimeMillis(),
                    u.memoryPeakBytes());
        }

        @JsonProperty("stderr_encoding")
        public String stderrEncoding() {
            return ByteFields.BASE64;
        }
    }

    /** A feedback file of an interactor (Kattis judgemessage.txt, teammessage.txt; testlib output.txt). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(value = "content_encoding", allowGetters = true)
    public record Feedback(String name, byte[] content) {

        @JsonProperty("content_encoding")
        public String contentEncoding() {
            return ByteFields.BASE64;
        }
    }

    /** Totals over every run of the job: CPU and wall time summed, the highest memory peak, the run count. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Totals(long cpuTimeMs, long wallTimeMs, long memoryPeakBytes, long runs) {}

    /** The stored form. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a job result does not serialise", e);
        }
    }

    /** A stored result; null for null (a job not finished). */
    public static JobResult parse(String stored) {
        if (stored == null) {
            return null;
        }
        try {
            JsonNode tree = JSON.readTree(stored);
            if (tree.get("compile") instanceof ObjectNode c) {
                legacyText(c, "output");
            }
            for (JsonNode t : tree.path("tests")) {
                if (t instanceof ObjectNode o) {
                    legacyText(o, "stdout");
                    legacyText(o, "stderr");
                }
            }
            return JSON.treeToValue(tree, JobResult.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored job result does not parse: " + e.getOriginalMessage(), e);
        }
    }

    /** A byte field stored as text (before byte fields existed) becomes the base64 of its UTF-8. */
    private static void legacyText(ObjectNode node, String field) {
        byte[] bytes = ByteFields.stored(node, field);
        if (bytes != null) {
            ByteFields.store(node, field, bytes);
        }
    }
}
