package dev.proctor.sandbox.rootfs;

import dev.proctor.sandbox.SandboxException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the {@code host} image: one small layer with a curated /etc and the top-level layout,
 * plus read-only binds of the host's /usr (and /bin, /lib… where they are real directories).
 * Nothing else of the host is visible: no /home, /root, /var, /srv, no shadow, no keys.
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

    private final Path hostRoot;

    public HostImageBuilder(Path hostRoot) {
        this.hostRoot = hostRoot;
    }

    /**
     * Bump when the layout or the curated /etc changes: existing layers are then rebuilt. host-2:
     * copies keep their times (host-1 layers hold /etc files dated at their build).
     */
    static final String RECIPE_VERSION = "host-2";

    /**
     * Returns the host image, building its layer under {@code imagesDir/host} only when missing or
     * built by another recipe version (a layer in use by a running engine is never rebuilt under it).
     */
    public Image buildIfStale(Path imagesDir) {
        Path dir = imagesDir.resolve("host");
        Path marker = dir.resolve("recipe");
        try {
            if (Files.isDirectory(dir.resolve("rootfs"))
                    && Files.exists(marker)
                    && Files.readString(marker).equals(RECIPE_VERSION)) {
                return image(dir.resolve("rootfs"), binds());
            }
            Image image = build(imagesDir);
            Files.writeString(marker, RECIPE_VERSION);
            return image;
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

    /** Builds (or rebuilds) the layer under {@code imagesDir/host} and returns the image. */
    public Image build(Path imagesDir) {
        Path dir = imagesDir.resolve("host");
        Path layer = dir.resolve("rootfs");
        Path staging = dir.resolve("rootfs.new");
        try {
            LayerFiles.deleteTree(staging);
            Files.createDirectories(staging);
            layout(staging);
            writeEtc(staging.resolve("etc"));
            LayerFiles.deleteTree(layer);
            Files.move(staging, layer, StandardCopyOption.ATOMIC_MOVE);
            return image(layer, binds());
        } catch (IOException e) {
            throw new SandboxException("cannot build the host image in " + dir + ": " + e.getMessage(), e);
        }
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

    private void writeEtc(Path etc) throws IOException {
        Path hostEtc = hostRoot.resolve("etc");
        for (String name : ETC_KEEP) {
            Path src = hostEtc.resolve(name);
            if (Files.exists(src, LinkOption.NOFOLLOW_LINKS)) {
                copyTree(src, etc.resolve(name));
            }
        }
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
     * Copies what any user of the host may read, as it is: files with their bytes, permissions and
     * modification times, directories with theirs (set once their content is in), symlinks as links
     * (never followed). A file others may not read, or a directory others may not list and enter
     * (e.g. {@code /etc/ssl/private}), is left out with all it holds: a run sees nothing of the host
     * an unprivileged user there could not.
     *
     * <p>Times matter: Debian's {@code /usr/lib/python3.11/sitecustomize.py} is a link to
     * {@code /etc/python3.11/sitecustomize.py}, and its bytecode in the host's {@code __pycache__}
     * records that file's time. A copy dated at the layer's build made it stale, so every Python run
     * compiled the file again (and failed to write the result to the read-only /usr): about 1.2 ms a
     * run on the development VM.
     */
    private static void copyTree(Path src, Path dst) throws IOException {
        Files.walkFileTree(src, new SimpleFileVisitor<>() {
            private Path target(Path p) {
                return dst.resolve(src.relativize(p).toString());
            }

            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!othersMay(dir, OTHERS_READ | OTHERS_EXECUTE)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(target(dir));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path target = target(file);
                if (attrs.isSymbolicLink()) {
                    Files.createDirectories(target.getParent());
                    Files.createSymbolicLink(target, Files.readSymbolicLink(file));
                } else if (attrs.isRegularFile() && othersMay(file, OTHERS_READ)) {
                    Files.createDirectories(target.getParent());
                    Files.copy(
                            file,
                            target,
                            StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.COPY_ATTRIBUTES,
                            LinkOption.NOFOLLOW_LINKS);
                    // COPY_ATTRIBUTES keeps microseconds only
                    Files.setLastModifiedTime(target, attrs.lastModifiedTime());
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // gone or unreadable meanwhile: not copied
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Path target = target(dir);
                Files.setAttribute(target, "unix:mode", mode(dir)); // as COPY_ATTRIBUTES gives a file
                Files.setLastModifiedTime(target, Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS));
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static final int OTHERS_READ = 04;
    private static final int OTHERS_EXECUTE = 01;

    /** Whether the host grants others (not the owner, not the group) every one of {@code bits}. */
    private static boolean othersMay(Path p, int bits) throws IOException {
        return (mode(p) & bits) == bits;
    }

    /** The entry's whole mode (permissions and the setuid, setgid and sticky bits), links not followed. */
    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }
}
