package dev.proctor.problems;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/** Builds zip and tar.gz archives in memory for tests: from a directory, or from named entries. */
public final class Archives {

    private Archives() {}

    /** One entry: a name, its bytes, and for tar a type flag (0 = file, '2' = symlink, '1' = hard link…). */
    public record Entry(String name, byte[] content, byte tarType) {
        public static Entry file(String name, byte[] content) {
            return new Entry(name, content, TarArchiveEntry.LF_NORMAL);
        }

        /** A symbolic link to {@code target} (a tar symlink; in a zip, an entry with a link's Unix mode). */
        public static Entry link(String name, String target) {
            return new Entry(
                    name, target.getBytes(java.nio.charset.StandardCharsets.UTF_8), TarArchiveEntry.LF_SYMLINK);
        }

        public boolean isLink() {
            return tarType == TarArchiveEntry.LF_SYMLINK;
        }
    }

    public static byte[] zip(List<Entry> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(bytes)) {
            for (Entry e : entries) {
                ZipArchiveEntry z = new ZipArchiveEntry(e.name());
                if (e.isLink()) {
                    z.setUnixMode(org.apache.commons.compress.archivers.zip.UnixStat.LINK_FLAG | 0777);
                }
                out.putArchiveEntry(z);
                if (!z.isDirectory()) {
                    out.write(e.content());
                }
                out.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static byte[] tarGz(List<Entry> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry e : entries) {
                TarArchiveEntry t = new TarArchiveEntry(e.name(), e.tarType(), true);
                if (e.isLink()) {
                    t.setLinkName(new String(e.content(), java.nio.charset.StandardCharsets.UTF_8));
                } else if (e.tarType() == TarArchiveEntry.LF_LINK) {
                    t.setLinkName("/etc/passwd");
                } else if (e.tarType() == TarArchiveEntry.LF_NORMAL && !t.isDirectory()) {
                    t.setSize(e.content().length);
                }
                out.putArchiveEntry(t);
                if (e.tarType() == TarArchiveEntry.LF_NORMAL && !t.isDirectory()) {
                    out.write(e.content());
                }
                out.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Every file below {@code dir}, as entries named {@code prefix + relative path}, sorted. */
    public static List<Entry> of(Path dir, String prefix) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .sorted()
                    .map(p -> Entry.file(prefix + dir.relativize(p).toString(), read(p)))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every file below {@code dir} with its bytes, by relative path. */
    public static Map<String, byte[]> files(Path dir) {
        java.util.TreeMap<String, byte[]> out = new java.util.TreeMap<>();
        for (Entry e : of(dir, "")) {
            out.put(e.name(), e.content());
        }
        return out;
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path resource(String name) {
        try {
            return Path.of(Archives.class.getResource("/problems/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
