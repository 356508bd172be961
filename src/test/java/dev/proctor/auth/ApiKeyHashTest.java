package dev.proctor.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The stored hash of a key: SHA-256 of its UTF-8 bytes, the same from any thread at once. */
class ApiKeyHashTest {

    @Test
    void isTheSha256OfTheKeysBytes() {
        // FIPS 180-2 test vector
        assertEquals(
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                HexFormat.of().formatHex(ApiKeys.sha256("abc")));
        assertEquals(
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                HexFormat.of().formatHex(ApiKeys.sha256("")));
    }

    @Test
    void concurrentHashesDoNotMix() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<byte[]>> work = IntStream.range(0, 2000)
                    .mapToObj(i -> (Callable<byte[]>) () -> ApiKeys.sha256("pk_" + (i % 7)))
                    .toList();
            List<Future<byte[]>> results = pool.invokeAll(work);
            for (int i = 0; i < results.size(); i++) {
                byte[] expected = java.security.MessageDigest.getInstance("SHA-256")
                        .digest(("pk_" + (i % 7)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                assertArrayEquals(expected, results.get(i).get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
