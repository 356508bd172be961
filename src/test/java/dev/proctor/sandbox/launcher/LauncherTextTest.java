package dev.proctor.sandbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.proctor.testsupport.Probes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * The launcher's bounded string builder (src/main/c/launcher/text.c: pid 1's paths and mount options,
 * built without stdio), driven through src/test/c/text_probe.c: whatever is appended (text of any
 * bytes but NUL and newline, numbers up to 2^64-1), the result is the concatenation when it fits with its
 * NUL in the buffer, and "did not fit" (ENAMETOOLONG) otherwise, exactly at the boundary snprintf drew;
 * nothing is written past the buffer.
 */
class LauncherTextTest {

    private static Path probe;

    private static synchronized Path probe() throws IOException {
        if (probe == null) {
            Path dir = Files.createTempDirectory("proctor-text-probe-");
            probe = dir.resolve("text_probe");
            Files.write(probe, Probes.binary("text_probe"));
            Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("rwx------"));
        }
        return probe;
    }

    @AfterContainer
    static void removeProbe() throws IOException {
        if (probe != null) {
            Files.deleteIfExists(probe);
            Files.deleteIfExists(probe.getParent());
        }
    }

    /** One append: text ("s") or an unsigned 64-bit number ("u"), with what it adds to the string. */
    record Part(String line, String text) {}

    @Provide
    Arbitrary<List<Part>> parts() {
        Arbitrary<Part> text = Arbitraries.strings()
                .ascii()
                .ofMaxLength(40)
                .map(s -> s.replace("\0", "").replace("\n", "").replace("\r", ""))
                .map(s -> new Part("s " + s, s));
        Arbitrary<Part> number = Arbitraries.oneOf(
                        Arbitraries.longs().between(0, Long.MAX_VALUE),
                        Arbitraries.of(0L, 9L, 10L, -1L, Long.MIN_VALUE))
                .map(n -> new Part("u " + Long.toUnsignedString(n), Long.toUnsignedString(n)));
        return Arbitraries.oneOf(text, number).list().ofMaxSize(8);
    }

    @Property(tries = 200)
    void theResultIsTheConcatenationWhenItFitsAndAnErrorOtherwise(
            @ForAll("parts") List<Part> parts, @ForAll @IntRange(min = 0, max = 200) int cap) throws Exception {
        String whole = String.join("", parts.stream().map(Part::text).toList());
        String expected = whole.length() + 1 <= cap ? "ok " + whole : "over";
        assertEquals(expected, run(cap, parts), "cap " + cap + ", parts " + parts);
    }

    @Example
    void aPathOfExactlyTheBufferLessOneFitsAndOneMoreDoesNot() throws Exception {
        List<Part> path = List.of(new Part("s /new_root", "/new_root"), new Part("s /box", "/box"));
        assertEquals("ok /new_root/box", run(14, path));
        assertEquals("over", run(13, path));
        assertEquals("over", run(0, List.of()));
        assertEquals("ok ", run(1, List.of()));
        assertEquals("ok 18446744073709551615", run(21, List.of(new Part("u 18446744073709551615", ""))));
    }

    private static String run(int cap, List<Part> parts) throws Exception {
        StringBuilder in = new StringBuilder().append(cap).append('\n');
        parts.forEach(p -> in.append(p.line()).append('\n'));
        Process p =
                new ProcessBuilder(probe().toString()).redirectErrorStream(true).start();
        try (var stdin = p.getOutputStream()) {
            stdin.write(in.toString().getBytes(StandardCharsets.US_ASCII));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("text_probe did not finish");
        }
        assertEquals(0, p.exitValue(), "text_probe exit status (3: wrote past the buffer), output " + out);
        return out.endsWith("\n") ? out.substring(0, out.length() - 1) : out;
    }
}
