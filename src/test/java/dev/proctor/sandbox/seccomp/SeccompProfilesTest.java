package dev.proctor.sandbox.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped profiles load and compile; a bad directory fails with every bad file named. */
class SeccompProfilesTest {

    static final Path SHIPPED =
            Path.of(System.getProperty("proctor.project-dir", ".")).resolve("sandbox-profiles/seccomp");

    private static final SeccompProfiles PROFILES = new SeccompProfiles(SHIPPED);

    @Test
    void shippedProfilesCompile() {
        assertEquals(List.of("default", "permissive"), PROFILES.names());
        for (String name : PROFILES.names()) {
            byte[] program = PROFILES.program(name);
            assertTrue(program.length > 0, name);
            assertEquals(0, program.length % SeccompCompiler.SOCK_FILTER_SIZE, name);
        }
    }

    @Test
    void everySyscallNameInTheShippedProfilesIsKnownToLibseccomp() {
        assertEquals(List.of(), PROFILES.warnings());
    }

    @Test
    void everyRuleSaysWhatItStops() {
        for (String name : PROFILES.names()) {
            OciSeccompProfile profile = OciSeccompParser.parse(SHIPPED.resolve(name + ".json"));
            assertTrue(profile.description().isPresent(), name);
            for (int i = 0; i < profile.syscalls().size(); i++) {
                assertTrue(
                        profile.syscalls()
                                .get(i)
                                .comment()
                                .filter(c -> c.length() > 20)
                                .isPresent(),
                        name + ".json syscalls[" + i + "] has no comment");
            }
        }
    }

    @Test
    void programIsACopy() {
        byte[] program = PROFILES.program("default");
        program[0] ^= 1;
        assertTrue(PROFILES.program("default")[0] != program[0]);
    }

    @Test
    void unknownProfileNameListsTheKnownOnes() {
        SeccompException e = assertThrows(SeccompException.class, () -> PROFILES.program("strict"));
        assertTrue(
                e.getMessage().contains("'strict'") && e.getMessage().contains("[default, permissive]"),
                e.getMessage());
    }

    @Test
    void everyBadFileIsReportedAtOnce(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("good.json"), "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
        Files.writeString(dir.resolve("bad-action.json"), "{\"defaultAction\": \"SCMP_ACT_MAYBE\"}");
        Files.writeString(
                dir.resolve("bad-arch.json"),
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_PDP11\"]}");
        Files.writeString(dir.resolve("notes.txt"), "not a profile");
        SeccompException e = assertThrows(SeccompException.class, () -> new SeccompProfiles(dir));
        String message = e.getMessage();
        assertTrue(message.startsWith("2 of 3 seccomp profiles in " + dir), message);
        assertTrue(message.contains("bad-action.json: defaultAction: unknown action"), message);
        assertTrue(message.contains("bad-arch.json: architectures[0]: SCMP_ARCH_PDP11"), message);
    }

    @Test
    void missingOrEmptyDirectoryIsAnError(@TempDir Path dir) {
        assertTrue(assertThrows(SeccompException.class, () -> new SeccompProfiles(dir.resolve("absent")))
                .getMessage()
                .contains("directory not found"));
        assertTrue(assertThrows(SeccompException.class, () -> new SeccompProfiles(dir))
                .getMessage()
                .contains("no *.json seccomp profiles"));
    }
}
