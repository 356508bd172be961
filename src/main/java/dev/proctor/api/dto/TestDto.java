package dev.proctor.api.dto;

import dev.proctor.profiles.LimitSet;

/** One test case: the program gets {@code stdin}, the checker compares with {@code expected_output}. */
public record TestDto(String name, String stdin, String expectedOutput, LimitSet limits, Double weight) {
}
