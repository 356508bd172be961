package dev.proctor.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
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
        String state,
        String verdict,
        Double score,
        String profile,

        @Schema(
                description = "The compile step: status, exit_code, output + output_encoding "
                        + "(stdout then stderr of the compiler), usage")
        JsonNode compile,

        @Schema(
                description = "One entry per test run: name, verdict, status, exit_code, signal, "
                        + "stdout + stdout_encoding, stderr + stderr_encoding (the first "
                        + "proctor.jobs.captured-output-bytes of each), stdout_bytes/stderr_bytes (all "
                        + "that was written), cpu_time_ms, wall_time_ms, memory_peak_bytes, pids_peak, "
                        + "oom_kills, weight, message")
        JsonNode tests,

        JsonNode usage,
        JsonNode metadata,
        String error,
        OffsetDateTime createdAt,
        OffsetDateTime startedAt,
        OffsetDateTime finishedAt,
        int attempts,
        String node) {}
