package dev.proctor.sandbox.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
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
    void theLayerOfAnEarlierVersionIsReplacedAndRemovedOnceNoEngineCanUseIt() throws IOException {
        Path host = tmp.resolve("host");
        Path site = hostSitecustomize(host);
        Path images = tmp.resolve("images");
        Path old = images.resolve("host/rootfs/etc/python3.11/sitecustomize.py");
        Files.createDirectories(old.getParent());
        Files.writeString(old, Files.readString(site)); // dated now, as host-1 copied it
        Files.writeString(images.resolve("host/recipe"), "host-1");

        HostImageBuilder.Layer layer = new HostImageBuilder(host).buildIfStale(images);

        Path layerDir = images.resolve("host").resolve(layer.id());
        assertEquals(List.of(layerDir.resolve("rootfs")), layer.image().layers());
        assertDatedAsOnTheHost(site, layerDir.resolve("rootfs/etc/python3.11/sitecustomize.py"));
        assertTrue(Files.exists(old), "built beside the older layer, which an older engine may still use");

        assertEquals(List.of(), HostImageBuilder.removeUnused(images, Set.of(layer.id()), true));
        assertTrue(Files.exists(old));
        assertEquals(List.of("recipe", "rootfs"), HostImageBuilder.removeUnused(images, Set.of(layer.id()), false));
        assertEquals(List.of(layer.id()), names(images.resolve("host")));
    }

    @Test
    void aChangeOnTheHostGivesTheNextEngineANewLayerAndLeavesTheEarlierOneAsItWas() throws IOException {
        Path host = hostWithSitecustomize();
        Path cache = host.resolve("etc/ld.so.cache");
        Files.writeString(cache, "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6\n");
        Files.setLastModifiedTime(cache, FileTime.from(APRIL));
        Path images = tmp.resolve("images");
        HostImageBuilder builder = new HostImageBuilder(host);

        HostImageBuilder.Layer first = builder.buildIfStale(images);
        Path firstCache = first.image().layers().get(0).resolve("etc/ld.so.cache");
        Object inode = Files.getAttribute(firstCache, "unix:ino");
        HostImageBuilder.Layer again = builder.buildIfStale(images);

        assertEquals(first, again);
        assertEquals(inode, Files.getAttribute(firstCache, "unix:ino"), "an unchanged host reuses its layer as it is");

        // ldconfig after a package install: other bytes, the same length, and (say) the same time
        Files.writeString(cache, "libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1\n");
        Files.setLastModifiedTime(cache, FileTime.from(APRIL));
        HostImageBuilder.Layer second = builder.buildIfStale(images);

        assertNotEquals(first.id(), second.id());
        assertEquals(
                Files.readString(cache),
                Files.readString(second.image().layers().get(0).resolve("etc/ld.so.cache")));
        assertEquals("libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6\n", Files.readString(firstCache));
        assertEquals(
                List.of(first.id()), HostImageBuilder.removeUnused(images, Set.of(second.id(), "f".repeat(64)), false));
        assertEquals(List.of(second.id()), names(images.resolve("host")));
    }

    @Test
    void aStagingDirACrashedBuildLeftIsRemovedAndAnEmptyLayerDirReplaced() throws IOException {
        Path host = hostWithSitecustomize();
        Path images = tmp.resolve("images");
        String id = new HostImageBuilder(host).build(images).id();
        Files.createDirectories(images.resolve("host/.staging/rootfs/etc"));
        LayerFiles.deleteTree(images.resolve("host").resolve(id).resolve("rootfs"));

        HostImageBuilder.Layer layer = new HostImageBuilder(host).buildIfStale(images);

        assertEquals(id, layer.id());
        assertTrue(Files.isRegularFile(layer.image().layers().get(0).resolve("etc/python3.11/sitecustomize.py")));
        assertEquals(List.of(id), names(images.resolve("host")));
        Files.createDirectories(images.resolve("host/.staging/rootfs/etc"));
        assertEquals(List.of(".staging"), HostImageBuilder.removeUnused(images, Set.of(id), false));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A fake host root with nothing in /etc but {@link #hostSitecustomize}. */
    private Path hostWithSitecustomize() throws IOException {
        Path host = tmp.resolve("host");
        hostSitecustomize(host);
        return host;
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

    /**
     * Any tree and the same with one change anywhere in it (bytes, permissions, a time, a link's target, an
     * entry removed or added), where others may read it or not: the next engine's layer holds what others
     * may read of the changed tree, and is a new layer exactly when that differs from the earlier one.
     */
    @Property(tries = 100)
    void theNextLayerIsANewOneExactlyWhenWhatOthersMayReadChanged(
            @ForAll("trees") Entry tree, @ForAll("changes") Change change) throws IOException {
        Path scratch = Files.createTempDirectory("proctor-host-image-");
        try {
            Path host = scratch.resolve("host");
            Path images = scratch.resolve("images");
            Files.createDirectories(host.resolve("etc"));
            Entry before = tree.named("alternatives");
            Entry after = change.applyTo(before);
            before.make(host.resolve("etc"));
            HostImageBuilder builder = new HostImageBuilder(host);
            HostImageBuilder.Layer first = builder.buildIfStale(images);
            LayerFiles.deleteTree(host.resolve("etc/alternatives"));
            after.make(host.resolve("etc"));

            HostImageBuilder.Layer next = builder.buildIfStale(images);

            Map<String, String> expectedBefore = new TreeMap<>();
            before.expect("", expectedBefore);
            Map<String, String> expectedAfter = new TreeMap<>();
            after.expect("", expectedAfter);
            assertEquals(expectedAfter, actual(next.image().layers().get(0).resolve("etc"), "alternatives"));
            assertEquals(
                    expectedBefore.equals(expectedAfter),
                    first.id().equals(next.id()),
                    "what others may read " + (expectedBefore.equals(expectedAfter) ? "is" : "is not") + " as before");
        } finally {
            LayerFiles.deleteTree(scratch);
        }
    }

    /** One change to the entry at {@code index} (in pre-order, modulo the tree's size) of a tree. */
    record Change(int index, int kind, int value) {

        static final int BYTES_OR_ADD = 0;
        static final int MODE = 1;
        static final int TIME = 2;
        static final int REMOVE = 3;

        Entry applyTo(Entry root) {
            return root.changed(new int[] {index % root.size()}, this, true);
        }
    }

    @Provide
    Arbitrary<Change> changes() {
        return Combinators.combine(
                        Arbitraries.integers().between(0, 1000),
                        Arbitraries.integers().between(0, 3),
                        Arbitraries.integers().between(0, 100))
                .as(Change::new);
    }

    /** A generated host entry: a file, a directory or a symlink. */
    record Entry(String name, char kind, String mode, long millis, byte[] bytes, String target, List<Entry> children) {

        Entry named(String newName) {
            return new Entry(newName, kind, mode, millis, bytes, target, children);
        }

        int size() {
            return 1 + children.stream().mapToInt(Entry::size).sum();
        }

        /**
         * This tree with {@code change} made to the entry {@code left[0]} entries further in pre-order (null when
         * that entry is removed); {@code left[0]} counts down as entries are passed.
         */
        Entry changed(int[] left, Change change, boolean root) {
            if (left[0]-- != 0) {
                List<Entry> kids = new ArrayList<>();
                for (Entry c : children) {
                    Entry k = left[0] < 0 ? c : c.changed(left, change, false);
                    if (k != null) {
                        kids.add(k);
                    }
                }
                return new Entry(name, kind, mode, millis, bytes, target, kids);
            }
            int v = change.value();
            int what = change.kind() == Change.REMOVE && root ? Change.TIME : change.kind();
            if (what == Change.REMOVE) {
                return null;
            }
            if (kind == 'l') {
                return new Entry(name, kind, mode, millis, bytes, target + "/" + v, children);
            }
            return switch (what) {
                case Change.MODE -> {
                    List<String> modes = kind == 'f' ? FILE_MODES : DIR_MODES;
                    yield new Entry(name, kind, modes.get(v % modes.size()), millis, bytes, target, children);
                }
                case Change.TIME -> new Entry(name, kind, mode, millis + 1 + v, bytes, target, children);
                default -> {
                    if (kind == 'f') {
                        // other bytes of the same length (ldconfig's rewrite), or one more byte
                        byte[] other =
                                bytes.length > 0 && v % 2 == 1 ? bytes.clone() : Arrays.copyOf(bytes, bytes.length + 1);
                        other[v % other.length] ^= (byte) (1 + v % 255);
                        yield new Entry(name, kind, mode, millis, other, target, children);
                    }
                    List<Entry> kids = new ArrayList<>(children);
                    kids.add(new Entry("added" + v, 'f', "rw-r--r--", millis, new byte[] {(byte) v}, null, List.of()));
                    yield new Entry(name, kind, mode, millis, bytes, target, kids);
                }
            };
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

    private static final List<String> FILE_MODES =
            List.of("rw-r--r--", "rw-------", "rw-r-----", "rwxr-xr-x", "r--r--r--", "rw-rw-r--");
    private static final List<String> DIR_MODES =
            List.of("rwxr-xr-x", "rwx------", "rwx--x---", "rwxr-x---", "r-xr-xr-x", "rwx-----x");

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
                        Arbitraries.of(FILE_MODES),
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
                        Arbitraries.of(DIR_MODES),
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
        return new HostImageBuilder(host).build(images).image().layers().get(0);
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
