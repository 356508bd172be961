package dev.proctor.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.proctor.profiles.LimitSet;
import java.util.List;

/**
 * The body of POST /api/v1/jobs; {@code stdin} is text unless {@code stdin_encoding} says base64; {@code args}
 * are appended to the profile's run command (command-line arguments of the program); {@code interactor} makes
 * the job interactive (no checker then: the interactor judges). {@code problem} (an id or the caller's name
 * for a stored problem) and {@code version} (default: the latest) grade the program against a problem package
 * instead of {@code tests}.
 */
public record JobRequest(
        String profile,
        List<FileDto> files,
        List<TestDto> tests,
        String stdin,
        String stdinEncoding,
        LimitSet limits,
        LimitSet compileLimits,
        CheckerDto checker,
        Boolean stopOnFirstFailure,
        String callbackUrl,
        JsonNode metadata,
        List<String> args,
        InteractorDto interactor,
        String problem,
        Integer version) {}
