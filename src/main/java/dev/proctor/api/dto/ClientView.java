package dev.proctor.api.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.OffsetDateTime;
import java.util.List;

/** A client; {@code webhook_secret} and a new key's text only in the answer that creates them. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClientView(
        long id,
        String name,
        int maxConcurrentJobs,
        Long maxCpuTimeMs,
        Long maxWallTimeMs,
        Long maxMemoryMb,
        Integer maxPids,
        Long maxOutputKb,
        Long maxDiskMb,
        OffsetDateTime createdAt,
        String webhookSecret,
        List<KeyView> keys) {}
