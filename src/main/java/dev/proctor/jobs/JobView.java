package dev.proctor.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.proctor.core.ByteFields;
import dev.proctor.grading.JobResult;
import dev.proctor.grading.Verdict;
import dev.proctor.sandbox.RunStatus;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A job as GET /api/v1/jobs/{id} shows it. */
@Schema(
        description = "A job. Byte fields (tests[].stdout, tests[].stderr, compile.output) are what the program "
                + "wrote, exactly: each has a sibling *_encoding, \"utf8\" when the bytes are valid UTF-8 and the field is "
                + "that text, \"base64\" when they are not and the field is their standard base64. ?encoding=base64 "
                + "returns every byte field as base64.")
public record JobView(
        UUID id,
        String url,
        JobState state,
        Verdict verdict,
        Double score,
        String profile,

        @Schema(description = "The compile step; null for a language without one")
        Compile compile,

        @Schema(description = "One entry per test run (GET of one job only)")
        List<Test> tests,

        @Schema(description = "Totals over every run of the job")
        JobResult.Totals usage,

        JsonNode metadata,
        String error,
        OffsetDateTime createdAt,
        OffsetDateTime startedAt,
        OffsetDateTime finishedAt,
        int attempts,
        String node,

        @Schema(description = "For a job against a problem: each test group's verdict and score")
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        List<JobResult.GroupOutcome> groups) {

    /** The compile step as a caller sees it. */
    public record Compile(
            RunStatus status,
            Integer exitCode,

            @Schema(
                    description = "What the compiler wrote: stdout then stderr, the first "
                            + "proctor.jobs.compile-output-bytes")
            String output,

            @Schema(enumeration = {"utf8", "base64"}) String outputEncoding,
            JobResult.StepUsage usage) {

        static Compile of(JobResult.CompileStep c, ByteFields.Mode mode) {
            if (c == null) {
                return null;
            }
            ByteFields.Encoded out = ByteFields.encode(c.output(), mode);
            return new Compile(c.status(), c.exitCode(), out.value(), out.encoding(), c.usage());
        }
    }

    /** One test's outcome as a caller sees it. */
    public record Test(
            String name,
            Verdict verdict,
            RunStatus status,
            Integer exitCode,
            String signal,

            @Schema(description = "The first proctor.jobs.captured-output-bytes of stdout")
            String stdout,

            @Schema(enumeration = {"utf8", "base64"}) String stdoutEncoding,

            @Schema(description = "The first proctor.jobs.captured-output-bytes of stderr")
            String stderr,

            @Schema(enumeration = {"utf8", "base64"}) String stderrEncoding,
            long cpuTimeMs,
            long wallTimeMs,
            long memoryPeakBytes,
            long pidsPeak,
            long oomKills,

            @Schema(description = "All the bytes written to stdout, not only those captured")
            long stdoutBytes,

            @Schema(description = "All the bytes written to stderr")
            long stderrBytes,

            double weight,
            @JsonInclude(JsonInclude.Include.NON_NULL) String message,

            @Schema(
                    description = "An interactive job's interactor on this test (the test's other fields are the "
                            + "submission's, whose stdout went to the interactor); absent for other jobs")
            @JsonInclude(JsonInclude.Include.NON_NULL)
            Interactor interactor) {

        static Test of(JobResult.TestOutcome t, ByteFields.Mode mode) {
            ByteFields.Encoded out = ByteFields.encode(t.stdout(), mode);
            ByteFields.Encoded err = ByteFields.encode(t.stderr(), mode);
            return new Test(
                    t.name(),
                    t.verdict(),
                    t.status(),
                    t.exitCode(),
                    t.signal(),
                    out.value(),
                    out.encoding(),
                    err.value(),
                    err.encoding(),
                    t.cpuTimeMs(),
                    t.wallTimeMs(),
                    t.memoryPeakBytes(),
                    t.pidsPeak(),
                    t.oomKills(),
                    t.stdoutBytes(),
                    t.stderrBytes(),
                    t.weight(),
                    t.message(),
                    Interactor.of(t.interactor(), mode));
        }
    }

    /** The interactor's run on one test: how it ended, its stderr and feedback files (each capped), its usage. */
    public record Interactor(
            RunStatus status,
            Integer exitCode,
            String signal,

            @Schema(description = "The first proctor.jobs.captured-output-bytes of the interactor's stderr")
            String stderr,

            @Schema(enumeration = {"utf8", "base64"}) String stderrEncoding,

            @Schema(
                    description = "Files the interactor wrote for the test: kattis judgemessage.txt and "
                            + "teammessage.txt, testlib output.txt; the first 64 KiB of each")
            List<Feedback> feedback,

            long cpuTimeMs,
            long wallTimeMs,
            long memoryPeakBytes) {

        static Interactor of(JobResult.InteractorRun r, ByteFields.Mode mode) {
            if (r == null) {
                return null;
            }
            ByteFields.Encoded err = ByteFields.encode(r.stderr(), mode);
            List<Feedback> files = r.feedback().stream()
                    .map(f -> {
                        ByteFields.Encoded c = ByteFields.encode(f.content(), mode);
                        return new Feedback(f.name(), c.value(), c.encoding());
                    })
                    .toList();
            return new Interactor(
                    r.status(),
                    r.exitCode(),
                    r.signal(),
                    err.value(),
                    err.encoding(),
                    files,
                    r.cpuTimeMs(),
                    r.wallTimeMs(),
                    r.memoryPeakBytes());
        }
    }

    /** One feedback file of the interactor. */
    public record Feedback(
            String name,
            String content,
            @Schema(enumeration = {"utf8", "base64"}) String contentEncoding) {}
}
