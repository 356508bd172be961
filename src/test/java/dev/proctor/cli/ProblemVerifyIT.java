package dev.proctor.cli;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.config.ProjectDirs;
import dev.proctor.problems.Archives;
import dev.proctor.problems.PackageReader;
import dev.proctor.testsupport.TestStateDirs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ./proctor problem verify} on the real sandbox: the three test packages (plain with an input validator
 * and a language Proctor lacks, a custom output validator in the 2023-07 format, scoring groups) give every
 * submission its folder's verdict; a package whose "wrong answer" is right fails; an archive reads like a
 * directory.
 */
class ProblemVerifyIT {

    private static final Path PROJECT =
            Path.of(System.getProperty("proctor.project-dir", ".")).toAbsolutePath();

    private Path state;

    @BeforeAll
    static void root() {
        requireKernel("root".equals(System.getProperty("user.name")), "the sandbox needs root");
    }

    @BeforeEach
    void state() {
        state = TestStateDirs.create("verify-");
    }

    @AfterEach
    void clean() {
        TestStateDirs.removeAfterEngines(state);
    }

    private record Outcome(int exit, String out) {}

    private Outcome verify(Path pkg) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ProblemVerifyCommand.execute(
                new String[] {pkg.toString()},
                new ProjectDirs(PROJECT, state),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void everySubmissionGetsItsFoldersVerdict() {
        Outcome plain = verify(Archives.resource("plain"));
        assertEquals(0, plain.exit(), plain.out());
        assertTrue(plain.out().contains("5 as expected, 0 mismatched, 1 skipped"), plain.out());
        assertTrue(plain.out().contains("skipped (no ruby profile)"), plain.out());
        Outcome floats = verify(Archives.resource("floats"));
        assertEquals(0, floats.exit(), floats.out());
        assertTrue(floats.out().contains("2 as expected, 0 mismatched"), floats.out());
        Outcome groups = verify(Archives.resource("groups"));
        assertEquals(0, groups.exit(), groups.out());
        assertTrue(groups.out().contains("30/100"), groups.out());
    }

    @Test
    void anInteractivePackageGivesEverySubmissionItsFoldersVerdict() {
        Outcome o = verify(Archives.resource("guessing"));
        assertEquals(0, o.exit(), o.out());
        assertTrue(o.out().contains("validation custom interactive"), o.out());
        assertTrue(o.out().contains("5 as expected, 0 mismatched"), o.out());
    }

    @Test
    void aMismatchFailsAndAnArchiveReadsLikeADirectory() throws IOException {
        List<Archives.Entry> entries = new ArrayList<>(Archives.of(Archives.resource("floats"), "floats/"));
        // a "wrong answer" that is right
        entries.add(Archives.Entry.file(
                "floats/submissions/wrong_answer/right.py",
                "import math\nprint(math.sqrt(float(input())))\n".getBytes(StandardCharsets.US_ASCII)));
        Path archive = Files.createTempFile(state, "floats", ".tar.gz");
        Files.write(archive, Archives.tarGz(entries));
        Outcome o = verify(archive);
        assertEquals(1, o.exit(), o.out());
        assertTrue(o.out().contains("MISMATCH"), o.out());
        assertTrue(o.out().contains("1 mismatched"), o.out());
    }

    private static List<Path> throwawayStores(Path state) throws IOException {
        try (var list = Files.list(state)) {
            return list.filter(p -> p.getFileName().toString().startsWith("verify-"))
                    .toList();
        }
    }

    @Test
    void itGradesFromAThrowawayStoreAndRemovesIt() throws IOException {
        Path dir = Archives.resource("floats");
        String digest = PackageReader.read(dir, "floats").contentDigest();
        Outcome o = verify(dir);
        assertEquals(0, o.exit(), o.out());
        assertTrue(o.out().contains("imported into a throwaway store"), o.out());
        assertTrue(o.out().contains("version digest " + digest), o.out());
        assertEquals(List.of(), throwawayStores(state));
    }

    @Test
    void anInterruptCancelsTheRunAndRemovesTheStore() throws Exception {
        Path pkg = Files.createDirectories(state.resolve("spin"));
        Files.writeString(pkg.resolve("problem.yaml"), "name: spin\n");
        Files.createDirectories(pkg.resolve("data/secret"));
        Files.writeString(pkg.resolve("data/secret/1.in"), "1\n");
        Files.writeString(pkg.resolve("data/secret/1.ans"), "1\n");
        Files.createDirectories(pkg.resolve("submissions/accepted"));
        // measured at the 10 s limit a derived time limit starts from: time enough to interrupt it
        Files.writeString(
                pkg.resolve("submissions/accepted/spin.py"),
                "import sys\nprint('running', file=sys.stderr, flush=True)\nwhile True:\n    pass\n");
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        "-Dproctor.project-dir=" + PROJECT,
                        "dev.proctor.Main",
                        "problem",
                        "verify",
                        pkg.toString())
                .redirectErrorStream(true)
                .redirectOutput(state.resolve("verify.log").toFile());
        pb.environment().put("PROCTOR_SANDBOX_STATE_DIR", state.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!Files.readString(state.resolve("verify.log")).contains("imported into a throwaway store")) {
                assertTrue(p.isAlive(), Files.readString(state.resolve("verify.log")));
                assertTrue(System.nanoTime() < deadline, "verify never imported");
                Thread.onSpinWait();
                p.waitFor(50, TimeUnit.MILLISECONDS);
            }
            assertEquals(1, throwawayStores(state).size());
            new ProcessBuilder("kill", "-INT", String.valueOf(p.pid()))
                    .inheritIO()
                    .start()
                    .waitFor();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "verify did not stop on SIGINT");
        } finally {
            p.destroyForcibly().waitFor();
        }
        assertEquals(List.of(), throwawayStores(state), Files.readString(state.resolve("verify.log")));
    }

    @Test
    void javaSubmissionsKeepTheirFileNamesAndRunTheClassWithMain() throws IOException {
        Path pkg = Files.createDirectories(state.resolve("sum"));
        Files.writeString(pkg.resolve("problem.yaml"), "name: Sum\n");
        Files.createDirectories(pkg.resolve("data/secret"));
        Files.writeString(pkg.resolve("data/secret/1.in"), "1 2\n");
        Files.writeString(pkg.resolve("data/secret/1.ans"), "3\n");
        String read = "java.util.Scanner in = new java.util.Scanner(System.in);"
                + " long a = in.nextLong(), b = in.nextLong();";
        Path accepted = Files.createDirectories(pkg.resolve("submissions/accepted"));
        // a public class named for its file, not Main
        Files.writeString(
                accepted.resolve("Hello.java"),
                "public class Hello {\n  public static void main(String[] args) {\n    " + read
                        + "\n    System.out.println(a + b);\n  }\n}\n");
        // a directory: the class with main is not public, a helper class is
        Path solver = Files.createDirectories(accepted.resolve("solver"));
        Files.writeString(
                solver.resolve("Solver.java"),
                "class Solver {\n  public static void main(String[] args) {\n    " + read
                        + "\n    System.out.println(Util.add(a, b));\n  }\n}\n");
        Files.writeString(
                solver.resolve("Util.java"),
                "public class Util {\n  static long add(long a, long b) { return a + b; }\n}\n");
        Files.createDirectories(pkg.resolve("submissions/wrong_answer"));
        Files.writeString(
                pkg.resolve("submissions/wrong_answer/Minus.java"),
                "public final class Minus {\n  public static void main(String[] args) {\n    " + read
                        + "\n    System.out.println(a - b);\n  }\n}\n");
        Outcome o = verify(pkg);
        assertEquals(0, o.exit(), o.out());
        assertTrue(o.out().contains("3 as expected, 0 mismatched, 0 skipped"), o.out());
    }
}
