package dev.proctor.sandbox.rootfs;

import dev.proctor.sandbox.SandboxException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Builds the {@code host} image: one small layer with a curated /etc and the top-level layout,
 * plus read-only binds of the host's /usr (and /bin, /lib… where they are real directories).
 * Nothing else of the host is visible: no /home, /root, /var, /srv, no shadow, no keys.
 *
 * <p>The layer is a snapshot taken at an engine's start, stored as {@code images/host/<digest>/rootfs}, the
 * digest being of everything the layer copies (bytes, permissions, times, link targets) and of this recipe's
 * version: an engine that starts after the host's /etc changed (a package installed, {@code ldconfig}, an
 * alternative switched) gets a new layer, while engines started before keep theirs until they stop.
 */
public final class HostImageBuilder {

    /** Host /etc entries a toolchain needs: library lookup, alternatives, JDK and locale config. */
    private static final List<String> ETC_KEEP = List.of(
            "alternatives",
            "ld.so.cache",
            "ld.so.conf",
            "ld.so.conf.d",
            "localtime",
            "timezone",
            "nsswitch.conf",
            "os-release",
            "debian_version",
            "mime.types",
            "java-17-openjdk",
            "java-21-openjdk",
            "java-25-openjdk",
            "python3",
            "python3.11",
            "ssl",
            "ca-certificates",
            "gai.conf",
            "protocols",
            "services",
            "locale.alias",
            "magic",
            "magic.mime",
            "profile",
            "bash.bashrc",
            "inputrc");

    private static final List<String> TOP_LEVEL = List.of("bin", "lib", "lib32", "lib64", "libx32", "sbin", "usr");

    private static final int STICKY_WORLD_WRITABLE = 01777;

    private static final String STAGING = ".staging";

    /** What an engine of a version before host-3 used: one layer in {@code host/rootfs}, its version in {@code host/recipe}. */
    private static final List<String> LEGACY = List.of("rootfs", "rootfs.new", "recipe");

    private final Path hostRoot;

    public HostImageBuilder(Path hostRoot) {
        this.hostRoot = hostRoot;
    }

    /**
     * Part of every layer's digest: bump when the layout, the curated /etc or the files written into it
     * change. host-2: copies keep their times (host-1 layers held /etc files dated at their build). host-3:
     * layers named by the digest of the host's /etc they copy, so that a change on the host (a package
     * installed, an alternative switched, {@code ldconfig}) gives the next engine a new layer.
     */
    static final String RECIPE_VERSION = "host-3";

    /** A built layer: its id (the digest of the recipe version, the host's layout and the /etc it copied) and the image. */
    public record Layer(String id, Image image) {}

