package dev.proctor.sandbox.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host image's layer, built from a fake host root: what of the host's /etc it holds and how.
 * Runs as root (as the suite does), so the host's permissions are what the copy must read, not
 * what stops it.
 */
class HostImageBuilderTest {

    @TempDir
    Path tmp;

    private static final Instant APRIL = Instant.parse("2025-04-28T10:15:30.123456789Z");

    @Test
    void aCopiedFileKeepsItsTimeSoThatBytecodeCachedFromItStaysValid() throws IOException {
        Path host = tmp.resolve("host");
        Path site = hostSitecustomize(host);

        Path copy = layerOf(host).resolve("etc/python3.11/sitecustomize.py");

        assertDatedAsOnTheHost(site, copy);
        assertEquals(Files.readString(site), Files.readString(copy));
    }

    @Test
    void whatOnlyTheOwnerOrItsGroupMayReadIsLeftOut() throws IOException {
        Path host = tmp.resolve("host");
        Path ssl = host.resolve("etc/ssl");
        Files.createDirectories(ssl.resolve("private"));
        Files.createDirectories(ssl.resolve("certs"));
        Files.writeString(ssl.resolve("private/ssl-cert-snakeoil.key"), "-----BEGIN PRIVATE KEY-----\n");
        Files.setPosixFilePermissions(ssl.resolve("private/ssl-cert-snakeoil.key"), perms("rw-r-----"));
        Files.setPosixFilePermissions(ssl.resolve("private"), perms("rwx--x---")); // Debian's, group ssl-cert
        Files.writeString(ssl.resolve("certs/ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        Files.writeString(ssl.resolve("openssl.cnf"), "[req]\n");
        Files.writeString(ssl.resolve("owner-only.cnf"), "secret\n");
        Files.setPosixFilePermissions(ssl.resolve("owner-only.cnf"), perms("rw-------"));

        Path layer = layerOf(host);

        assertFalse(Files.exists(layer.resolve("etc/ssl/private"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(layer.resolve("etc/ssl/owner-only.cnf"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isRegularFile(layer.resolve("etc/ssl/certs/ca.pem")));
        assertTrue(Files.isRegularFile(layer.resolve("etc/ssl/openssl.cnf")));
    }

    @Test
    void aLayerOfTheEarlierRecipeIsRebuiltWithTheTimesKept() throws IOException {
        Path host = tmp.resolve("host");
        Path site = hostSitecustomize(host);
        Path images = tmp.resolve("images");
        Path old = images.resolve("host/rootfs/etc/python3.11/sitecustomize.py");
        Files.createDirectories(old.getParent());
        Files.writeString(old, Files.readString(site)); // dated now, as host-1 copied it
        Files.writeString(images.resolve("host/recipe"), "host-1");

        new HostImageBuilder(host).buildIfStale(images);

        assertDatedAsOnTheHost(site, old);
        assertEquals(HostImageBuilder.RECIPE_VERSION, Files.readString(images.resolve("host/recipe")));
    }

    /** Debian's /etc/python3.11/sitecustomize.py in a fake host root, dated in April 2025. */
    private static Path hostSitecustomize(Path host) throws IOException {
        Path site = host.resolve("etc/python3.11/sitecustomize.py");
        Files.createDirectories(site.getParent());
        Files.writeString(site, "try:\n    import apport_python_hook\nexcept ImportError:\n    pass\n");
        Files.setLastModifiedTime(site, FileTime.from(APRIL));
        return site;
    }

    /** The copy's time is the host file's to the nanosecond the file system keeps, not the copy's own. */
    private static void assertDatedAsOnTheHost(Path site, Path copy) throws IOException {
        assertEquals(Files.getLastModifiedTime(site), Files.getLastModifiedTime(copy));
        assertEquals(
                APRIL.getEpochSecond(),
                Files.getLastModifiedTime(copy).toInstant().getEpochSecond());
    }

    /**
     * Any tree under a kept /etc entry: the layer holds exactly the directories others may list and
     * enter (with everything reachable through them), the files others may read and every link;
     * each with its bytes or target, its permissions and its time.
     */
    @Property(tries = 120)
    void theLayerHoldsWhatOthersMayReadOfAnyTreeAsItIs(@ForAll("trees") Entry tree) throws IOException {
        Path scratch = Files.createTempDirectory("proctor-host-image-");
        try {
            Path host = scratch.resolve("host");
            Files.createDirectories(host.resolve("etc"));
            Entry top = tree.named("alternatives");
            top.make(host.resolve("etc"));

            Path layer = layerOf(host, scratch.resolve("images"));

            Map<String, String> expected = new TreeMap<>();
            top.expect("", expected);
            assertEquals(expected, actual(layer.resolve("etc"), "alternatives"));
        } finally {
            LayerFiles.deleteTree(scratch);
        }
    }

    /** A generated host entry: a file, a directory or a symlink. */
    record Entry(String name, char kind, String mode, long millis, byte[] bytes, String target, List<Entry> children) {

        Entry named(String newName) {
            return new Entry(newName, kind, mode, millis, bytes, target, children);
        }

        void make(Path parent) throws IOException {
            Path p = parent.resolve(name);
            switch (kind) {
                case 'l' -> Files.createSymbolicLink(p, Path.of(target));
                case 'f' -> {
                    Files.write(p, bytes);
                    Files.setPosixFilePermissions(p, perms(mode));
                    Files.setLastModifiedTime(p, FileTime.fromMillis(millis));
                }
                default -> {
                    Files.createDirectory(p);
                    for (Entry c : children) {
                        c.make(p);
                    }
                    Files.setPosixFilePermissions(p, perms(mode));
                    Files.setLastModifiedTime(p, FileTime.fromMillis(millis));
                }
            }
        }

        /** What others may reach of this entry, described as {@link #actual} describes a copy. */
        void expect(String prefix, Map<String, String> out) {
            String path = prefix + name;
            switch (kind) {
                case 'l' -> out.put(path, "link " + target);
                case 'f' -> {
                    if (mode.charAt(6) == 'r') {
                        out.put(path, "file " + mode + " " + millis + " " + Arrays.toString(bytes));
                    }
                }
                default -> {
                    if (mode.charAt(6) == 'r' && mode.charAt(8) == 'x') {
                        out.put(path, "dir " + mode + " " + millis);
                        for (Entry c : children) {
                            c.expect(path + "/", out);
                        }
                    }
                }
            }
        }
    }

    @Provide
    Arbitrary<Entry> trees() {
        return directory(3);
    }

    private static final List<String> NAMES = List.of("a", "b", "c", "python3", "x.conf", "sitecustomize.py");

    private Arbitrary<Entry> entry(int depth) {
        return depth == 0
                ? Arbitraries.oneOf(file(), link())
                : Arbitraries.frequencyOf(
                        Tuple.of(3, file()),
                        Tuple.of(1, link()),
                        Tuple.of(2, Arbitraries.lazy(() -> directory(depth - 1))));
    }

    private Arbitrary<Entry> file() {
        return Combinators.combine(
                        Arbitraries.of(NAMES),
                        Arbitraries.of("rw-r--r--", "rw-------", "rw-r-----", "rwxr-xr-x", "r--r--r--", "rw-rw-r--"),
                        times(),
                        Arbitraries.bytes().array(byte[].class).ofMaxSize(64))
                .as((n, m, t, b) -> new Entry(n, 'f', m, t, b, null, List.of()));
    }

    private Arbitrary<Entry> link() {
        return Combinators.combine(
                        Arbitraries.of(NAMES), Arbitraries.of("/usr/share/zoneinfo/Etc/UTC", "../b", "a", "/etc/ssl"))
                .as((n, t) -> new Entry(n, 'l', null, 0, null, t, List.of()));
    }

    private Arbitrary<Entry> directory(int depth) {
        return Combinators.combine(
                        Arbitraries.of(NAMES),
                        Arbitraries.of("rwxr-xr-x", "rwx------", "rwx--x---", "rwxr-x---", "r-xr-xr-x", "rwx-----x"),
                        times(),
                        entry(depth).list().ofMaxSize(4).uniqueElements(Entry::name))
                .as((n, m, t, c) -> new Entry(n, 'd', m, t, null, null, c));
    }

    private static Arbitrary<Long> times() {
        return Arbitraries.longs()
                .between(0, Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
    }

    private Path layerOf(Path host) {
        return layerOf(host, tmp.resolve("images"));
    }

    private static Path layerOf(Path host, Path images) {
        Image image = new HostImageBuilder(host).build(images);
        return image.layers().get(0);
    }

    /** Every entry under {@code root/name}, as {@link Entry#expect} describes it. */
    private static Map<String, String> actual(Path root, String name) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Path top = root.resolve(name);
        if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (Stream<Path> walk = Files.walk(top)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String rel = root.relativize(p).toString();
                long millis =
                        Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel, "dir " + mode(p) + " " + millis);
                } else {
                    out.put(rel, "file " + mode(p) + " " + millis + " " + Arrays.toString(Files.readAllBytes(p)));
                }
            }
        }
        return out;
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static Set<PosixFilePermission> perms(String s) {
        return PosixFilePermissions.fromString(s);
    }
}
