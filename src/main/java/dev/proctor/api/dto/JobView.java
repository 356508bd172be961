package dev.proctor.api.dto;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.util.UUID;

/** A job as GET /api/v1/jobs/{id} shows it. */
public record JobView(UUID id, String url, String state, String verdict, Double score, String profile,
                      JsonNode compile, JsonNode tests, JsonNode usage, JsonNode metadata, String error,
                      OffsetDateTime createdAt, OffsetDateTime startedAt, OffsetDateTime finishedAt,
                      int attempts, String node) {
}
