package dev.proctor.sandbox.rootfs;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.EngineConfig;
import dev.proctor.sandbox.ImageRecords;
import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.LinuxSandboxEngine;
import dev.proctor.sandbox.NetworkMode;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunSpec;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.Stdin;
import dev.proctor.sandbox.Workdir;
import dev.proctor.sandbox.linux.Syscalls;
import dev.proctor.testsupport.TestStateDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The real thing: debootstrap builds the shipped python3 recipe into a fresh state dir (a download
 * of about 30 MB from the default Debian mirror), a second build is reused, and the built image
 * runs the same hello world as the host image.
 */
class ImageBuildIT {

    /** A reuse only compares digests; a rebuild downloads and unpacks for most of a minute. */
    private static final Duration REUSE_IS_FAST = Duration.ofSeconds(10);

    private final Path project = Path.of(System.getProperty("proctor.project-dir", "."));
    private Path state;

    @AfterEach
    void removeState() {
        TestStateDirs.removeAfterEngines(state);
    }

    @Test
    void buildsOnceRunsLikeTheHostImage() throws IOException {
        requireKernel(Syscalls.isRoot(), "not root: debootstrap and the sandbox need root");
        requireKernel(DebootstrapBuilder.available(), "debootstrap is not installed (apt-get install debootstrap)");
        state = TestStateDirs.create("image-");
        Files.setAttribute(state, "unix:mode", 0711);
        ImageStore store = new ImageStore(
                state.resolve("images"), project.resolve("sandbox-profiles/images"), ImageRecords.readOnly(state));

        ImageStore.Build first = store.build("python3", line -> System.err.println("image python3: " + line));
        assertFalse(first.reused());
        System.err.printf(
                "python3 image built in %.1f s, %.1f MB%n", first.took().toMillis() / 1000.0, first.sizeBytes() / 1e6);

        ImageStore.Build second = store.build("python3", line -> System.err.println("image python3: " + line));
        assertTrue(second.reused());
        assertEquals(first.digest(), second.digest());
        assertTrue(second.took().compareTo(REUSE_IS_FAST) < 0, "reuse took " + second.took());
        try (Stream<Path> dirs = Files.list(state.resolve("images/python3"))) {
            assertEquals(
                    List.of(first.digest()),
                    dirs.map(p -> p.getFileName().toString())
                            .filter(n -> n.matches("[0-9a-f]{64}"))
                            .toList());
        }

        try (LinuxSandboxEngine engine = LinuxSandboxEngine.start(EngineConfig.forProject(project, state))) {
            assertTrue(
                    engine.info().images().contains("python3"),
                    engine.info().images().toString());
            for (String image : List.of("python3", "host")) {
                RunResult r = hello(engine, image);
                assertEquals(
                        RunStatus.OK,
                        r.status(),
                        image + ": " + r.message() + " / " + new String(r.stderr(), StandardCharsets.UTF_8));
                assertEquals("hello\n", new String(r.stdout(), StandardCharsets.UTF_8), image);
            }
        }
    }

    private static RunResult hello(LinuxSandboxEngine engine, String image) {
        try (Workdir workdir = engine.createWorkdir(16 * Limits.MIB)) {
            RunSpec spec = new RunSpec(
                    image,
                    List.of("python3", "-c", "print('hello')"),
                    Map.of("PATH", RunSpec.DEFAULT_PATH, "HOME", "/box", "LANG", "C.UTF-8"),
                    workdir,
                    Stdin.empty(),
                    Limits.defaults(),
                    "default",
                    NetworkMode.NONE,
                    Duration.ZERO);
            return engine.run(spec);
        }
    }
}
