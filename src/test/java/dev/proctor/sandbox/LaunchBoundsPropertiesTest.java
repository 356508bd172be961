package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.launcher.LaunchRequest;
import dev.proctor.testsupport.ScriptedSandboxEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The engine refuses, by name, a spec the launcher could not take (its lists' bounds, NUL, environment names),
 * and refuses nothing else: whatever it lets through encodes into a launch spec the launcher's parser takes
 * entry by entry. The counts are drawn around each bound, the strings from anything, NUL and '=' included.
 */
class LaunchBoundsPropertiesTest {

    private static final Workdir BOX = new ScriptedSandboxEngine.DirWorkdir(Path.of("/nonexistent-box"), 1 << 20);
    private static final Limits LIMITS =
            new Limits(Duration.ofSeconds(1), Duration.ofSeconds(2), 64 * Limits.MIB, 8, Limits.MIB, Limits.MIB, 1.0);

    @Provide
    Arbitrary<Integer> aroundTheArgsBound() {
        return Arbitraries.oneOf(
                Arbitraries.integers().between(1, 8),
                Arbitraries.integers().between(LaunchRequest.MAX_ARGS - 2, LaunchRequest.MAX_ARGS + 2));
    }

    @Provide
    Arbitrary<String> anyText() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(12),
                Arbitraries.strings().withChars('a', '=', '\0', 'é').ofMaxLength(4),
                Arbitraries.of("", "\0", "=", "PATH", "A=B"));
    }

    private static RunSpec spec(List<String> argv, Map<String, String> env, int hostFiles) {
        List<RunSpec.HostFile> files = new ArrayList<>();
        for (int i = 0; i < hostFiles; i++) {
            files.add(new RunSpec.HostFile(Path.of("/etc/hostname"), "/f" + i));
        }
        return new RunSpec(
                "host", argv, env, BOX, Stdin.empty(), LIMITS, "default", NetworkMode.NONE, Duration.ZERO, files);
    }

    @Property(tries = 300)
    void refusedExactlyWhenABoundOrAStringRuleIsBroken(
            @ForAll("aroundTheArgsBound") int argc,
            @ForAll("aroundTheArgsBound") int envc,
            @ForAll @IntRange(min = 0, max = 8) int imageBinds,
            @ForAll @IntRange(min = -2, max = 2) int hostFilesOverBound,
            @ForAll("anyText") String oneArg,
            @ForAll("anyText") String oneName,
            @ForAll("anyText") String oneValue) {
        List<String> argv = new ArrayList<>();
        argv.add("/bin/true");
        for (int i = 1; i < argc; i++) {
            argv.add(i == argc / 2 ? oneArg : "a" + i);
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put(oneName, oneValue);
        for (int i = 1; env.size() < envc; i++) {
            env.put("V" + i, "v");
        }
        int hostFiles = Math.max(0, LaunchRequest.MAX_BINDS - imageBinds + hostFilesOverBound);
        RunSpec spec = spec(argv, env, hostFiles);
        String refused = LinuxSandboxEngine.launchBoundsRefusal(spec, imageBinds);

        boolean badArg = argv.stream().anyMatch(a -> a.indexOf('\0') >= 0);
        boolean badName = oneName.isEmpty() || oneName.indexOf('=') >= 0 || oneName.indexOf('\0') >= 0;
        boolean badValue = oneValue.indexOf('\0') >= 0;
        boolean tooMany = argv.size() > LaunchRequest.MAX_ARGS
                || env.size() > LaunchRequest.MAX_ARGS
                || hostFiles + imageBinds > LaunchRequest.MAX_BINDS;
        if (!(badArg || badName || badValue || tooMany)) {
            assertNull(refused, () -> "refused a spec the launcher takes: " + refused);
            // and it encodes: every entry one the launcher's parser takes (no NUL inside, a name before '=')
            LaunchRequest r = new LaunchRequest();
            argv.forEach(a -> r.put("arg", a));
            env.forEach((k, v) -> r.put("env", k + "=" + v));
            assertTrue(r.length() > 1);
            return;
        }
        assertTrue(refused != null, "not refused: argc " + argc + ", envc " + envc + ", host files " + hostFiles);
        // the message names what broke a bound
        if (argv.size() > LaunchRequest.MAX_ARGS) {
            assertTrue(refused.startsWith("argv:"), refused);
        } else if (env.size() > LaunchRequest.MAX_ARGS) {
            assertTrue(refused.startsWith("env:"), refused);
        } else if (badArg) {
            assertTrue(refused.startsWith("argv["), refused);
        } else if (badName || badValue) {
            assertTrue(refused.startsWith("env"), refused);
        } else {
            assertTrue(refused.startsWith("hostFiles:"), refused);
            assertTrue(refused.contains(String.valueOf(LaunchRequest.MAX_BINDS - imageBinds)), refused);
        }
    }

    /** The engine's copy of the launcher's bounds is the launcher's own (src/main/c/launcher). */
    @Example
    void theBoundsAreTheLaunchersOwn() throws Exception {
        Path c = Path.of(System.getProperty("proctor.project-dir", "."), "src/main/c/launcher");
        String header = Files.readString(c.resolve("launcher.h"));
        String supervisor = Files.readString(c.resolve("supervisor.c"));
        assertEquals(LaunchRequest.MAX_ARGS, Integer.parseInt(define(header, "MAX_ARGV")));
        assertEquals(LaunchRequest.MAX_BINDS, Integer.parseInt(define(header, "MAX_ITEMS")));
        assertEquals("(1 << 20)", define(supervisor, "SPEC_MAX"));
        assertEquals(1 << 20, LaunchRequest.MAX_BYTES);
    }

    private static String define(String source, String name) {
        Matcher m = Pattern.compile("(?m)^#define " + name + " (\\S+(?: << \\d+\\))?)")
                .matcher(source);
        assertTrue(m.find(), name + " not defined");
        return m.group(1);
    }

    @Property(tries = 50)
    void theSpecsLengthIsWhatIsSent(@ForAll("anyText") String value, @ForAll @IntRange(min = 0, max = 40) int n) {
        LaunchRequest r = new LaunchRequest();
        for (int i = 0; i < n; i++) {
            r.put("arg", value.replace("\0", ""));
        }
        assertEquals(r.toBytes().length, r.length());
    }
}
