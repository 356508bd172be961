package dev.proctor.grading;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.proctor.config.SandboxConfig;
import dev.proctor.profiles.LimitSet;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Grader} on the real kernel: every test runs on a copy-on-write view of the job's work directory (the
 * compile step on the directory itself), so no test sees what an earlier one wrote (it cannot rewrite the
 * program or leave state), and what a test writes changes no verdict. Limits the tests are
 * not about are far above what the programs need.
 */
class GraderIT {

    static final Path PROJECT = Path.of(System.getProperty("proctor.project-dir", "."))
            .toAbsolutePath()
            .normalize();
    /** 10 s CPU, 30 s wall: a busy machine never turns these into a limit. */
    static final LimitSet ROOMY = new LimitSet(10_000L, 30_000L, 256L, 64, 1024L, 64L);

    static Path stateDir;
    static LinuxSandboxEngine real;
    static Map<String, Profile> profiles;

    /** The runs of the current test, in order: whether each one's /box was a copy-on-write view. */
    final Recording engine = new Recording();

    final Grader grader = new Grader();

    @BeforeAll
    static void start() {
        requireKernel(
                Syscalls.isRoot() && "Linux".equals(System.getProperty("os.name")),
                "the sandbox needs root on Linux (namespaces, cgroups, overlay mounts)");
        List<String> problems = new ArrayList<>();
        profiles = ProfileRegistry.loadAll(PROJECT.resolve("sandbox-profiles/languages"), problems).stream()
                .collect(Collectors.toMap(Profile::name, Function.identity()));
        assertEquals(List.of(), problems);
        stateDir = TestStateDirs.create("grader-");
        real = LinuxSandboxEngine.start(EngineConfig.forProject(PROJECT, stateDir));
    }

    @AfterAll
    static void stop() throws IOException {
        if (real != null) {
            real.close();
        }
        TestStateDirs.removeAfterEngines(stateDir);
    }

    @BeforeEach
    void wire() {
        grader.engine = engine;
        grader.profiles = new ProfileRegistry() {
            @Override
            public Optional<Profile> find(String name) {
                return Optional.ofNullable(profiles.get(name));
            }

            @Override
            public Collection<Profile> all() {
                return profiles.values();
            }
        };
        grader.caps = new OutputCaps(64 * 1024, 64 * 1024);
        grader.sandboxConfig = new SandboxConfig() {
            @Override
            public Optional<Path> projectDir() {
                return Optional.of(PROJECT);
            }

            @Override
            public Path stateDir() {
                return stateDir;
            }

            @Override
            public Duration sampleInterval() {
                return Duration.ZERO;
            }

            @Override
            public long diskReadBytesPerSecond() {
                return dev.proctor.sandbox.cgroups.DiskReadLimit.DEFAULT_BYTES_PER_SECOND;
            }

            @Override
            public long diskReadOpsPerSecond() {
                return dev.proctor.sandbox.cgroups.DiskReadLimit.DEFAULT_OPS_PER_SECOND;
            }
        };
    }

    /**
     * A program that, when it finds no marker, leaves one, replaces ./main with a program printing something
     * else, and prints "first"; when it finds the marker it prints "again". Every test expects "first": each
     * must see the compile step's files afresh.
     */
    @Test
    void noTestSeesAnEarlierTestsWrites() {
        String src = """
                #include <stdio.h>
                #include <sys/stat.h>
                #include <unistd.h>
                int main(void) {
                    if (access("seen", F_OK) == 0) { puts("again"); return 0; }
                    FILE *f = fopen("seen", "w");
                    if (f) fclose(f);
                    unlink("main");
                    f = fopen("main", "w");
                    if (f) { fputs("#!/bin/sh\\necho hijacked\\n", f); fclose(f); }
                    chmod("main", 0755);
                    puts("first");
                    return 0;
                }
                """;
        GradeResult r = grader.grade(job("c", src, 4, "first\n", false), Cancellation.none());
        assertEquals(Verdict.ACCEPTED, r.verdict(), () -> describe(r));
        // the compile step on the directory itself, every test on a view
        assertEquals(List.of(false, true, true, true, true), engine.views, () -> describe(r));
    }

    /** A one-test job runs its only test on a view too, and its writes (it removes ./main.sh) change nothing. */
    @Test
    void theOnlyTestOfAJobRunsOnAViewAndItsWritesChangeNoVerdict() {
        GradeResult r = grader.grade(
                job("bash", "rm -f main.sh; echo gone > seen; echo hi\n", 1, "hi\n", false), Cancellation.none());
        assertEquals(Verdict.ACCEPTED, r.verdict(), () -> describe(r));
        assertEquals(List.of(true), engine.views);
    }

