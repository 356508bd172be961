package dev.proctor.sandbox.rootfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The last step of every image build, whatever made the files: drops what only the build needed
 * (downloaded packages, apt lists), removes what describes the build host (its resolver, hosts and
 * hostname, device nodes), adds the sandbox user and the mount points the launcher needs.
 * Nothing is written through a symlink: a path that leaves the rootfs is an error.
 */
final class RootfsFinisher {

    /** The job's uid and gid inside a run (the launcher maps it; see EngineConfig.uidBase). */
    static final int JOB_ID = 1000;

    private static final int STICKY_WORLD_WRITABLE = 01777;
    private static final int DIR_MODE = 0755;

    private final Path rootfs;

    private RootfsFinisher(Path rootfs) throws IOException {
        this.rootfs = rootfs.toRealPath();
    }

    static void finish(Path rootfs) throws IOException {
        new RootfsFinisher(rootfs).run();
    }

    private void run() throws IOException {
        Files.setAttribute(rootfs, "unix:mode", DIR_MODE);
        deleteChildren("var/cache/apt/archives", p -> p.getFileName().toString().endsWith(".deb"));
        deleteChildren("var/cache/apt/archives/partial", p -> true);
        deleteChildren("var/lib/apt/lists", p -> true);
        // device nodes made by debootstrap: the launcher mounts its own minimal /dev over this dir
        deleteChildren("dev", p -> true);
        addUser();
        // no name server: a run has no network but its own loopback
        write("etc/resolv.conf", "");
        write("etc/hostname", "proctor\n");
        write("etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\tproctor\n");
        for (String dir : List.of("box", "proc", "dev", "tmp")) {
            Path p = inside(dir);
            Files.createDirectories(p);
            Files.setAttribute(p, "unix:mode", dir.equals("tmp") ? STICKY_WORLD_WRITABLE : DIR_MODE);
        }
    }

    /** uid/gid 1000 "proctor" with home /box, unless the recipe already made a user of that id. */
    private void addUser() throws IOException {
        String passwd = read("etc/passwd");
        if (!hasId(passwd, 2)) {
            write("etc/passwd", withLine(passwd, "proctor:x:" + JOB_ID + ":" + JOB_ID + ":sandbox job:/box:/bin/sh"));
        }
        String group = read("etc/group");
        if (!hasId(group, 2)) {
            write("etc/group", withLine(group, "proctor:x:" + JOB_ID + ":"));
        }
    }

    private static boolean hasId(String table, int column) {
        return table.lines()
                .map(l -> l.split(":", -1))
                .anyMatch(f -> f.length > column && f[column].equals(Integer.toString(JOB_ID)));
    }

    private static String withLine(String text, String line) {
        return text + (text.isEmpty() || text.endsWith("\n") ? "" : "\n") + line + "\n";
    }

    private String read(String relative) throws IOException {
        Path p = inside(relative);
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }

    /** Replaces a file (a symlink in its place is removed, never followed). */
    private void write(String relative, String text) throws IOException {
        Path p = inside(relative);
        if (Files.isSymbolicLink(p)) {
            Files.delete(p);
        }
        Files.writeString(p, text, StandardCharsets.UTF_8);
        Files.setAttribute(p, "unix:mode", 0644);
    }

    private void deleteChildren(String relative, Predicate<Path> which) throws IOException {
        Path dir = inside(relative);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> children = Files.list(dir)) {
            for (Path child : children.filter(which).toList()) {
                LayerFiles.deleteTree(child);
            }
        }
    }

    /** {@code rootfs/relative}, refusing a path whose parent directory resolves outside the rootfs. */
    private Path inside(String relative) throws IOException {
        Path p = rootfs.resolve(relative).normalize();
        Path parent = p.getParent();
        if (!p.startsWith(rootfs)
                || (Files.exists(parent) && !parent.toRealPath().startsWith(rootfs))) {
            throw new IOException(rootfs + ": " + relative + " leads outside the image (a symlink on the way)");
        }
        return p;
    }
}
