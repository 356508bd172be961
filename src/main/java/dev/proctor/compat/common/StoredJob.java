package dev.proctor.compat.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.proctor.grading.JobResult;
import dev.proctor.jobs.Job;
import java.util.Base64;
import java.util.List;

/**
 * A stored job read back for a facade: its validated request (files and tests as Proctor keeps them, as JSON)
 * and its result (empty until the job is done).
 */
public record StoredJob(Job job, JsonNode request, JobResult result) {

    public static StoredJob of(Job job, ObjectMapper json) {
        try {
            JobResult result = JobResult.parse(job.result);
            return new StoredJob(
                    job,
                    job.request == null ? NullNode.instance : json.readTree(job.request),
                    result == null ? JobResult.empty(null) : result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON of job " + job.id + " does not parse", e);
        }
    }

    /** {@code metadata.<facade>} of the request, or a missing node. */
    public JsonNode facade(String name) {
        return request.path("metadata").path(name);
    }

    /** The content of the request's file at {@code path}, or null. */
    public byte[] file(String path) {
        for (JsonNode f : request.path("files")) {
            if (path.equals(f.path("path").asText())) {
                return bytes(f.get("content"));
            }
        }
        return null;
    }

    /** A byte field of the stored request (Jackson writes byte[] as base64), or null. */
    public static byte[] bytes(JsonNode n) {
        return n == null || n.isNull() ? null : Base64.getDecoder().decode(n.asText());
    }

    /** The test results in request order (empty until done, or after a compile error). */
    public List<JobResult.TestOutcome> tests() {
        return result.tests();
    }

    /** The compile step, or null (not done yet, or a language without one). */
    public JobResult.CompileStep compile() {
        return result.compile();
    }
}
