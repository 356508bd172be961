package dev.proctor.problems;

import java.util.List;

/**
 * A submission shipped to check the package: its folder's verdict ({@code category}: accepted, wrong_answer…),
 * its path ({@code submissions/accepted/sol.py} or a directory) and its files.
 */
public record PackageSubmission(String category, String path, List<PackageFile> files) {}
