package dev.proctor.jobs;

import java.util.List;

/**
 * How output is judged: exact | trimmed (default) | tokens | float (abs_error, rel_error) | program
 * (its own {@code files} in {@code profile}, run as testlib checkers are: input, output, answer).
 */
public record CheckerDto(String type, Double absError, Double relError, String profile, List<FileDto> files) {}
