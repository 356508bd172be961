package dev.proctor.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.profiles.Profile;
import dev.proctor.profiles.ProfileRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileFilesTest {

    @Test
    void shippedProfilesAreValid() {
        List<String> problems = new ArrayList<>();
        List<Profile> all = ProfileRegistry.loadAll(
                Path.of(System.getProperty("proctor.project-dir", ".")).resolve("sandbox-profiles/languages"),
                problems);
        assertEquals(List.of(), problems);
        assertTrue(all.stream().map(Profile::name).toList().containsAll(List.of("python3", "c", "cpp", "bash")));
    }

    @Test
    void problemsNameFileLineAndField(@TempDir Path dir) throws IOException {
        Files.writeString(
                dir.resolve("bad.json"),
                "{\n  \"name\": \"bad\",\n  \"source_file\": \"a.x\",\n"
                        + "  \"run\": {\"argv\": [\"x\"]},\n  \"colour\": 1\n}\n");
        Files.writeString(
                dir.resolve("worse.json"),
                "{\n  \"name\": \"worse\",\n  \"source_file\": \"a.x\",\n" + "  \"run\": {\"argv\": []}\n}\n");
        List<String> problems = new ArrayList<>();
        ProfileRegistry.loadAll(dir, problems);
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("bad.json:5") && problems.get(0).contains("colour"), problems.get(0));
        assertTrue(problems.get(1).contains("worse.json:4") && problems.get(1).contains("run"), problems.get(1));
    }

    @Test
    void aMistypedPlaceholderNamesFileLineAndField(@TempDir Path dir) throws IOException {
        Files.writeString(
                dir.resolve("java.json"),
                "{\n  \"name\": \"java\",\n  \"source_file\": \"Main.java\",\n"
                        + "  \"run\": {\n    \"argv\": [\"java\", \"-Xmx{heap_mbb}m\", \"Main\"],\n"
                        + "    \"limits\": {\"default\": {}, \"maximum\": {}}\n  }\n}\n");
        List<String> problems = new ArrayList<>();
        ProfileRegistry.loadAll(dir, problems);
        assertTrue(
                problems.stream()
                        .anyMatch(p -> p.contains("java.json:5") && p.contains("run.argv") && p.contains("{heap_mbb}")),
                problems.toString());
    }
}
