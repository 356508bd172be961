package dev.proctor.sandbox.rootfs;

import dev.proctor.sandbox.linux.MountInfo;
import dev.proctor.sandbox.linux.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** File operations on the engine's directories: removal that never crosses into a mount, and sizes. */
public final class LayerFiles {

    private LayerFiles() {}

    /**
     * Removes a tree. A build that died inside debootstrap may leave /proc or /sys mounted in its
     * staging rootfs, a dead engine its work dirs: every mount at or below the tree is unmounted
     * first, so removal never walks into the host's /proc or /sys or into a live file system.
     */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        unmountBelow(dir);
        if (!mountsBelow(dir).isEmpty()) {
            throw new IOException("refusing to remove " + dir + ": still mounted below it: " + mountsBelow(dir));
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Total size in bytes of the regular files of a tree (links are not followed). */
    static long sizeOf(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            long total = 0;
            for (Path p : (Iterable<Path>) walk::iterator) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isRegularFile()) {
                    total += a.size();
                }
            }
            return total;
        }
    }

    /**
     * Detaches every mount at or below {@code dir}, deepest first, and again while any is left: a
     * mount stacked on a directory hides the mounts under it until it is gone itself.
     *
     * @throws IOException when mounts are still there after {@value #UNMOUNT_ROUNDS} rounds
     */
    public static void unmountBelow(Path dir) throws IOException {
        for (int round = 0; round < UNMOUNT_ROUNDS; round++) {
            List<String> targets = mountsBelow(dir);
            if (targets.isEmpty()) {
                return;
            }
            targets.sort(Comparator.reverseOrder());
            for (String t : targets) {
                Syscalls.umountDetach(t);
            }
        }
        if (!mountsBelow(dir).isEmpty()) {
            throw new IOException("still mounted at or below " + dir + " after " + UNMOUNT_ROUNDS
                    + " rounds of unmounting: " + mountsBelow(dir));
        }
    }

    /** Rounds of {@link #unmountBelow}: each peels one layer of mounts stacked on top of others. */
    private static final int UNMOUNT_ROUNDS = 16;

    /** Mount points at or below {@code dir} in this process's mount namespace. */
    private static List<String> mountsBelow(Path dir) throws IOException {
        String base = dir.toAbsolutePath().normalize().toString();
        List<String> targets = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mountPoint = MountInfo.unescape(line.split(" ")[4]);
            if (mountPoint.equals(base) || mountPoint.startsWith(base + "/")) {
                targets.add(mountPoint);
            }
        }
        return targets;
    }
}
