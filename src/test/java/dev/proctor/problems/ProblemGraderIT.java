package dev.proctor.problems;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.grading.Verdict;
import dev.proctor.profiles.Profile;
import dev.proctor.profiles.ProfileRegistry;
import dev.proctor.sandbox.Cancellation;
import dev.proctor.sandbox.EngineConfig;
import dev.proctor.sandbox.EngineInfo;
import dev.proctor.sandbox.JoinedRuns;
import dev.proctor.sandbox.LinuxSandboxEngine;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunSpec;
import dev.proctor.sandbox.SandboxEngine;
import dev.proctor.sandbox.Workdir;
import dev.proctor.sandbox.linux.Syscalls;
import dev.proctor.sandbox.rootfs.TmpfsWorkdir;
import dev.proctor.testsupport.TestStateDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A problem package's tests, in its groups' order, each see the submission's compiled files afresh: each on a
 * copy-on-write view of the submission's directory (the last here in a nested group). A submission that leaves a marker and replaces its own
 * program on its first run would fail every later test if one saw it.
 */
class ProblemGraderIT {

    static final Path PROJECT = Path.of(System.getProperty("proctor.project-dir", "."))
            .toAbsolutePath()
            .normalize();

    static final String MARKER = """
            #include <stdio.h>
            #include <sys/stat.h>
            #include <unistd.h>
            int main(void) {
                long x;
                if (scanf("%ld", &x) != 1) return 1;
                if (access("seen", F_OK) == 0) { puts("again"); return 0; }
                FILE *f = fopen("seen", "w");
                if (f) fclose(f);
                unlink("main");
                f = fopen("main", "w");
                if (f) { fputs("#!/bin/sh\\necho hijacked\\n", f); fclose(f); }
                chmod("main", 0755);
                printf("%ld\\n", x);
                return 0;
            }
            """;

    @Test
    void everyTestSeesTheCompiledFilesAfresh() throws IOException {
        requireKernel(
                Syscalls.isRoot() && "Linux".equals(System.getProperty("os.name")),
                "the sandbox needs root on Linux (namespaces, cgroups, overlay mounts)");
        Path state = TestStateDirs.create("problem-grader-");
        Path pkgDir = Files.createTempDirectory("proctor-problem-grader-");
        List<TestFileCache.Lease> leases = new ArrayList<>();
        try (LinuxSandboxEngine real = LinuxSandboxEngine.start(EngineConfig.forProject(PROJECT, state))) {
            write(pkgDir, "problem.yaml", "name: Marker\ntype: scoring\n");
            write(pkgDir, "submissions/accepted/marker.c", MARKER);
            write(pkgDir, "data/sample/1.in", "1\n");
            write(pkgDir, "data/sample/1.ans", "1\n");
            write(pkgDir, "data/secret/a/2.in", "2\n");
            write(pkgDir, "data/secret/a/2.ans", "2\n");
            write(pkgDir, "data/secret/b/3.in", "3\n");
            write(pkgDir, "data/secret/b/3.ans", "3\n");
            write(pkgDir, "data/secret/b/4.in", "4\n");
            write(pkgDir, "data/secret/b/4.ans", "4\n");
            ProblemPackage pkg = PackageReader.read(pkgDir, "marker");
            Map<String, Path> bySha = pkg.files().stream()
                    .collect(Collectors.toMap(PackageFile::sha256, f -> pkgDir.resolve(f.path()), (a, b) -> a));
            TestFileCache cache = new TestFileCache(state.resolve("cache"), 1L << 30, (sha, out) -> {
                Path p = bySha.get(sha);
                if (p == null) {
                    return false;
                }
                Files.copy(p, out);
                return true;
            });
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
            Recording engine = new Recording(real);
            PackagePrograms programs =
                    new PackagePrograms(engine, name -> Optional.ofNullable(profiles.get(name)), Duration.ZERO);
            PackageSubmission s = pkg.submissions().get(0);
            try (PackagePrograms.Built b =
                    programs.build(s.path(), s.files(), locate, null).orElseThrow()) {
                assertTrue(b.ok());
                ProblemGrader.Result r = new ProblemGrader(programs)
                        .grade(
                                pkg,
                                locate,
                                b,
                                null,
                                new ProblemGrader.Settings(Duration.ofSeconds(5), false),
                                Cancellation.none());
                StringBuilder why = new StringBuilder();
                r.tests()
                        .forEach(t -> why.append(t.name())
                                .append(' ')
                                .append(t.verdict())
                                .append(' ')
                                .append(t.judgeMessage())
                                .append('\n'));
                assertEquals(Verdict.ACCEPTED, r.verdict(), why::toString);
                assertEquals(4, r.tests().size(), why::toString);
                // the compile step on the directory itself, then the four tests, each on a view
                assertEquals(List.of(false, true, true, true, true), engine.views);
            }
        } finally {
            leases.forEach(TestFileCache.Lease::close);
            TestStateDirs.removeAfterEngines(state);
            try (var walk = Files.walk(pkgDir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void write(Path dir, String path, String content) throws IOException {
        Path p = dir.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    /** The real engine, noting for each run whether its work dir was a copy-on-write view. */
    private static final class Recording implements SandboxEngine {
        final SandboxEngine real;
        final List<Boolean> views = Collections.synchronizedList(new ArrayList<>());

        Recording(SandboxEngine real) {
            this.real = real;
        }

        @Override
        public Workdir createWorkdir(long sizeBytes) {
            return real.createWorkdir(sizeBytes);
        }

        @Override
        public RunResult run(RunSpec spec, Cancellation cancellation) {
            views.add(spec.workdir() instanceof TmpfsWorkdir t && t.isCopyOnWrite());
            return real.run(spec, cancellation);
        }

        @Override
        public JoinedRuns runJoined(RunSpec first, RunSpec second, Cancellation cancellation) {
            return real.runJoined(first, second, cancellation);
        }

        @Override
        public EngineInfo info() {
            return real.info();
        }

        @Override
        public void close() {}
    }
}
