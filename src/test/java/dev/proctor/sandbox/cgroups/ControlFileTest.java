package dev.proctor.sandbox.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A control file read whole whatever its size against the buffer's, again after it changed, or null when absent. */
class ControlFileTest {

    @TempDir
    Path dir;

    @Test
    void absentFileIsNull() {
        try (ControlFile f = new ControlFile(dir.resolve("memory.nothing"))) {
            assertNull(f.readIfExists());
        }
    }

    @Test
    void rereadSeesTheNewContents() throws Exception {
        Path file = dir.resolve("cpuacct.usage");
        Files.writeString(file, "123456789\n");
        try (ControlFile f = new ControlFile(file)) {
            assertEquals("123456789\n", f.read());
            Files.writeString(file, "7\n");
            assertEquals("7\n", f.read());
            f.write("0");
            assertEquals("0\n", f.read());
        }
    }

    /** Sizes around the buffer's first capacity (512) and its doublings: a full read is not an end. */
    @Property(tries = 60)
    void readsTheWholeFile(@ForAll @IntRange(min = 0, max = 5000) int size) throws Exception {
        Path file = Files.createTempFile("control", ".txt");
        try {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < size; i++) {
                text.append((char) ('a' + i % 26));
            }
            Files.writeString(file, text);
            try (ControlFile f = new ControlFile(file)) {
                assertEquals(text.toString(), f.read());
                assertEquals(text.toString(), f.read());
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void exactMultiplesOfTheBuffer() throws Exception {
        for (int size : new int[] {511, 512, 513, 1024, 2048, 4096}) {
            Path file = dir.resolve("f" + size);
            Files.writeString(file, "x".repeat(size));
            try (ControlFile f = new ControlFile(file)) {
                assertEquals(size, f.read().length());
            }
        }
    }
}
