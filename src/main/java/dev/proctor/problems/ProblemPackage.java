package dev.proctor.problems;

import java.util.List;
import java.util.Set;

/**
 * A problem package as read from its directory. {@code contentDigest} is the SHA-256 of the sorted list of
 * (path, size, file digest): the same files give the same digest, however they were archived.
 * {@code outputValidator} and the {@code inputValidators} are package paths (a directory or a single file).
 */
public record ProblemPackage(
        String name,
        FormatVersion format,
        Set<ProblemType> types,
        Validation validation,
        ProblemLimits limits,
        TestNode.TestGroup data,
        String outputValidator,
        List<String> inputValidators,
        List<PackageSubmission> submissions,
        List<PackageFile> files,
        long totalBytes,
        String contentDigest) {

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean scoring() {
        return types.contains(ProblemType.SCORING);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean interactive() {
        return types.contains(ProblemType.INTERACTIVE);
    }

    /** The files below a package path (a directory, or the path itself when it is a file). */
    public List<PackageFile> filesUnder(String path) {
        return files.stream()
                .filter(f -> f.path().equals(path) || f.path().startsWith(path + "/"))
                .toList();
    }
}
