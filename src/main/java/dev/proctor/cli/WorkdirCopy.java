package dev.proctor.cli;

import dev.proctor.sandbox.Workdir;
import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.stream.Stream;

/**
 * Copies a host directory into a job's work dir and the results back. Only regular files and
 * directories cross, never symlinks: a job cannot plant a link that makes the host write or read
 * outside the directory. The way back is the job's tree, so it is bounded (depth, files, bytes)
 * and never fails as a whole: what does not fit or cannot be copied is counted and skipped.
 */
final class WorkdirCopy {

    /** Directory levels below the work dir that are copied back. */
    static final int MAX_DEPTH = 32;
    /** Files copied back at most. */
    static final int MAX_FILES = 10_000;

    private WorkdirCopy() {}

    /**
     * What the copy back did, for the JSON result.
     *
     * @param files   files copied
     * @param bytes   their bytes
     * @param skipped entries left out: too deep, over a bound, unreadable or unwritable
     * @param limit   the first bound reached (depth, files, bytes), or null
     */
    record Report(int files, long bytes, int skipped, String limit) {}

    static void copyIn(Path from, Workdir to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    to.writeFile(from.relativize(p).toString(), Files.readAllBytes(p), Files.isExecutable(p));
                }
            }
        }
    }

    /** Copies the work dir's regular files into {@code to}, at most {@code maxBytes} of them. */
    static Report copyOut(Workdir from, Path to, long maxBytes) {
        Path root = from.path();
        Copier copier = new Copier(from, root, to, maxBytes);
        try {
            Files.walkFileTree(root, EnumSet.noneOf(FileVisitOption.class), MAX_DEPTH + 1, copier);
        } catch (IOException e) {
            copier.skipped++;
        }
        return new Report(copier.files, copier.bytes, copier.skipped, copier.limit);
    }

    private static final class Copier extends SimpleFileVisitor<Path> {
        private final Workdir from;
        private final Path root;
        private final Path to;
        private final long maxBytes;
        int files;
        long bytes;
        int skipped;
        String limit;

        Copier(Workdir from, Path root, Path to, long maxBytes) {
            this.from = from;
            this.root = root;
            this.to = to;
            this.maxBytes = maxBytes;
        }

        private FileVisitResult skip(String bound) {
            skipped++;
            if (limit == null) {
                limit = bound;
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path p, BasicFileAttributes attrs) {
            if (attrs.isDirectory()) {
                return skip("depth"); // a directory below MAX_DEPTH, reported as a leaf by the walk
            }
            if (!attrs.isRegularFile()) {
                return FileVisitResult.CONTINUE; // symlinks, fifos, sockets never cross
            }
            if (files >= MAX_FILES) {
                return skip("files");
            }
            if (bytes + attrs.size() > maxBytes) {
                return skip("bytes");
            }
            try {
                copy(p);
            } catch (IOException | RuntimeException e) {
                skipped++;
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path p, IOException e) {
            skipped++; // e.g. a path longer than PATH_MAX
            return FileVisitResult.CONTINUE;
        }

        private void copy(Path p) throws IOException {
            String rel = root.relativize(p).toString();
            Path target = to.resolve(rel).normalize();
            if (!target.startsWith(to) || hasSymlinkParent(to, target)) {
                skipped++;
                return;
            }
            byte[] content = from.readFile(rel, (int) Math.min(Integer.MAX_VALUE - 8, maxBytes - bytes));
            if (content == null) {
                skipped++;
                return;
            }
            Files.createDirectories(target.getParent());
            Files.deleteIfExists(target);
            Files.write(target, content);
            if (Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)
                    .contains(PosixFilePermission.OWNER_EXECUTE)) {
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            files++;
            bytes += content.length;
        }
    }

    private static boolean hasSymlinkParent(Path root, Path target) {
        for (Path cur = target.getParent(); cur != null && !cur.equals(root); cur = cur.getParent()) {
            if (Files.isSymbolicLink(cur)) {
                return true;
            }
        }
        return false;
    }
}
