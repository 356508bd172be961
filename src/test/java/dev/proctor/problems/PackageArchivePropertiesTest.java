package dev.proctor.problems;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.core.Rejection;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Hostile archives: generated entry names (absolute, {@code ..}, backslashes, control characters, very long,
 * deep), links and devices, duplicate names, random bytes, and bombs. Whatever comes in, the reader either
 * refuses it with a {@link Rejection} naming the body, or writes exactly the regular files the archive holds,
 * all inside the target directory, none of them a link; a symbolic link becomes a copy of a file of the archive
 * or is refused by its name.
 */
class PackageArchivePropertiesTest {

    private static final ArchiveLimits SMALL = new ArchiveLimits(50, 64 * 1024, 16 * 1024, 120, 8);

    @Provide
    Arbitrary<String> segment() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars("abcXYZ019_-.").ofMinLength(1).ofMaxLength(12),
                Arbitraries.of("..", ".", "", "/", "\\", "a\u0000b", "x\ny", "C:", "~", "%2e%2e", "\u00e9t\u00e9"));
    }

    @Provide
    Arbitrary<String> name() {
        Arbitrary<String> joined = segment().list().ofMinSize(1).ofMaxSize(10).map(l -> String.join("/", l));
        return Arbitraries.oneOf(
                joined,
                joined.map(s -> "/" + s),
                joined.map(s -> "./" + s),
                joined.map(s -> "../" + s),
                Arbitraries.strings().withChars("ab/").ofLength(200));
    }

    @Provide
    Arbitrary<Archives.Entry> entry() {
        Arbitrary<byte[]> content = Arbitraries.bytes().array(byte[].class).ofMaxSize(3000);
        Arbitrary<Byte> type = Arbitraries.of(
                TarArchiveEntry.LF_NORMAL,
                TarArchiveEntry.LF_NORMAL,
                TarArchiveEntry.LF_NORMAL,
                TarArchiveEntry.LF_SYMLINK,
                TarArchiveEntry.LF_LINK,
                TarArchiveEntry.LF_CHR,
                TarArchiveEntry.LF_FIFO);
        return Combinators.combine(name(), content, type).as(Archives.Entry::new);
    }

    @Property(tries = 300)
    void tarGzIsUnpackedInsideOrRefused(@ForAll("entries") List<Archives.Entry> entries) throws IOException {
        check(Archives.tarGz(entries), entries, true);
    }

    @Property(tries = 300)
    void zipIsUnpackedInsideOrRefused(@ForAll("entries") List<Archives.Entry> entries) throws IOException {
        List<Archives.Entry> files = entries.stream()
                .map(e -> Archives.Entry.file(e.name(), e.content()))
                .toList();
        byte[] zip;
        try {
            zip = Archives.zip(files);
        } catch (RuntimeException e) {
            return; // the writer itself refuses some names (duplicates): nothing to read
        }
        check(zip, files, false);
    }

    @Provide
    Arbitrary<List<Archives.Entry>> entries() {
        return entry().list().ofMinSize(0).ofMaxSize(12);
    }

    /** Names and link targets from a few segments, so that links often lead to files, links, dirs, or out. */
    @Provide
    Arbitrary<List<Archives.Entry>> linked() {
        Arbitrary<String> name = Arbitraries.of("a", "b")
                .list()
                .ofMaxSize(2)
                .flatMap(dirs -> Arbitraries.of("f1", "f2", "l1", "l2", "l3")
                        .map(leaf -> String.join("/", dirs) + (dirs.isEmpty() ? "" : "/") + leaf));
        Arbitrary<String> target = Arbitraries.oneOf(
                Arbitraries.of("a", "b", "..", ".", "f1", "f2", "l1", "l2", "l3", "")
                        .list()
                        .ofMinSize(1)
                        .ofMaxSize(4)
                        .map(l -> String.join("/", l)),
                Arbitraries.of("/etc/passwd", "../secret", "../../secret", "/f1"));
        Arbitrary<Archives.Entry> file = Combinators.combine(
                        name, Arbitraries.bytes().array(byte[].class).ofMaxSize(40))
                .as(Archives.Entry::file);
        Arbitrary<Archives.Entry> link = Combinators.combine(name, target).as(Archives.Entry::link);
        return Arbitraries.oneOf(file, file, link).list().ofMinSize(1).ofMaxSize(10);
    }

    @Property(tries = 300)
    void linksBecomeCopiesOfFilesInsideOrAreRefusedByName(@ForAll("linked") List<Archives.Entry> entries)
            throws IOException {
        byte[] tar = Archives.tarGz(entries);
        checkLinks(tar, entries, true);
        byte[] zip;
        try {
            zip = Archives.zip(entries);
        } catch (RuntimeException e) {
            return; // duplicates: the writer refuses them
        }
        checkLinks(zip, entries, false);
    }

    private static void checkLinks(byte[] archive, List<Archives.Entry> entries, boolean tar) throws IOException {
        try {
            check(archive, entries, tar);
        } catch (AssertionError e) {
            throw new AssertionError((tar ? "tar: " : "zip: ") + e.getMessage(), e);
        }
        Path parent = Files.createTempDirectory("links");
        Path dir = Files.createDirectory(parent.resolve("into"));
        try {
            PackageArchive.extract(new ByteArrayInputStream(archive), dir, SMALL);
        } catch (Rejection r) {
            // a refusal for a link names the link
            if (r.getMessage().contains("symbolic link")) {
                assertTrue(
                        entries.stream()
                                .filter(Archives.Entry::isLink)
                                .anyMatch(l -> r.getMessage().contains("\"" + l.name() + "\"")),
                        r.getMessage());
            }
        } finally {
            delete(parent);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static Path unpack(byte[] archive, Path dir) {
        return PackageArchive.extract(new ByteArrayInputStream(archive), dir, SMALL);
    }

    @Example
    void aChainOfLinksInsideResolvesInTarAndZip() throws IOException {
        List<Archives.Entry> entries = List.of(
                Archives.Entry.file("p/data/secret/1.in", bytes("one\n")),
                Archives.Entry.link("p/data/sample/1.in", "../secret/1.in"),
                Archives.Entry.link("p/data/sample/2.in", "./1.in"),
                Archives.Entry.link("p/data/x/y/3.in", "../../sample/2.in"));
        for (byte[] archive : List.of(Archives.tarGz(entries), Archives.zip(entries))) {
            Path dir = Files.createTempDirectory("chain");
            try {
                Path root = unpack(archive, dir);
                for (String p : List.of("data/sample/1.in", "data/sample/2.in", "data/x/y/3.in")) {
                    assertEquals("one\n", Files.readString(root.resolve(p)), p);
                    assertTrue(Files.isRegularFile(root.resolve(p), LinkOption.NOFOLLOW_LINKS), p);
                }
            } finally {
                delete(dir);
            }
        }
    }

    @Example
    void linksLeadingOutLoopingOrNowhereAreRefusedByName() throws IOException {
        Map<String, String> cases = Map.of(
                "../../etc/passwd", "outside the package",
                "/etc/passwd", "outside the package",
                "nope.in", "not a file of the package",
                "..", "not a file of the package",
                "l.in", "chain of more than");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            List<Archives.Entry> entries = List.of(
                    Archives.Entry.file("problem.yaml", bytes("name: x\n")),
                    Archives.Entry.file("data/1.ans", bytes("1\n")),
                    Archives.Entry.link("data/l.in", c.getKey()));
            for (byte[] archive : List.of(Archives.tarGz(entries), Archives.zip(entries))) {
                Path dir = Files.createTempDirectory("out");
                try {
                    Rejection r =
                            org.junit.jupiter.api.Assertions.assertThrows(Rejection.class, () -> unpack(archive, dir));
                    assertEquals("body", r.field());
                    assertEquals(Rejection.Reason.UNPROCESSABLE, r.reason());
                    assertTrue(r.getMessage().contains("\"data/l.in\""), r.getMessage());
                    assertTrue(r.getMessage().contains(c.getValue()), c.getKey() + ": " + r.getMessage());
                } finally {
                    delete(dir);
                }
            }
        }
    }

    @Property(tries = 200)
    void randomBytesAreRefusedNeverThrown(@ForAll byte[] junk, @ForAll boolean gzipMagic, @ForAll boolean zipMagic)
            throws IOException {
        byte[] body = junk.clone();
        if (body.length >= 4 && gzipMagic) {
            body[0] = 0x1f;
            body[1] = (byte) 0x8b;
        } else if (body.length >= 4 && zipMagic) {
            body[0] = 'P';
            body[1] = 'K';
            body[2] = 3;
            body[3] = 4;
        }
        Path dir = Files.createTempDirectory("archive-prop");
        try {
            PackageArchive.extract(new ByteArrayInputStream(body), dir, SMALL);
            assertInside(dir);
        } catch (Rejection r) {
            assertEquals("body", r.field());
        } finally {
            delete(dir);
        }
    }

    /** A bomb: a small archive of zeros that unpacks far past the limits stops at them, as TOO_LARGE. */
    /** Found by the tar property: a NUL in a tar entry's name ends it (the header holds a C string). */
    @Example
    void aTarNameIsCutAtItsNul() throws IOException {
        byte[] content = "x".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        check(
                Archives.tarGz(List.of(Archives.Entry.file("a\u0000b", content))),
                List.of(Archives.Entry.file("a\u0000b", content)),
                true);
    }

    @Example
    void bombsStopAtTheLimit() throws IOException {
        byte[] zeros = new byte[4 * 1024 * 1024];
        for (byte[] archive : List.of(
                Archives.zip(List.of(Archives.Entry.file("data/1.in", zeros))),
                Archives.tarGz(List.of(Archives.Entry.file("data/1.in", zeros))))) {
            assertTrue(archive.length < 64 * 1024, "compressed to " + archive.length);
            Path dir = Files.createTempDirectory("bomb");
            try {
                Rejection r = org.junit.jupiter.api.Assertions.assertThrows(
                        Rejection.class, () -> PackageArchive.extract(new ByteArrayInputStream(archive), dir, SMALL));
                assertEquals(Rejection.Reason.TOO_LARGE, r.reason());
                assertTrue(Files.size(dir.resolve("data/1.in")) <= SMALL.maxFileBytes());
            } finally {
                delete(dir);
            }
        }
    }

    /** Many tiny entries stop at the entry limit, the total at the total limit. */
    @Example
    void entryAndTotalLimits() throws IOException {
        List<Archives.Entry> many = new ArrayList<>();
        for (int i = 0; i < SMALL.maxEntries() + 1; i++) {
            many.add(Archives.Entry.file("f" + i, new byte[] {1}));
        }
        List<Archives.Entry> big = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            big.add(Archives.Entry.file("g" + i, new byte[(int) SMALL.maxFileBytes()]));
        }
        for (byte[] archive : List.of(Archives.tarGz(many), Archives.zip(many), Archives.tarGz(big))) {
            Path dir = Files.createTempDirectory("limits");
            try {
                Rejection r = org.junit.jupiter.api.Assertions.assertThrows(
                        Rejection.class, () -> PackageArchive.extract(new ByteArrayInputStream(archive), dir, SMALL));
                assertEquals(Rejection.Reason.TOO_LARGE, r.reason(), r.getMessage());
            } finally {
                delete(dir);
            }
        }
    }

    private static void check(byte[] archive, List<Archives.Entry> entries, boolean tar) throws IOException {
        Path parent = Files.createTempDirectory("archive-prop");
        Path dir = Files.createDirectory(parent.resolve("into"));
        // a sibling the archive must never reach
        Files.writeString(parent.resolve("secret"), "untouched");
        try (InputStream in = new ByteArrayInputStream(archive)) {
            PackageArchive.extract(in, dir, SMALL);
            assertInside(dir);
            // accepted: every entry was a plain file with a clean name, and each is there with its bytes
            Map<String, byte[]> written = Archives.files(dir);
            for (Archives.Entry e : entries) {
                assertTrue(
                        !tar || e.tarType() == TarArchiveEntry.LF_NORMAL || e.isLink(),
                        "a hard link or device was accepted");
                String clean = e.name().replaceFirst("^(\\./)+", "");
                if (tar && e.name().endsWith("/")) {
                    // the tar writer takes a name ending in "/" for a directory's and stores no bytes for it,
                    // even where a NUL cuts the name the header holds to a file's ("a\0b/" -> an empty "a")
                    continue;
                }
                if (tar && clean.indexOf('\0') >= 0) {
                    // a tar header's name is a C string: the archive names what comes before the NUL
                    clean = clean.substring(0, clean.indexOf('\0'));
                }
                if (clean.isEmpty() || clean.endsWith("/")) {
                    // a directory entry ("dir/", or "./": the root itself, whose bytes, if any, name no file)
                    continue;
                }
                if (e.isLink()) {
                    // a link became a copy of a file the archive holds, nothing else
                    byte[] got = written.get(clean);
                    assertTrue(got != null, "link " + clean + " was not written");
                    assertTrue(
                            entries.stream().anyMatch(f -> !f.isLink() && java.util.Arrays.equals(f.content(), got)),
                            "link " + clean + " holds bytes of no file of the archive");
                    continue;
                }
                assertArrayEquals(e.content(), written.get(clean), clean);
            }
        } catch (Rejection r) {
            assertEquals("body", r.field());
            assertInside(dir);
        } finally {
            assertEquals("untouched", Files.readString(parent.resolve("secret")));
            delete(parent);
        }
    }

    private static void assertInside(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.forEach(p -> {
                assertTrue(p.normalize().startsWith(dir), p.toString());
                assertTrue(!Files.isSymbolicLink(p), "link " + p);
                assertTrue(Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                        || Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS));
            });
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
