package dev.proctor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.core.Rejection;
import dev.proctor.problems.ArchiveLimits;
import dev.proctor.problems.PackageArchive;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A setter's folder ({@code problem verify DIR}, {@code problem import DIR}) is packed with its symbolic links
 * as links, and unpacking treats them as an uploaded archive's: inside the package a copy, leading out refused.
 */
class ProblemPackTest {

    @TempDir
    Path tmp;

    private Path packAndUnpack(Path dir) throws IOException {
        Path archive = tmp.resolve("p.tar.gz");
        Files.deleteIfExists(archive);
        ProblemCommand.pack(dir, archive, "p/");
        Path into = Files.createTempDirectory(tmp, "into");
        try (InputStream in = Files.newInputStream(archive)) {
            return PackageArchive.extract(in, into, ArchiveLimits.defaults());
        }
    }

    @Test
    void linksInsideAreCopiesAndLinksOutAreRefusedByName() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("pkg/data/secret"));
        Files.writeString(dir.resolve("1.in"), "1 2\n");
        Files.createDirectories(tmp.resolve("pkg/data/sample"));
        Files.createSymbolicLink(tmp.resolve("pkg/data/sample/1.in"), Path.of("../secret/1.in"));
        Path root = packAndUnpack(tmp.resolve("pkg"));
        Path copy = root.resolve("data/sample/1.in");
        assertTrue(Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS));
        assertEquals("1 2\n", Files.readString(copy));

        Files.writeString(tmp.resolve("outside"), "secret");
        Files.createSymbolicLink(tmp.resolve("pkg/data/secret/2.in"), tmp.resolve("outside"));
        Rejection r = assertThrows(Rejection.class, () -> packAndUnpack(tmp.resolve("pkg")));
        assertTrue(r.getMessage().contains("\"p/data/secret/2.in\""), r.getMessage());
        assertTrue(r.getMessage().contains("outside the package"), r.getMessage());
        Files.delete(tmp.resolve("pkg/data/secret/2.in"));
        Files.createSymbolicLink(tmp.resolve("pkg/data/secret/2.in"), Path.of("../../../outside"));
        r = assertThrows(Rejection.class, () -> packAndUnpack(tmp.resolve("pkg")));
        assertTrue(r.getMessage().contains("outside the package"), r.getMessage());
    }
}
