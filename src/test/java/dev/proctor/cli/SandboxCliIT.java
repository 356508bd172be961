package dev.proctor.cli;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.sandbox.EngineConfig;
import dev.proctor.sandbox.linux.Syscalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code proctor run --workdir DIR} on the real kernel (issue 10, item 10): the copy back of what
 * the program left died with an UncheckedIOException, and no JSON, on a tree deeper than PATH_MAX.
 * It is now bounded (depth, files, bytes) and the result is always printed.
 */
class SandboxCliIT {

    private static final Path PROJECT =
            Path.of(System.getProperty("proctor.project-dir", ".")).toAbsolutePath();
    private Path state;
    private Path dir;

    @BeforeEach
    void dirs() throws IOException {
        requireKernel(
                Syscalls.isRoot() && "Linux".equals(System.getProperty("os.name")), "the sandbox needs root on Linux");
        state = Files.createTempDirectory("proctor-cli-it");
        dir = Files.createTempDirectory("proctor-cli-it-box");
    }

    @AfterEach
    void clean() throws IOException {
        for (Path p : new Path[] {dir, state}) {
            if (p != null) {
                try (Stream<Path> walk = Files.walk(p)) {
                    walk.sorted(Comparator.reverseOrder())
                            .forEach(f -> f.toFile().delete());
                }
            }
        }
    }

    private JsonNode run(String script) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = RunCommand.execute(
                new String[] {
                    "--workdir",
                    dir.toString(),
                    "--wall-time-ms",
                    "20000",
                    "--cpu-time-ms",
                    "10000",
                    "--",
                    "/bin/sh",
                    "-c",
                    script
                },
                EngineConfig.forProject(PROJECT, state),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, () -> "stdout: " + printed + "\nstderr: " + err.toString(StandardCharsets.UTF_8));
        assertEquals(1, printed.lines().count(), printed);
        return new ObjectMapper().readTree(printed);
    }

    @Test
    void aTreeDeeperThanPathMaxStillGivesTheJsonResult() throws IOException {
        Files.writeString(dir.resolve("in.txt"), "given\n");
        JsonNode r = run("""
                echo out > top.txt
                exec python3 -c "
                import os
                for _ in range(40):
                    os.mkdir('d' * 200)
                    os.chdir('d' * 200)
                open('bottom.txt', 'w').write('deep')
                print(len(os.getcwd()))
                "
                """);
        assertEquals("ok", r.get("status").asText(), r.toString());
        assertEquals("8044\n", r.get("stdout").asText(), "the tree is deeper than PATH_MAX (4096)");
        assertEquals("out\n", Files.readString(dir.resolve("top.txt")));
        JsonNode copied = r.get("copied_back");
        assertEquals(2, copied.get("files").asInt(), r.toString()); // in.txt and top.txt
        assertTrue(copied.get("skipped").asInt() >= 1, r.toString());
    }

    @Test
    void manyFilesAreCopiedUpToTheBound() throws IOException {
        JsonNode r = run("i=0; while [ $i -lt 10050 ]; do : > f$i; i=$((i+1)); done");
        assertEquals("ok", r.get("status").asText(), r.toString());
        JsonNode copied = r.get("copied_back");
        assertEquals(WorkdirCopy.MAX_FILES, copied.get("files").asInt(), r.toString());
        assertEquals(50, copied.get("skipped").asInt(), r.toString());
        assertEquals("files", copied.get("limit_reached").asText(), r.toString());
    }
}
