package dev.proctor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The options {@code ./proctor} starts the JVM with ({@code jvm_flags}, from the script sourced, as its end allows):
 * the parallel collector unless the caller's JAVA_TOOL_OPTIONS or JDK_JAVA_OPTIONS pick one (two collectors stop
 * the JVM at start), and the native-access flag from JDK 22 on.
 */
class ProctorScriptJvmFlagsTest {

    @TempDir
    Path jdk;

    @Test
    void parallelCollectorByDefault() throws Exception {
        assertEquals("--enable-native-access=ALL-UNNAMED -XX:+UseParallelGC", flags("25.0.1", Map.of()));
        assertEquals(
                "--enable-native-access=ALL-UNNAMED -XX:+UseParallelGC",
                flags("25.0.1", Map.of("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=25")));
        assertEquals("-XX:+UseParallelGC", flags("17.0.15", Map.of()));
    }

    @Test
    void aCollectorTheCallerChoseWins() throws Exception {
        assertEquals(
                "--enable-native-access=ALL-UNNAMED",
                flags("25.0.1", Map.of("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=25 -XX:+UseG1GC")));
        assertEquals("--enable-native-access=ALL-UNNAMED", flags("25.0.1", Map.of("JDK_JAVA_OPTIONS", "-XX:+UseZGC")));
        assertEquals("", flags("17.0.15", Map.of("JAVA_TOOL_OPTIONS", "-XX:+UseSerialGC")));
    }

    private String flags(String version, Map<String, String> env) throws IOException, InterruptedException {
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
        Path script = Path.of("proctor").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(
                        "bash",
                        "-c",
                        "source \"$1\" && JAVA_HOME=\"$2\" && jvm_flags",
                        "bash",
                        script.toString(),
                        jdk.toString())
                .redirectErrorStream(true);
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("bash did not finish");
        }
        assertEquals(0, p.exitValue(), out);
        return out.strip();
    }
}
