package dev.proctor.jobs;

import dev.proctor.profiles.LimitSet;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One test case: the program gets {@code stdin}, the checker compares with {@code expected_output}. Each of
 * the two is text (UTF-8) unless its {@code _encoding} says {@code base64}.
 */
public record TestDto(
        String name,

        @Schema(
                description =
                        "bytes given on standard input: UTF-8 text, or base64 when " + "stdin_encoding is \"base64\"")
        String stdin,

        @Schema(enumeration = {"utf8", "base64"}) String stdinEncoding,

        @Schema(
                description = "bytes the checker expects: UTF-8 text, or base64 when "
                        + "expected_output_encoding is \"base64\"")
        String expectedOutput,

        @Schema(enumeration = {"utf8", "base64"}) String expectedOutputEncoding,
        LimitSet limits,
        Double weight) {}
