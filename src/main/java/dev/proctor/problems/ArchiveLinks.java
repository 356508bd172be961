package dev.proctor.problems;

import dev.proctor.core.Rejection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The symbolic links of an archive (tar symlink entries, zip entries whose Unix mode says link; a setter's
 * folder is packed as a tar with its links): each becomes a regular file with its target's content, after
 * every entry is unpacked. A target is relative to the link's directory, must stay inside the package (no
 * absolute target, no {@code ..} above the top) and end, after at most {@link #MAX_HOPS} links, at a regular
 * file of the archive; anything else refuses the upload, naming the link. No link is ever created on disk.
 */
final class ArchiveLinks {

    /** The longest chain of links followed; a longer one (or a loop) is refused. */
    static final int MAX_HOPS = 8;

    /** The longest link target read (a zip link's content). */
    static final int MAX_TARGET_BYTES = 4096;

    private record Link(String raw, List<String> segments, String target) {}

    private final Map<String, Link> links = new LinkedHashMap<>();

    void add(String raw, List<String> segments, String target) {
        links.put(String.join("/", segments), new Link(raw, segments, target));
    }

    /** Reads a zip link's target (its content), bounded. */
    static String target(InputStream in, String raw) throws IOException {
        byte[] b = in.readNBytes(MAX_TARGET_BYTES + 1);
        if (b.length > MAX_TARGET_BYTES) {
            throw Rejection.unprocessable(
                    PackageArchive.FIELD,
                    "archive entry " + PackageArchive.quote(raw) + " is a link with a target over " + MAX_TARGET_BYTES
                            + " bytes");
        }
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Writes every link as a copy of its target; returns the bytes written (counted against the total). */
    long resolve(Path into, ArchiveLimits limits, long totalLeft) {
        long written = 0;
        // the package's top: the archive's root, or the one folder it wraps the package in
        Path top = PackageArchive.root(into);
        List<String> prefix = top.equals(into)
                ? List.of()
                : List.of(into.relativize(top).toString().split("/"));
        for (Link l : links.values()) {
            Path source = into.resolve(String.join("/", follow(l, into, prefix)));
            Path target = into.resolve(String.join("/", l.segments()));
            try {
                long size = Files.size(source);
                if (written + size > totalLeft) {
                    throw Rejection.tooLarge(
                            PackageArchive.FIELD, "the archive unpacks to over " + limits.maxTotalBytes() + " bytes");
                }
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw refused(l, "is also a directory");
                }
                Files.copy(source, target);
                written += size;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return written;
    }

    /** The segments of the regular file {@code l} leads to, through other links of the archive. */
    private List<String> follow(Link l, Path into, List<String> prefix) {
        Link at = l;
        for (int hop = 0; hop < MAX_HOPS; hop++) {
            String t = at.target();
            if (t.isEmpty() || t.startsWith("/")) {
                throw refused(l, "is a symbolic link to " + PackageArchive.quote(t) + ", outside the package");
            }
            List<String> path =
                    new ArrayList<>(at.segments().subList(0, at.segments().size() - 1));
            for (String s : t.split("/")) {
                if (s.isEmpty() || s.equals(".")) {
                    continue;
                }
                if (s.equals("..")) {
                    if (path.size() <= prefix.size()) {
                        throw refused(l, "is a symbolic link to " + PackageArchive.quote(t) + ", outside the package");
                    }
                    path.remove(path.size() - 1);
                } else {
                    path.add(s);
                }
            }
            if (!path.subList(0, Math.min(prefix.size(), path.size())).equals(prefix)) {
                throw refused(l, "is a symbolic link to " + PackageArchive.quote(t) + ", outside the package");
            }
            String key = String.join("/", path);
            Link next = links.get(key);
            if (next != null) {
                at = next;
                continue;
            }
            if (!isFile(into, key)) {
                throw refused(
                        l,
                        "is a symbolic link to " + PackageArchive.quote(t)
                                + ", which is not a file of the package (a missing file or a directory)");
            }
            return path;
        }
        throw refused(l, "is a symbolic link in a chain of more than " + MAX_HOPS + " links (or a loop)");
    }

    private static boolean isFile(Path into, String key) {
        if (key.isEmpty()) {
            return false;
        }
        try {
            return Files.isRegularFile(into.resolve(key), LinkOption.NOFOLLOW_LINKS);
        } catch (InvalidPathException e) {
            return false;
        }
    }

    private static Rejection refused(Link l, String what) {
        return Rejection.unprocessable(
                PackageArchive.FIELD, "archive entry " + PackageArchive.quote(l.raw()) + " " + what);
    }
}
