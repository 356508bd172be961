package dev.proctor.problems;

/** One file of a package: its path inside the package ({@code data/secret/01.in}), size and SHA-256 (hex). */
public record PackageFile(String path, long size, String sha256) {}
