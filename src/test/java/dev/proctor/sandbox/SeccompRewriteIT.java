package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.seccomp.OciSeccompParser;
import dev.proctor.sandbox.seccomp.OciSeccompProfile;
import dev.proctor.sandbox.seccomp.SeccompCompiler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The default profile's program as the engine installs it (libseccomp's, its dispatch rewritten
 * by RangeTree) and as libseccomp exported it, both run by the real kernel inside the sandbox
 * (src/test/c/filter_compare.c): every syscall number 0..1199, its x32 twin and out-of-range
 * numbers, with arguments at every constant the profile compares with and beside it, must get the
 * same errno or the same killing signal. The permissive profile is the control: against it the
 * probe must see differences.
 */
class SeccompRewriteIT extends SandboxRuns {

    private static final Pattern SUMMARY = Pattern.compile("(?s).*calls=(\\d+) killed=(\\d+) differ=(\\d+)\n");
    private static final Limits WIDE =
            new Limits(Duration.ofSeconds(30), Duration.ofSeconds(120), 256 * MIB, 16, MIB, 64 * MIB, 1.0);

    private final SeccompCompiler compiler = new SeccompCompiler();

    private static OciSeccompProfile profile(String name) {
        return OciSeccompParser.parse(PROJECT.resolve(Path.of("sandbox-profiles", "seccomp", name + ".json")));
    }

    private Matcher compare(byte[] a, byte[] b, OciSeccompProfile constantsOf) {
        Workdir w = workdir();
        installProbe(w, "filter_compare");
        w.writeFile("a.bpf", a, false);
        w.writeFile("b.bpf", b, false);
        TreeSet<Long> constants = new TreeSet<>(java.util.List.of(0L, 1L, 0xffffffffL, -1L, 0x100000000L));
        for (OciSeccompProfile.SyscallRule rule : constantsOf.syscalls()) {
            for (OciSeccompProfile.ArgCondition arg : rule.args()) {
                for (long c : new long[] {arg.value(), arg.valueTwo()}) {
                    constants.add(c);
                    constants.add(c + 1);
                    constants.add(c - 1);
                    constants.add(c | 0x100000000L);
                }
            }
        }
        StringBuilder text = new StringBuilder();
        constants.forEach(c -> text.append(Long.toHexString(c)).append('\n'));
        w.writeFile("constants", text.toString().getBytes(StandardCharsets.UTF_8), false);
        String out = okOut(run(w, WIDE, "./filter_compare", "a.bpf", "b.bpf", "constants"));
        Matcher m = SUMMARY.matcher(out);
        assertTrue(m.matches(), out);
        return m;
    }

    @Test
    void theKernelAnswersTheRewrittenDefaultLikeLibseccompsOwnProgram() {
        OciSeccompProfile profile = profile("default");
        byte[] exported = compiler.compileWithLibseccomp(profile).program();
        byte[] installed = compiler.compile(profile).program();
        assertTrue(installed.length < exported.length, "the rewrite is shorter");
        Matcher m = compare(exported, installed, profile);
        assertTrue(Long.parseLong(m.group(1)) > 2_000_000, m.group());
        assertTrue(Long.parseLong(m.group(2)) > 1200, "the x32 numbers are killed: " + m.group());
        assertEquals("0", m.group(3), m.group());
    }

    @Test
    void theProbeSeesADifferentPolicy() {
        OciSeccompProfile profile = profile("default");
        byte[] exported = compiler.compileWithLibseccomp(profile).program();
        byte[] permissive = compiler.compile(profile("permissive")).program();
        Matcher m = compare(exported, permissive, profile);
        assertTrue(Long.parseLong(m.group(3)) > 1000, m.group());
    }
}
