package dev.proctor.api.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.OffsetDateTime;

/** An API key; {@code key} (the secret) only in the answer that issues it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KeyView(
        long id,
        long clientId,
        String prefix,
        boolean admin,
        OffsetDateTime createdAt,
        OffsetDateTime revokedAt,
        String key) {}
