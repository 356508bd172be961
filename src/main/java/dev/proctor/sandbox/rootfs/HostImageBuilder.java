package dev.proctor.sandbox.rootfs;

import dev.proctor.sandbox.SandboxException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

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

    /** Bump when the layout or the curated /etc changes: existing layers are then rebuilt. */
    private static final String RECIPE_VERSION = "host-1";

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

    /** Copies files, directories and symlinks as they are (links are never followed). */
    private static void copyTree(Path src, Path dst) throws IOException {
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = dst.resolve(src.relativize(p).toString());
                if (Files.isSymbolicLink(p)) {
                    Files.createDirectories(target.getParent());
                    try {
                        Files.createSymbolicLink(target, Files.readSymbolicLink(p));
                    } catch (FileAlreadyExistsException ignored) {
                        // the same link reached twice through the walk
                    }
                } else if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (Files.isRegularFile(p) && Files.isReadable(p)) {
                    Files.createDirectories(target.getParent());
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
    }
}
