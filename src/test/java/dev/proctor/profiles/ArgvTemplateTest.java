package dev.proctor.profiles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArgvTemplateTest {

    @Test
    void placeholdersFollowTheMemoryLimitAndShellBracesAreLeftAlone() {
        assertEquals(
                List.of("java", "-Xmx160m", "-Dm=256", "sh ${x} $(cat f) {x:-y}"),
                ArgvTemplate.expand(
                        List.of("java", "-Xmx{heap_mb}m", "-Dm={memory_mb}", "sh ${x} $(cat f) {x:-y}"), 256));
        assertEquals(16, ArgvTemplate.heapMb(8));
        assertEquals(List.of("{heap_mbb}"), ArgvTemplate.unknown(List.of("-Xmx{heap_mbb}m", "${main}")));
    }

    @Test
    void oomMarkersAreFoundOnlyAtTheEndOfEitherStream() {
        Profile p = new Profile(
                "java",
                "",
                "Main.java",
                List.of(),
                List.of("java"),
                Map.of(),
                "host",
                "default",
                null,
                null,
                List.of(),
                List.of("java.lang.OutOfMemoryError"));
        byte[] marker =
                "Terminating due to java.lang.OutOfMemoryError: Java heap space\n".getBytes(StandardCharsets.UTF_8);
        assertTrue(p.ranOutOfMemory(marker, new byte[0]));
        assertTrue(p.ranOutOfMemory(new byte[0], marker));
        byte[] early = new byte[marker.length + Profile.OOM_MARKER_WINDOW];
        System.arraycopy(marker, 0, early, 0, marker.length);
        assertFalse(p.ranOutOfMemory(early, new byte[0]));
        assertFalse(p.ranOutOfMemory("hello\n".getBytes(StandardCharsets.UTF_8), new byte[0]));
    }
}
