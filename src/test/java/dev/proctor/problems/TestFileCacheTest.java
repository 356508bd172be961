package dev.proctor.problems;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's file cache over an in-memory source: fill verified, hits, LRU eviction, leases, restart. */
class TestFileCacheTest {

    @TempDir
    Path dir;

    private final Map<String, byte[]> store = new HashMap<>();
    private int reads;

    private String put(byte[] b) {
        String d = HexFormat.of().formatHex(PackageReader.sha256().digest(b));
        store.put(d, b);
        return d;
    }

    private TestFileCache cache(long max) {
        return new TestFileCache(dir, max, (digest, out) -> {
            reads++;
            byte[] b = store.get(digest);
            if (b == null) {
                return false;
            }
            out.write(b);
            return true;
        });
    }

    @Test
    void fillsOnceThenHits() throws IOException {
        byte[] a = "aaaa".getBytes();
        String da = put(a);
        TestFileCache c = cache(100);
        try (TestFileCache.Lease l = c.get(da, 4)) {
            assertArrayEquals(a, Files.readAllBytes(l.path()));
        }
        try (TestFileCache.Lease l = c.get(da, 4)) {
            assertArrayEquals(a, Files.readAllBytes(l.path()));
        }
        assertEquals(1, reads);
        assertEquals(new TestFileCache.Stats(4, 1, 1, 1), c.stats());
    }

    @Test
    void aCorruptSourceLeavesNothingBehind() throws IOException {
        String digest = put("good".getBytes());
        store.put(digest, "evil".getBytes());
        TestFileCache c = cache(100);
        assertThrows(IllegalStateException.class, () -> c.get(digest, 4));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
        assertThrows(IllegalStateException.class, () -> c.get("0".repeat(64), 1));
    }

    @Test
    void evictsTheLeastRecentlyUsedButNeverAFileInUse() {
        String a = put(new byte[40]);
        String b = put(new byte[] {
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
            30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40
        });
        String c3 = put(new byte[] {
            9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
            9, 9, 9, 9
        });
        TestFileCache c = cache(100);
        c.get(a, 40).close();
        c.get(b, 40).close();
        c.get(a, 40).close(); // a is now more recent than b
        try (TestFileCache.Lease held = c.get(c3, 40)) {
            assertFalse(Files.exists(dir.resolve(b)), "b was the least recently used");
            assertTrue(Files.exists(dir.resolve(a)));
            assertTrue(Files.exists(held.path()));
        }
        TestFileCache small = cache(10);
        try (TestFileCache.Lease held = small.get(a, 40)) {
            // over the bound while in use: kept until closed
            assertTrue(Files.exists(held.path()));
        }
        assertFalse(Files.exists(dir.resolve(a)));
    }

    @Test
    void aRestartKeepsFilesAndDropsHalfFills() throws IOException {
        String a = put("abc".getBytes());
        cache(100).get(a, 3).close();
        Files.writeString(dir.resolve(".fill-x-1"), "partial");
        TestFileCache again = cache(100);
        reads = 0;
        again.get(a, 3).close();
        assertEquals(0, reads);
        assertFalse(Files.exists(dir.resolve(".fill-x-1")));
    }
}