    /** Stopping at the first failure: the failing test ran on a view, and the tests after it do not run. */
    @Test
    void aJobStoppedEarlyRanItsTestsOnViews() {
        GradeResult r = grader.grade(job("bash", "echo hi > seen; echo hi\n", 3, "bye\n", true), Cancellation.none());
        assertEquals(Verdict.WRONG_ANSWER, r.verdict(), () -> describe(r));
        assertEquals(List.of(true), engine.views);
    }

    /**
     * Interactive tests: the submission leaves a marker and, finding one, gives up at once (a wrong answer);
     * every test is accepted, so none saw an earlier one's marker.
     */
    @Test
    void interactiveTestsEachSeeTheFilesAfresh() throws IOException {
        byte[] guess = java.nio.file.Files.readAllBytes(PROJECT.resolve("src/test/resources/interactive/guess.py"));
        String src = "import os, sys\nif os.path.exists('seen'):\n    sys.exit(0)\nopen('seen', 'w').close()\n"
                + new String(guess, StandardCharsets.UTF_8);
        byte[] interactor =
                java.nio.file.Files.readAllBytes(PROJECT.resolve("src/test/resources/interactive/guess_testlib.py"));
        Profile py = profiles.get("python3");
        List<JobSpec.SpecTest> tests = new ArrayList<>();
        for (String secret : List.of("1", "777", "999999")) {
            tests.add(new JobSpec.SpecTest("t" + secret, utf8(secret + " 25"), null, ROOMY, 1.0));
        }
        JobSpec spec = new JobSpec(
                "python3",
                List.of(new JobSpec.SpecFile(py.sourceFile(), utf8(src))),
                tests,
                null,
                new JobSpec.Checker(CheckerType.TRIMMED, 0, 0, null, List.of(), null),
                false,
                null,
                null,
                List.of(),
                new JobSpec.Interactor(
                        InteractorProtocol.TESTLIB,
                        "python3",
                        List.of(new JobSpec.SpecFile(py.sourceFile(), interactor)),
                        ROOMY,
                        null),
                null);
        GradeResult r = grader.grade(spec, Cancellation.none());
        assertEquals(Verdict.ACCEPTED, r.verdict(), () -> describe(r));
        // the submission's side of each joined pair: a view each time
        assertEquals(List.of(true, true, true), engine.joinedViews, () -> describe(r));
    }

    private static JobSpec job(String profile, String source, int tests, String expected, boolean stopEarly) {
        List<JobSpec.SpecTest> ts = new ArrayList<>();
        for (int i = 0; i < tests; i++) {
            ts.add(new JobSpec.SpecTest("t" + i, new byte[0], utf8(expected), ROOMY, 1.0));
        }
        return new JobSpec(
                profile,
                List.of(new JobSpec.SpecFile(profiles.get(profile).sourceFile(), utf8(source))),
                ts,
                profiles.get(profile).compiles() ? ROOMY : null,
                new JobSpec.Checker(CheckerType.EXACT, 0, 0, null, List.of(), null),
                stopEarly,
                null,
                null,
                List.of(),
                null,
                null);
    }

    private static String describe(GradeResult r) {
        StringBuilder b =
                new StringBuilder(String.valueOf(r.verdict())).append(' ').append(r.error());
        for (JobResult.TestOutcome t : r.result().tests()) {
            b.append("\n  ")
                    .append(t.name())
                    .append(' ')
                    .append(t.verdict())
                    .append(" stdout=")
                    .append(new String(t.stdout(), StandardCharsets.UTF_8).strip())
                    .append(" stderr=")
                    .append(new String(t.stderr(), StandardCharsets.UTF_8).strip())
                    .append(' ')
                    .append(t.message());
        }
        return b.toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static boolean view(Workdir w) {
        return w instanceof TmpfsWorkdir t && t.isCopyOnWrite();
    }

    /** The real engine, noting for each run whether its work dir was a copy-on-write view. */
    private static final class Recording implements SandboxEngine {
        final List<Boolean> views = Collections.synchronizedList(new ArrayList<>());
        final List<Boolean> joinedViews = Collections.synchronizedList(new ArrayList<>());

        @Override
        public Workdir createWorkdir(long sizeBytes) {
            return real.createWorkdir(sizeBytes);
        }

        @Override
        public RunResult run(RunSpec spec, Cancellation cancellation) {
            views.add(view(spec.workdir()));
            return real.run(spec, cancellation);
        }

        @Override
        public JoinedRuns runJoined(RunSpec first, RunSpec second, Cancellation cancellation) {
            joinedViews.add(view(first.workdir()));
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
