package dev.proctor.cli;

import dev.proctor.sandbox.Workdir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

/**
 * Copies a host directory into a job's work dir and the results back. Only regular files and
 * directories cross, never symlinks: a job cannot plant a link that makes the host write or read
 * outside the directory.
 */
final class WorkdirCopy {

    private static final int MAX_FILE = Integer.MAX_VALUE - 8;

    private WorkdirCopy() {
    }

    static void copyIn(Path from, Workdir to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    to.writeFile(from.relativize(p).toString(), Files.readAllBytes(p), Files.isExecutable(p));
                }
            }
        }
    }

    static void copyOut(Workdir from, Path to) throws IOException {
        Path root = from.path();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                String rel = root.relativize(p).toString();
                Path target = to.resolve(rel).normalize();
                if (!target.startsWith(to) || hasSymlinkParent(to, target)) {
                    continue;
                }
                Files.createDirectories(target.getParent());
                Files.deleteIfExists(target);
                Files.write(target, from.readFile(rel, MAX_FILE));
                if (Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS).contains(PosixFilePermission.OWNER_EXECUTE)) {
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
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
