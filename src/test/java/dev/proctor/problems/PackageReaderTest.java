package dev.proctor.problems;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.core.Rejection;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three packages of src/test/resources/problems read into their model, and what is refused. */
class PackageReaderTest {

    @TempDir
    Path tmp;

    @Test
    void plainLegacyPackage() {
        ProblemPackage p = PackageReader.read(Archives.resource("plain"), "plain");
        assertEquals("Add Two", p.name());
        assertEquals(FormatVersion.LEGACY, p.format());
        assertEquals(Set.of(ProblemType.PASS_FAIL), p.types());
        assertFalse(p.validation().custom());
        assertEquals(4.0, p.limits().acToTimeLimit());
        assertEquals(2.0, p.limits().timeLimitToTle());
        assertEquals(256, p.limits().memoryMiB());
        assertEquals(
                List.of("sample/01", "secret/01-zero", "secret/02-big", "secret/03"),
                p.data().cases().stream().map(TestNode::name).toList());
        assertEquals(List.of("input_validators/range"), p.inputValidators());
        assertNull(p.outputValidator());
        assertEquals(
                List.of(
                        "accepted/submissions/accepted/add.c",
                        "accepted/submissions/accepted/add.py",
                        "accepted/submissions/accepted/add.rb",
                        "run_time_error/submissions/run_time_error/crash.py",
                        "time_limit_exceeded/submissions/time_limit_exceeded/spin.py",
                        "wrong_answer/submissions/wrong_answer/overflow.c"),
                p.submissions().stream().map(s -> s.category() + "/" + s.path()).toList());
        TestNode.TestCase big = p.data().cases().get(2);
        assertEquals("data/secret/02-big.in", big.input().path());
        assertEquals(22, big.input().size());
        assertEquals(64, big.input().sha256().length());
    }

    @Test
    void customValidatorIn2023Format() {
        ProblemPackage p = PackageReader.read(Archives.resource("floats"), "floats");
        assertEquals("Any Square Root", p.name());
        assertEquals(FormatVersion.V2023_07, p.format());
        assertTrue(p.validation().custom());
        assertEquals("output_validator", p.outputValidator());
        assertEquals(3.0, p.limits().acToTimeLimit());
        assertEquals(2.0, p.limits().timeLimitToTle());
        assertEquals(512, p.limits().memoryMiB());
    }

    @Test
    void scoringGroupsInheritAndOverride() {
        ProblemPackage p = PackageReader.read(Archives.resource("groups"), "groups");
        assertTrue(p.scoring());
        assertEquals(List.of("space_change_sensitive"), p.validation().flags());
        List<TestNode.TestGroup> groups = p.data().groups();
        assertEquals(
                List.of("", "sample", "secret", "secret/group1", "secret/group2"),
                groups.stream().map(TestNode::name).toList());
        assertEquals(GroupGrading.OnReject.GRADE, groups.get(0).grading().onReject());
        assertEquals(0.0, groups.get(1).grading().acceptScore());
        assertEquals(GroupGrading.Aggregation.SUM, groups.get(2).grading().aggregation());
        assertEquals(GroupGrading.OnReject.GRADE, groups.get(3).grading().onReject());
        assertEquals(GroupGrading.Aggregation.MIN, groups.get(3).grading().aggregation());
        assertEquals(30.0, groups.get(3).grading().acceptScore());
        assertEquals(70.0, groups.get(4).grading().acceptScore());
    }

    @Test
    void theDigestDependsOnContentNotOnArchiving() throws IOException {
        Path plain = Archives.resource("plain");
        String direct = PackageReader.read(plain, "x").contentDigest();
        Path a = Files.createDirectory(tmp.resolve("a"));
        Path rootA = PackageArchive.extract(
                new ByteArrayInputStream(Archives.tarGz(Archives.of(plain, "add-two/"))), a, ArchiveLimits.defaults());
        Path b = Files.createDirectory(tmp.resolve("b"));
        Path rootB = PackageArchive.extract(
                new ByteArrayInputStream(Archives.zip(Archives.of(plain, ""))), b, ArchiveLimits.defaults());
        assertEquals(direct, PackageReader.read(rootA, "x").contentDigest());
        assertEquals(direct, PackageReader.read(rootB, "x").contentDigest());
        Files.writeString(rootB.resolve("data/secret/03.ans"), "43\n");
        assertFalse(direct.equals(PackageReader.read(rootB, "x").contentDigest()));
    }

