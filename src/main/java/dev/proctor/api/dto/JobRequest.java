package dev.proctor.api.dto;

import com.fasterxml.jackson.databind.JsonNode;
import dev.proctor.profiles.LimitSet;
import java.util.List;

/** The body of POST /api/v1/jobs. */
public record JobRequest(String profile, List<FileDto> files, List<TestDto> tests, String stdin, LimitSet limits,
                         LimitSet compileLimits, CheckerDto checker, Boolean stopOnFirstFailure,
                         String callbackUrl, JsonNode metadata) {
}