    /**
     * Returns the host image for the host as it is now: the layer {@code imagesDir/host/<digest>} of the
     * host's kept /etc entries (their bytes, permissions, times and link targets) and top-level layout,
     * built when no layer of that digest exists. A layer is never written again once in place: an engine
     * started earlier keeps its own (see {@link #removeUnused}). Callers serialize calls on one
     * {@code imagesDir} (a file lock).
     */
    public Layer buildIfStale(Path imagesDir) {
        Path dir = imagesDir.resolve("host");
        try {
            String id = copyHost(null);
            if (Files.isDirectory(dir.resolve(id).resolve("rootfs"), LinkOption.NOFOLLOW_LINKS)) {
                return new Layer(id, image(dir.resolve(id).resolve("rootfs"), binds()));
            }
            return build(imagesDir);
        } catch (IOException e) {
            throw new SandboxException("cannot build the host image in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Image image(Path layer, List<Image.Bind> binds) {
        return new Image("host", List.of(layer), binds, List.of("/etc"));
    }

    /** The read-only binds of the host's top-level directories (the same on every start). */
    private List<Image.Bind> binds() {
        List<Image.Bind> binds = new ArrayList<>();
        for (String name : TOP_LEVEL) {
            Path host = hostRoot.resolve(name);
            if (!Files.isSymbolicLink(host) && Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) {
                binds.add(new Image.Bind(host, "/" + name, true));
            }
        }
        return binds;
    }

    /**
     * Builds a layer of the host as it is now under {@code imagesDir/host/.staging}, and moves it to
     * {@code host/<digest>}, the digest being of what was copied (a host file that changed meanwhile gives
     * the next start another digest, and a new layer). When a layer of that digest exists already, it is kept
     * and the copy dropped.
     */
    public Layer build(Path imagesDir) {
        Path dir = imagesDir.resolve("host");
        Path staging = dir.resolve(STAGING);
        try {
            LayerFiles.deleteTree(staging); // left by a build that crashed: the caller's lock says none runs
            Files.createDirectories(staging.resolve("rootfs"));
            String id = copyHost(staging.resolve("rootfs"));
            Path target = dir.resolve(id);
            if (Files.isDirectory(target.resolve("rootfs"), LinkOption.NOFOLLOW_LINKS)) {
                LayerFiles.deleteTree(staging);
            } else {
                LayerFiles.deleteTree(target); // a layer dir without its rootfs: never complete
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            }
            return new Layer(id, image(target.resolve("rootfs"), binds()));
        } catch (IOException e) {
            throw new SandboxException("cannot build the host image in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes every host layer under {@code imagesDir/host} but those in {@code inUse} (the ids the
     * engines whose instance dirs exist recorded), a staging dir a crashed build left, and the single
     * layer of an older version ({@code host/rootfs}) unless {@code legacyInUse} (an instance dir exists
     * without a record: an engine of that version may still run on it). Deleting a layer under a running
     * engine would change the /etc of its runs' mounted overlays. Called under the same lock as
     * {@link #buildIfStale}; returns the names removed.
     */
    public static List<String> removeUnused(Path imagesDir, Set<String> inUse, boolean legacyInUse) {
        Path dir = imagesDir.resolve("host");
        List<String> removed = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return removed;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.sorted().toList()) {
                String n = p.getFileName().toString();
                boolean unused = ImageStore.DIGEST.matcher(n).matches() && !inUse.contains(n)
                        || n.equals(STAGING)
                        || LEGACY.contains(n) && !legacyInUse;
                if (unused) {
                    LayerFiles.deleteTree(p);
                    removed.add(n);
                }
            }
        } catch (IOException e) {
            throw new SandboxException("cannot remove unused host layers in " + dir + ": " + e.getMessage(), e);
        }
        return removed;
    }

    /**
     * Walks what the layer holds of the host, in one order whatever the directories' order on disk, and
     * returns its digest; copies it into {@code layer} too unless that is null.
     */
    private String copyHost(Path layer) throws IOException {
        HostDigest digest = new HostDigest();
        digest.add("recipe", RECIPE_VERSION);
        for (String name : TOP_LEVEL) {
            Path host = hostRoot.resolve(name);
            if (Files.isSymbolicLink(host)) {
                digest.add(
                        "top-level link " + name, Files.readSymbolicLink(host).toString());
            } else if (Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) {
                digest.add("top-level dir", name);
            }
        }
        if (layer != null) {
            layout(layer);
        }
        Path hostEtc = hostRoot.resolve("etc");
        for (String name : ETC_KEEP) {
            digest.add("etc", name);
            copyEntry(
                    hostEtc.resolve(name),
                    layer == null ? null : layer.resolve("etc").resolve(name),
                    name,
                    digest);
        }
        if (layer != null) {
            writeEtc(layer.resolve("etc"));
        }
        return digest.hex();
    }

    private void layout(Path layer) throws IOException {
        for (String d : List.of("box", "proc", "dev", "etc", "tmp", "var", "var/tmp", "home", "run")) {
            Files.createDirectories(layer.resolve(d));
        }
        Files.setAttribute(layer.resolve("tmp"), "unix:mode", STICKY_WORLD_WRITABLE);
        Files.setAttribute(layer.resolve("var/tmp"), "unix:mode", STICKY_WORLD_WRITABLE);
        for (String name : TOP_LEVEL) {
            Path host = hostRoot.resolve(name);
            if (Files.isSymbolicLink(host)) {
                // usr-merged Debian: /bin -> usr/bin; the same link in the layer resolves inside the run
                Files.createSymbolicLink(layer.resolve(name), Files.readSymbolicLink(host));
            } else if (Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(layer.resolve(name)); // mount point of the read-only bind
            }
        }
    }

    /** The files the layer's /etc has of its own: users, groups, names (written after the copies). */
    private static void writeEtc(Path etc) throws IOException {
        write(
                etc.resolve("passwd"),
                "root:x:0:0:root:/root:/bin/sh\n"
                        + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
                        + "proctor:x:1000:1000:sandbox job:/box:/bin/sh\n");
        write(etc.resolve("group"), "root:x:0:\nnogroup:x:65534:\nproctor:x:1000:\n");
        write(etc.resolve("hosts"), "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\tproctor\n");
        write(etc.resolve("hostname"), "proctor\n");
        // no name server: a run has no network but its own loopback
        write(etc.resolve("resolv.conf"), "");
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /**
     * Copies one host entry as it is, if any user of the host may read it: a file with its bytes,
     * permissions and modification time, a directory with its permissions and time (set once its
     * content is in) and the entries of it so copied, a symlink as a link (never followed). A file
     * others may not read, or a directory others may not list and enter (e.g. {@code /etc/ssl/private}),
     * is left out with all it holds: a run sees nothing of the host an unprivileged user there could not.
     * Copies belong to root. Devices, fifos and sockets are left out. Everything copied goes into the
     * digest (a file's bytes as they were copied); with {@code dst} null, nothing is written.
     *
     * <p>Times matter: Debian's {@code /usr/lib/python3.11/sitecustomize.py} is a link to
     * {@code /etc/python3.11/sitecustomize.py}, and its bytecode in the host's {@code __pycache__}
     * records that file's time. A copy dated at the layer's build made it stale, so every Python run
     * compiled the file again (and failed to write the result to the read-only /usr): about 1.2 ms a
     * run on the development VM.
     */
    private static void copyEntry(Path src, Path dst, String rel, HostDigest digest) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(src, "unix:mode,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException gone) {
            return; // absent on this host, or gone meanwhile: not copied
        }
        int mode = (Integer) a.get("mode");
        FileTime time = (FileTime) a.get("lastModifiedTime");
        switch (mode & S_IFMT) {
            case S_IFLNK -> {
                String target = Files.readSymbolicLink(src).toString();
                digest.add("link " + rel, target);
                if (dst != null) {
                    Files.createSymbolicLink(dst, Path.of(target));
                }
            }
            case S_IFREG -> {
                if ((mode & OTHERS_READ) == 0) {
                    return;
                }
                digest.add("file " + rel, Integer.toOctalString(mode) + " " + time.to(TimeUnit.NANOSECONDS));
                try {
                    copyBytes(src, dst, digest);
                } catch (NoSuchFileException gone) {
                    return; // removed since: not copied (and the next start's digest differs)
                }
                if (dst != null) {
                    Files.setAttribute(dst, "unix:mode", mode & 07777);
                    Files.setLastModifiedTime(dst, time);
                }
            }
            case S_IFDIR -> {
                if ((mode & (OTHERS_READ | OTHERS_EXECUTE)) != (OTHERS_READ | OTHERS_EXECUTE)) {
                    return;
                }
                digest.add("dir " + rel, Integer.toOctalString(mode) + " " + time.to(TimeUnit.NANOSECONDS));
                if (dst != null) {
                    Files.createDirectory(dst);
                }
                List<String> names;
                try (Stream<Path> children = Files.list(src)) {
                    names = children.map(c -> c.getFileName().toString())
                            .sorted()
                            .toList();
                } catch (NoSuchFileException gone) {
                    names = List.of();
                }
                for (String name : names) {
                    copyEntry(src.resolve(name), dst == null ? null : dst.resolve(name), rel + "/" + name, digest);
                }
                digest.add("end of dir", rel);
                if (dst != null) {
                    Files.setAttribute(dst, "unix:mode", mode & 07777);
                    Files.setLastModifiedTime(dst, time);
                }
            }
            default -> {
                // a device, fifo or socket: nothing a toolchain reads, not copied
            }
        }
    }

    /** Streams the file's bytes into the digest, and into {@code dst} (made new) unless that is null. */
    private static void copyBytes(Path src, Path dst, HostDigest digest) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long length = 0;
        try (InputStream in = Files.newInputStream(src, LinkOption.NOFOLLOW_LINKS);
                OutputStream out = dst == null
                        ? OutputStream.nullOutputStream()
                        : Files.newOutputStream(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                digest.bytes(buf, n);
                out.write(buf, 0, n);
                length += n;
            }
        }
        digest.add("length", Long.toString(length));
    }

    private static final int S_IFMT = 0170000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int OTHERS_READ = 04;
    private static final int OTHERS_EXECUTE = 01;

    /** SHA-256 over length-framed fields, so that no two different walks feed it the same bytes. */
    private static final class HostDigest {
        private final MessageDigest sha;

        HostDigest() {
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }

        void add(String key, String value) {
            for (String s : List.of(key, value)) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                sha.update(ByteBuffer.allocate(4).putInt(b.length).array());
                sha.update(b);
            }
        }

        void bytes(byte[] buf, int n) {
            sha.update(buf, 0, n);
        }

        String hex() {
            return HexFormat.of().formatHex(sha.digest());
        }
    }
}