    @Test
    void refusals() throws IOException {
        assertRefused("data/secret/1.in has no data/secret/1.ans", Set.of("data/secret/1.in"));
        assertRefused("no test cases", Set.of("data/secret/readme.txt"));
        assertRefused("custom validator", Set.of("data/secret/1.in", "data/secret/1.ans"), "validation: custom\n");
        assertRefused(
                "time_multiplier must be positive",
                Set.of("data/1.in", "data/1.ans"),
                "limits: {time_multiplier: -1}\n");
        assertRefused("not valid YAML", Set.of("data/1.in", "data/1.ans"), "name: [unclosed\n");
        assertRefused("not supported", Set.of("data/1.in", "data/1.ans"), "problem_format_version: 1999\n");
        assertRefused(
                "grader flag bogus is unknown",
                Set.of("data/1.in", "data/1.ans", "data/testdata.yaml"),
                "",
                "grader_flags: bogus\n");
    }

    @Test
    void aBillionLaughsIsNotExpanded() throws IOException {
        // Jackson reads YAML as events: aliases are not expanded into a tree, so this reads at once
        StringBuilder laughs = new StringBuilder("a: &a [x,x,x,x,x,x,x,x,x,x]\n");
        for (char c = 'b'; c <= 'k'; c++) {
            laughs.append(c).append(": &").append(c).append(" [");
            for (int i = 0; i < 10; i++) {
                laughs.append(i == 0 ? "" : ",").append('*').append((char) (c - 1));
            }
            laughs.append("]\n");
        }
        Path root = Files.createDirectory(tmp.resolve("laughs"));
        Files.writeString(root.resolve("problem.yaml"), laughs + "name: laughing\n");
        Files.createDirectories(root.resolve("data"));
        Files.writeString(root.resolve("data/1.in"), "1\n");
        Files.writeString(root.resolve("data/1.ans"), "1\n");
        assertEquals("laughing", PackageReader.read(root, "x").name());
    }

    private void assertRefused(String expected, Set<String> files) throws IOException {
        assertRefused(expected, files, "name: x\n");
    }

    private void assertRefused(String expected, Set<String> files, String problemYaml) throws IOException {
        assertRefused(expected, files, problemYaml, null);
    }

    private void assertRefused(String expected, Set<String> files, String problemYaml, String testdata)
            throws IOException {
        Path root = Files.createTempDirectory(tmp, "p");
        Files.writeString(root.resolve("problem.yaml"), problemYaml);
        for (String f : files) {
            Path p = root.resolve(f);
            Files.createDirectories(p.getParent());
            Files.write(p, (f.endsWith("testdata.yaml") ? testdata : "1\n").getBytes(StandardCharsets.UTF_8));
        }
        Rejection r = assertThrows(Rejection.class, () -> PackageReader.read(root, "x"));
        assertTrue(r.getMessage().contains(expected), r.getMessage());
        assertTrue(r.field() != null && !r.field().isBlank());
    }

    @Test
    void derivedTimeLimit() {
        ProblemLimits l = PackageReader.read(Archives.resource("floats"), "x").limits();
        assertEquals(Duration.ofSeconds(1), l.derive(Duration.ofMillis(100)));
        assertEquals(Duration.ofSeconds(2), l.derive(Duration.ofMillis(400)));
        assertEquals(Duration.ofSeconds(4), l.widened(Duration.ofSeconds(2)));
        // problemtools: max(1, ceil(slowest × ac_to_time_limit / time_resolution)) × time_resolution
        ProblemLimits fine = new ProblemLimits(java.util.Optional.empty(), 5, 2, Duration.ofMillis(100), 1024, 8, 128);
        assertEquals(Duration.ofMillis(100), fine.derive(Duration.ofMillis(10)));
        assertEquals(Duration.ofMillis(700), fine.derive(Duration.ofMillis(123)));
        assertEquals(Duration.ofMillis(500), fine.derive(Duration.ofMillis(100)));
    }
}
