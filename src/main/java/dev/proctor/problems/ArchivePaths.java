package dev.proctor.problems;

import dev.proctor.core.Rejection;
import java.util.ArrayList;
import java.util.List;

/** Entry names of an archive, checked segment by segment before anything is written. */
final class ArchivePaths {

    private ArchivePaths() {}

    /**
     * The segments of {@code raw}, with a leading {@code ./} and a trailing {@code /} dropped; refuses absolute
     * names, {@code ..}, backslashes, control characters, empty segments and names over the limits.
     */
    static List<String> segments(String raw, ArchiveLimits limits) {
        String where = "archive entry " + PackageArchive.quote(raw);
        if (raw == null || raw.isEmpty()) {
            throw Rejection.unprocessable(PackageArchive.FIELD, "an archive entry has no name");
        }
        if (raw.length() > limits.maxPathLength()) {
            throw Rejection.unprocessable(
                    PackageArchive.FIELD, where + " is longer than " + limits.maxPathLength() + " characters");
        }
        if (raw.startsWith("/") || (raw.length() > 1 && raw.charAt(1) == ':')) {
            throw Rejection.unprocessable(PackageArchive.FIELD, where + " is an absolute path");
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                throw Rejection.unprocessable(
                        PackageArchive.FIELD, where + " has a control character or a backslash in its name");
            }
        }
        String name = raw;
        while (name.startsWith("./")) {
            name = name.substring(2);
        }
        if (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        List<String> out = new ArrayList<>();
        if (name.isEmpty() || name.equals(".")) {
            return out;
        }
        for (String s : name.split("/", -1)) {
            if (s.equals("..")) {
                throw Rejection.unprocessable(PackageArchive.FIELD, where + " climbs out with ..");
            }
            if (s.isEmpty() || s.equals(".")) {
                throw Rejection.unprocessable(PackageArchive.FIELD, where + " has an empty or . segment");
            }
            out.add(s);
        }
        if (out.size() > limits.maxDepth()) {
            throw Rejection.unprocessable(
                    PackageArchive.FIELD, where + " is nested deeper than " + limits.maxDepth() + " levels");
        }
        return out;
    }
}
