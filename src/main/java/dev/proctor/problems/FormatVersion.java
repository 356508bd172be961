package dev.proctor.problems;

/** Which version of the package format a problem.yaml is written in ({@code problem_format_version}). */
public enum FormatVersion {
    /** No {@code problem_format_version}, or {@code legacy}. */
    LEGACY("legacy"),
    /** {@code 2023-07-draft}. */
    V2023_07("2023-07-draft");

    private final String wire;

    FormatVersion(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
