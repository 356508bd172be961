package dev.proctor.sandbox;

import static dev.proctor.testsupport.KernelAssumptions.requireKernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.launcher.LaunchConnection;
import dev.proctor.sandbox.launcher.LaunchReport;
import dev.proctor.sandbox.launcher.LaunchRequest;
import dev.proctor.sandbox.launcher.LauncherServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real launcher's spec parser: a number is decimal digits that fit in 64 bits, nothing else.
 * strtoull alone took "-1" (2^64-1: an unlimited limit), " 5", "+5" and wrapped on overflow.
 * Each spec here lacks the required keys, so a number that parses ends at "missing required key"
 * and one that does not is named as the bad key; no run is started either way.
 */
class SandboxLauncherSpecIT {

    private static final Path PROJECT =
            Path.of(System.getProperty("proctor.project-dir", ".")).toAbsolutePath();
    private static Path dir;
    private static LauncherServer launcher;

    @BeforeAll
    static void start() throws IOException {
        Path binary = PROJECT.resolve("target/native/proctor-launcher");
        requireKernel(Files.isExecutable(binary), "the launcher is not built: " + binary);
        dir = Files.createTempDirectory("proctor-spec-it");
        launcher = LauncherServer.start(binary, dir.resolve("launcher.sock"));
    }

    @AfterAll
    static void stop() throws IOException {
        if (launcher != null) {
            launcher.close();
        }
        if (dir != null) {
            Files.deleteIfExists(dir.resolve("launcher.sock"));
            Files.deleteIfExists(dir);
        }
    }

    private static String errorFor(String key, String value) {
        try (LaunchConnection conn = launcher.open(new LaunchRequest().put(key, value), -1)) {
            LaunchReport report = conn.awaitReport();
            assertNotNull(report.error(), key + "=" + value + " was accepted as a whole spec");
            return report.error();
        }
    }

    @ParameterizedTest(name = "cpu_limit_us=\"{0}\" is refused")
    @ValueSource(
            strings = {
                "-1",
                " 5",
                "5 ",
                "+5",
                "0x10",
                "1e3",
                "",
                "18446744073709551616",
                "99999999999999999999999",
                "5\t"
            })
    void malformedNumbersAreRefusedByName(String value) {
        String error = errorFor("cpu_limit_us", value);
        assertTrue(error.startsWith("step=spec ") && error.endsWith("detail=cpu_limit_us"), error);
    }

    @ParameterizedTest(name = "cpu_limit_us=\"{0}\" parses")
    @ValueSource(strings = {"0", "5", "18446744073709551615", "000123"})
    void wellFormedNumbersParse(String value) {
        assertEquals(
                "step=spec errno=22 (Invalid argument) detail=(missing required key)", errorFor("cpu_limit_us", value));
    }

    @ParameterizedTest(name = "uid_base=\"{0}\" is refused")
    @ValueSource(strings = {"-1", "0", " 1000000", "4294967296"})
    void uidBaseIsStrictToo(String value) {
        String error = errorFor("uid_base", value);
        assertTrue(error.endsWith("detail=uid_base"), error);
    }
}
