package dev.proctor.jobs;

/** A file of a request; {@code encoding} is utf8 (default) or base64. */
public record FileDto(String path, String content, String encoding) {}
