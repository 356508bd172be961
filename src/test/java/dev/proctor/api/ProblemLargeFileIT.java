package dev.proctor.api;

import static dev.proctor.api.ApiTestSupport.newClientKey;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.proctor.problems.PackageReader;
import dev.proctor.problems.ProblemService;
import dev.proctor.problems.TestFileCache;
import dev.proctor.testsupport.FakeSandboxProfile;
import dev.proctor.testsupport.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.Deflater;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A package with one 256 MiB test input (generated here, incompressible), uploaded through the HTTP stack
 * into PostgreSQL and read back through the node's cache: the file arrives whole (same SHA-256), and the
 * figures are printed, not asserted: upload MB/s, cold fill MB/s (PostgreSQL → cache, verified), warm hit,
 * and the heap pools' peak during the upload. {@code -Dproctor.large-file-mib=N} changes the size.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(FakeSandboxProfile.class)
class ProblemLargeFileIT {

    private static final long MIB = 1024 * 1024;
    private static final long SIZE = Long.getLong("proctor.large-file-mib", 256) * MIB;

    @Inject
    ProblemService service;

    @TempDir
    Path tmp;

    @Test
    void aLargeFileUploadsAndComesBackThroughTheCache() throws IOException {
        Path big = tmp.resolve("big.in");
        byte[] block = new byte[(int) MIB];
        Random random = new Random(42);
        try (OutputStream out = Files.newOutputStream(big)) {
            for (long left = SIZE; left > 0; left -= MIB) {
                random.nextBytes(block);
                out.write(block);
            }
        }
        String digest = PackageReader.hash(big, "big.in").sha256();
        Path archive = tmp.resolve("big.tar.gz");
        GzipParameters fast = new GzipParameters();
        fast.setCompressionLevel(Deflater.BEST_SPEED);
        try (TarArchiveOutputStream tar =
                new TarArchiveOutputStream(new GzipCompressorOutputStream(Files.newOutputStream(archive), fast))) {
            add(tar, "problem.yaml", "name: Big\n".getBytes(StandardCharsets.US_ASCII));
            TarArchiveEntry e = new TarArchiveEntry("data/secret/big.in");
            e.setSize(SIZE);
            tar.putArchiveEntry(e);
            Files.copy(big, tar);
            tar.closeArchiveEntry();
            add(tar, "data/secret/big.ans", "0\n".getBytes(StandardCharsets.US_ASCII));
        }
        String key = newClientKey();
        System.gc();
        long heapBefore = heapUsed();
        resetPeaks();
        long t0 = System.nanoTime();
        JsonPath up = given().auth()
                .oauth2(key)
                .contentType("application/gzip")
                .body(archive.toFile())
                .post("/api/v1/problems?name=big")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath();
        double uploadS = (System.nanoTime() - t0) / 1e9;
        long heapPeak = heapPeak();
        assertEquals(1, up.getInt("version.version"));
        JsonPath p = given().auth()
                .oauth2(key)
                .get("/api/v1/problems/big")
                .then()
                .extract()
                .jsonPath();
        assertEquals(digest, p.getString("tests[0].input.sha256"));
        assertEquals(SIZE, p.getLong("tests[0].input.size"));

        TestFileCache cache = service.cache();
        long t1 = System.nanoTime();
        try (TestFileCache.Lease cold = cache.get(digest, SIZE)) {
            double coldS = (System.nanoTime() - t1) / 1e9;
            long t2 = System.nanoTime();
            try (TestFileCache.Lease warm = cache.get(digest, SIZE)) {
                double warmMs = (System.nanoTime() - t2) / 1e6;
                assertEquals(digest, PackageReader.hash(warm.path(), "x").sha256());
                double mb = SIZE / 1e6;
                System.out.printf(
                        "LARGE FILE %d MiB: upload %.1f s = %.1f MB/s (archive %.0f MB); cold cache fill %.1f s ="
                                + " %.1f MB/s; warm hit %.2f ms; heap used before %d MiB, heap pools' peak during"
                                + " upload %d MiB%n",
                        SIZE / MIB,
                        uploadS,
                        mb / uploadS,
                        Files.size(archive) / 1e6,
                        coldS,
                        mb / coldS,
                        warmMs,
                        heapBefore / MIB,
                        heapPeak / MIB);
            }
        }
    }

    private static void add(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    private static long heapPeak() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
