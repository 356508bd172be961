package dev.proctor.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The C probes of src/test/c, compiled on the host with gcc once per test JVM; {@link #gcc} builds other test-side C. */
public final class Probes {

    public static final Path PROJECT = Path.of(System.getProperty("proctor.project-dir", "."))
            .toAbsolutePath()
            .normalize();
    private static final Map<String, byte[]> BINARIES = new ConcurrentHashMap<>();

    private Probes() {}

    /** The binary of src/test/c/NAME.c. */
    public static byte[] binary(String name) {
        return BINARIES.computeIfAbsent(name, n -> compile(n));
    }

    /**
     * The binary of src/test/c/NAME.c built without libc (it has its own {@code _start}): static, a few pages in
     * all once running.
     */
    public static byte[] tinyBinary(String name) {
        return BINARIES.computeIfAbsent(
                "tiny " + name,
                n -> compile(name, "-static", "-nostdlib", "-fno-stack-protector", "-fno-pie", "-no-pie"));
    }

    private static byte[] compile(String name, String... extra) {
        Path src = PROJECT.resolve("src/test/c/" + name + ".c");
        try {
            Path dir = Files.createTempDirectory("proctor-probe-");
            Path out = dir.resolve(name);
            try {
                gcc(src, out, extra);
                return Files.readAllBytes(out);
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Builds C source {@code src} into {@code out} as the project builds its C (warnings are errors), with
     * {@code extra} options.
     */
    public static void gcc(Path src, Path out, String... extra) {
        try {
            List<String> command = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread"));
            command.addAll(List.of(extra));
            command.addAll(List.of("-o", out.toString(), src.toString()));
            Process gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
            String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
                throw new IllegalStateException("gcc " + src + " failed: " + log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
