package dev.proctor.problems;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.grading.Verdict;
import dev.proctor.profiles.Profile;
import dev.proctor.profiles.ProfileRegistry;
import dev.proctor.sandbox.Cancellation;
import dev.proctor.sandbox.EngineConfig;
import dev.proctor.sandbox.LinuxSandboxEngine;
import dev.proctor.sandbox.linux.Syscalls;
import dev.proctor.testsupport.TestStateDirs;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * An interactive problem whose test input is large (64 MiB, generated) grades with the input streamed from the
 * node's cache file, never read into the service: the interactor's run is shown the cached file itself. Checked
 * two ways: the interactor reports the device and inode of the input it opened, which are the cache file's on the
 * host (the same file, not a copy); and the grading thread allocates far less than the input's size while it
 * grades (a {@code byte[]} of the input, as the service built before, is 64 MiB in that thread alone).
 */
class InteractiveLargeInputIT {

    static final Path PROJECT = Path.of(System.getProperty("proctor.project-dir", "."))
            .toAbsolutePath()
            .normalize();
    static final int INPUT_MIB = 64;
    /** What the grading thread may allocate for one test: a quarter of the input. */
    static final long ALLOCATION_BOUND = INPUT_MIB * 1024L * 1024 / 4;

    static final String INTERACTOR = """
            /* Kattis interactor: sends the secret (the input's first number), expects it back; reports
               the path, size, device and inode of the input file it was given in judgemessage.txt. */
            #include <stdio.h>
            #include <sys/stat.h>
            int main(int argc, char **argv) {
                struct stat st;
                long secret, got = -1;
                char path[4096];
                if (argc < 4) return 2;
                FILE *in = fopen(argv[1], "r");
                if (!in || fscanf(in, "%ld", &secret) != 1 || fstat(fileno(in), &st) < 0) return 2;
                printf("%ld\\n", secret);
                fflush(stdout);
                int ok = scanf("%ld", &got) == 1 && got == secret;
                snprintf(path, sizeof path, "%sjudgemessage.txt", argv[3]);
                FILE *msg = fopen(path, "w");
                if (!msg) return 2;
                fprintf(msg, "%s %lld %llu:%llu\\n", argv[1], (long long)st.st_size,
                        (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
                fclose(msg);
                return ok ? 42 : 43;
            }
            """;

    static final String ECHO = """
            #include <stdio.h>
            int main(void) { long x; if (scanf("%ld", &x) != 1) return 1; printf("%ld\\n", x); return 0; }
            """;

    @Test
    void aLargeInteractiveInputIsShownToTheInteractorFromTheCacheNotReadIntoTheService() throws IOException {
        requireKernel(
                Syscalls.isRoot() && "Linux".equals(System.getProperty("os.name")),
                "the sandbox needs root on Linux (namespaces, cgroups, overlay mounts)");
        Path state = TestStateDirs.create("interactive-large-");
        Path pkgDir = Files.createTempDirectory("proctor-large-interactive-");
        List<TestFileCache.Lease> leases = new ArrayList<>();
        try (LinuxSandboxEngine engine = LinuxSandboxEngine.start(EngineConfig.forProject(PROJECT, state))) {
            writePackage(pkgDir);
            ProblemPackage pkg = PackageReader.read(pkgDir, "large");
            assertTrue(pkg.interactive());
            // the node's cache, filled from the package's files (the service fills it from PostgreSQL)
            Map<String, Path> bySha = pkg.files().stream()
                    .collect(Collectors.toMap(PackageFile::sha256, f -> pkgDir.resolve(f.path()), (a, b) -> a));
            TestFileCache cache =
                    new TestFileCache(state.resolve("cache"), 1L << 30, (sha, out) -> copy(bySha, sha, out));
            Map<String, Path> leased = new HashMap<>();
            Function<PackageFile, Path> locate = f -> leased.computeIfAbsent(f.sha256(), d -> {
                TestFileCache.Lease l = cache.get(d, f.size());
                leases.add(l);
                return l.path();
            });
            List<String> problems = new ArrayList<>();
            Map<String, Profile> profiles =
                    ProfileRegistry.loadAll(PROJECT.resolve("sandbox-profiles/languages"), problems).stream()
                            .collect(Collectors.toMap(Profile::name, Function.identity()));
            assertEquals(List.of(), problems);
            PackagePrograms programs =
                    new PackagePrograms(engine, name -> Optional.ofNullable(profiles.get(name)), Duration.ZERO);
            TestNode.TestCase big = pkg.data().cases().get(0);
            Path cached = locate.apply(big.input()); // filled before the measure: the fill streams too
            locate.apply(big.answer());
            PackageSubmission echo = pkg.submissions().get(0);
            try (PackagePrograms.Built validator = programs.build(
                                    pkg.outputValidator(), pkg.filesUnder(pkg.outputValidator()), locate, null)
                            .orElseThrow();
                    PackagePrograms.Built submission = programs.build(echo.path(), echo.files(), locate, null)
                            .orElseThrow()) {
                assertTrue(validator.ok() && submission.ok());
                com.sun.management.ThreadMXBean threads =
                        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                long before = threads.getCurrentThreadAllocatedBytes();
                ProblemGrader.Result r = new ProblemGrader(programs)
                        .grade(
                                pkg,
                                locate,
                                submission,
                                validator,
                                new ProblemGrader.Settings(Duration.ofSeconds(5), true),
                                Cancellation.none());
                long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                System.out.printf(
                        "interactive test with a %d MiB input: grading thread allocated %.1f MiB%n",
                        INPUT_MIB, allocated / 1048576.0);
                ProblemGrader.TestResult t = r.tests().get(0);
                assertEquals(Verdict.ACCEPTED, r.verdict(), () -> t.verdict() + " " + t.judgeMessage());
                long size = Files.size(cached);
                Object dev = Files.getAttribute(cached, "unix:dev");
                Object ino = Files.getAttribute(cached, "unix:ino");
                assertEquals("/input " + size + " " + dev + ":" + ino + "\n", t.judgeMessage());
                assertTrue(
                        allocated < ALLOCATION_BOUND,
                        "the grading thread allocated " + allocated + " bytes for a " + size + "-byte input");
            }
        } finally {
            leases.forEach(TestFileCache.Lease::close);
            TestStateDirs.removeAfterEngines(state);
            deleteTree(pkgDir);
        }
    }

    private static boolean copy(Map<String, Path> bySha, String sha, OutputStream out) throws IOException {
        Path p = bySha.get(sha);
        if (p == null) {
            return false;
        }
        Files.copy(p, out);
        return true;
    }

    /** The package: the secret 4242 on the input's first line, then 64 MiB of lines the interactor never reads. */
    private static void writePackage(Path dir) throws IOException {
        write(dir, "problem.yaml", "name: Large interactive input\nvalidation: custom interactive\n");
        write(dir, "output_validators/check/check.c", INTERACTOR);
        write(dir, "submissions/accepted/echo.c", ECHO);
        write(dir, "data/secret/big.ans", "4242\n");
        Path in = dir.resolve("data/secret/big.in");
        byte[] line = new byte[1024 * 1024];
        Arrays.fill(line, (byte) '.');
        line[line.length - 1] = '\n';
        try (OutputStream out = Files.newOutputStream(in)) {
            out.write("4242\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < INPUT_MIB; i++) {
                out.write(line);
            }
        }
    }

    private static void write(Path dir, String path, String content) throws IOException {
        Path p = dir.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
