package dev.proctor.api.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The JSON shapes of /api/v1/problems. */
public final class ProblemViews {

    private ProblemViews() {}

    /** A problem as listed. */
    public record ProblemSummary(UUID id, String name, long clientId, int latestVersion, Instant createdAt) {}

    /** One version. {@code created} is set on upload only: false when the same content was there already. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VersionSummary(
            int version, String contentDigest, String title, long totalBytes, Instant createdAt, Boolean created) {}

    /** A file of a test: size and SHA-256. */
    public record FileRef(String path, long size, String sha256) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TestView(String name, String group, FileRef input, FileRef answer, FileRef interaction) {}

    public record GroupView(
            String name,
            String aggregation,
            double acceptScore,
            double rejectScore,
            String onReject,
            List<String> graderFlags,
            List<String> inputValidatorFlags,
            List<String> outputValidatorFlags,
            Double maxScore,
            int tests) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LimitsView(
            Double timeLimitS,
            double acToTimeLimit,
            double timeLimitToTle,
            double timeResolutionS,
            long memoryMib,
            long outputMib,
            Double derivedTimeLimitS,
            Long slowestAcceptedMs) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ProblemDetail(
            UUID id,
            String name,
            long clientId,
            int version,
            int latestVersion,
            String title,
            String formatVersion,
            List<String> type,
            String validation,
            List<String> validatorFlags,
            LimitsView limits,
            String outputValidator,
            List<String> inputValidators,
            List<SubmissionView> submissions,
            List<GroupView> groups,
            List<TestView> tests,
            int files,
            long totalBytes,
            String contentDigest,
            Instant createdAt) {}

    public record SubmissionView(String category, String path, int files) {}

    /** The answer to an upload. */
    public record UploadView(ProblemSummary problem, VersionSummary version) {}

    /** An admin's share of a problem with a client. */
    public record ShareRequest(Long clientId) {}
}
