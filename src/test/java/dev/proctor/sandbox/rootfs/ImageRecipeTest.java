package dev.proctor.sandbox.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ImageRecipeTest {

    private static final String PYTHON = """
            {
              "description": "python",
              "comment": "why",
              "suite": "bookworm",
              "variant": "minbase",
              "packages": ["python3-minimal"],
              "run": ["apt-get clean"]
            }
            """;

    private static ImageRecipe parse(String text) {
        return ImageRecipe.parse("python3.json", "python3", text);
    }

    private static ImageRecipeException invalid(String text) {
        return assertThrows(ImageRecipeException.class, () -> parse(text));
    }

    @Test
    void readsEveryField() {
        ImageRecipe r = parse(PYTHON);
        assertEquals("python3", r.name());
        assertEquals("bookworm", r.suite());
        assertEquals("minbase", r.variant());
        assertEquals(List.of("python3-minimal"), r.packages());
        assertEquals(List.of("apt-get clean"), r.run());
    }

    @Test
    void runIsOptional() {
        ImageRecipe r = parse(PYTHON.replace(",\n  \"run\": [\"apt-get clean\"]", ""));
        assertEquals(List.of(), r.run());
    }

    @Test
    void keyOrderDoesNotChangeTheDigest() {
        String reordered = """
                {"run": ["apt-get clean"], "packages": ["python3-minimal"], "variant": "minbase",
                 "suite": "bookworm", "comment": "why", "description": "python"}
                """;
        assertEquals(parse(PYTHON).digest(), parse(reordered).digest());
        assertEquals(parse(PYTHON).canonicalJson(), parse(reordered).canonicalJson());
    }

    @Test
    void wordingDoesNotChangeTheDigest() {
        assertEquals(
                parse(PYTHON).digest(),
                parse(PYTHON.replace("\"why\"", "\"another reason\"")).digest());
    }

    @Test
    void anAbsentRunIsAnEmptyRun() {
        String without = PYTHON.replace(",\n  \"run\": [\"apt-get clean\"]", "");
        String empty = PYTHON.replace("[\"apt-get clean\"]", "[]");
        assertEquals(parse(without).digest(), parse(empty).digest());
    }

    @Test
    void buildInputsChangeTheDigest() {
        String digest = parse(PYTHON).digest();
        assertNotEquals(
                digest,
                parse(PYTHON.replace("[\"python3-minimal\"]", "[\"python3-minimal\", \"gcc\"]"))
                        .digest());
        assertNotEquals(digest, parse(PYTHON.replace("bookworm", "trixie")).digest());
        assertNotEquals(
                digest, parse(PYTHON.replace("\"minbase\"", "\"buildd\"")).digest());
        assertNotEquals(digest, parse(PYTHON.replace("apt-get clean", "true")).digest());
    }

    @Test
    void canonicalJsonIsPinned() {
        // a change here rebuilds every operator's images: bump BUILDER_VERSION on purpose, never by accident
        assertEquals(
                "{\"packages\":[\"python3-minimal\"],\"run\":[\"apt-get clean\"],\"suite\":\"bookworm\","
                        + "\"variant\":\"minbase\"}",
                parse(PYTHON).canonicalJson());
        assertTrue(parse(PYTHON).digest().matches("[0-9a-f]{64}"));
    }

    @Test
    void unknownFieldNamesFileLineAndField() {
        ImageRecipeException e = invalid(PYTHON.replace("\"packages\"", "\"pakages\""));
        assertEquals("pakages", e.field());
        assertTrue(e.getMessage().startsWith("python3.json:6: field 'pakages': unknown field"), e.getMessage());
    }

    @Test
    void missingFieldIsNamed() {
        ImageRecipeException e = invalid(PYTHON.replace("\"suite\": \"bookworm\",", ""));
        assertEquals("suite", e.field());
        assertTrue(e.getMessage().contains("field 'suite': missing"), e.getMessage());
    }

    @Test
    void wrongTypesAreNamed() {
        assertEquals(
                "packages",
                invalid(PYTHON.replace("[\"python3-minimal\"]", "\"python3-minimal\""))
                        .field());
        assertEquals(
                "run", invalid(PYTHON.replace("[\"apt-get clean\"]", "[1]")).field());
        assertEquals(
                "description", invalid(PYTHON.replace("\"python\"", "\"\"")).field());
    }

    @Test
    void badValuesAreRefused() {
        assertEquals(
                "variant",
                invalid(PYTHON.replace("\"minbase\"", "\"fakechroot\"")).field());
        assertEquals(
                "suite", invalid(PYTHON.replace("bookworm", "Bookworm; rm")).field());
        ImageRecipeException e = invalid(PYTHON.replace("python3-minimal", "python3,gcc"));
        assertTrue(e.getMessage().contains("[0] 'python3,gcc' is not a Debian package name"), e.getMessage());
    }

    @Test
    void duplicateKeysAndBrokenJsonAreErrors() {
        assertTrue(
                invalid(PYTHON.replace("\"suite\": \"bookworm\",", "\"suite\": \"bookworm\", \"suite\": \"trixie\","))
                        .getMessage()
                        .contains("Duplicate field 'suite'"));
        assertTrue(invalid("{\n\"suite\": }").getMessage().startsWith("python3.json:2: not valid JSON"));
    }

    @Test
    void hostAndOddNamesAreRefused() {
        assertThrows(ImageRecipeException.class, () -> ImageRecipe.parse("host.json", "host", PYTHON));
        assertThrows(ImageRecipeException.class, () -> ImageRecipe.parse("Py.json", "Py", PYTHON));
        assertThrows(ImageRecipeException.class, () -> ImageRecipe.parse("a.b.json", "a.b", PYTHON));
    }

    @Test
    void shippedRecipesAreValid() throws Exception {
        Path dir = Path.of(System.getProperty("proctor.project-dir", "."), "sandbox-profiles", "images");
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> recipes =
                    files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
            assertEquals(
                    List.of("gcc.json", "python3.json"),
                    recipes.stream().map(p -> p.getFileName().toString()).toList());
            recipes.forEach(ImageRecipe::load);
        }
        assertEquals(
                List.of("python3-minimal"),
                ImageRecipe.load(dir.resolve("python3.json")).packages());
        assertEquals(
                List.of("gcc", "libc6-dev"),
                ImageRecipe.load(dir.resolve("gcc.json")).packages());
    }
}
