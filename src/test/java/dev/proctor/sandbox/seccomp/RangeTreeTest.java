package dev.proctor.sandbox.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The shipped profiles decide the same with their dispatch rewritten as {@link RangeTree} as in
 * the program libseccomp exported: every syscall number up to past the last one any arch has, the
 * numbers where the range boundaries lie, the out-of-range and x32 numbers, every ABI, and
 * arguments at every constant the profiles compare with (and beside it), run in {@link
 * BpfInterpreter}.
 */
class RangeTreeTest {

    private static final int AUDIT_ARCH_X86_64 = 0xc000003e;
    private static final int AUDIT_ARCH_I386 = 0x40000003;
    private static final int AUDIT_ARCH_AARCH64 = 0xc00000b7;
    private static final int[] ARCHES = {AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, 0};
    private static final int X32_BIT = 0x40000000;

    private static final SeccompCompiler COMPILER = new SeccompCompiler();
    private static final List<Pair> PAIRS = pairs();

    private record Pair(String name, BpfInterpreter exported, BpfInterpreter rewritten, List<Long> constants) {}

    private static List<Path> shipped() {
        try (Stream<Path> files = Files.list(SeccompProfilesTest.SHIPPED)) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Pair> pairs() {
        List<Pair> pairs = new ArrayList<>();
        for (Path file : shipped()) {
            OciSeccompProfile profile = OciSeccompParser.parse(file);
            byte[] exported = COMPILER.compileWithLibseccomp(profile).program();
            byte[] rewritten = COMPILER.compile(profile).program();
            TreeSet<Long> constants = new TreeSet<>(List.of(0L, 1L, 0xffffffffL, -1L, 0x100000000L));
            for (OciSeccompProfile.SyscallRule rule : profile.syscalls()) {
                for (OciSeccompProfile.ArgCondition arg : rule.args()) {
                    for (long c : new long[] {arg.value(), arg.valueTwo()}) {
                        constants.add(c);
                        constants.add(c + 1);
                        constants.add(c - 1);
                        constants.add(c | 0x100000000L); // the same low word, another high one
                    }
                }
            }
            pairs.add(new Pair(
                    file.getFileName().toString(),
                    new BpfInterpreter(exported),
                    new BpfInterpreter(rewritten),
                    List.copyOf(constants)));
        }
        return pairs;
    }

    /** Every number to check: 0..1199, the x32 ones, the top of the range, around each power of two. */
    private static List<Integer> numbers() {
        TreeSet<Integer> nrs = new TreeSet<>();
        for (int nr = 0; nr < 1200; nr++) {
            nrs.add(nr);
            nrs.add(nr | X32_BIT);
        }
        for (int bit = 0; bit < 32; bit++) {
            nrs.add(1 << bit);
            nrs.add((1 << bit) - 1);
            nrs.add((1 << bit) + 1);
        }
        nrs.add(-1);
        nrs.add(-2);
        nrs.add(Integer.MAX_VALUE);
        nrs.add(Integer.MIN_VALUE);
        return List.copyOf(nrs);
    }

    /**
     * The rewrite replaces the dispatch of the default profile's ~300 syscall numbers (one {@code jeq} each)
     * by a search over ranges: 300 instructions fewer at least, whatever the argument checks it copies as
     * they are (the socket rules' (family, type, protocol) checks grew the program by 46 instructions).
     */
    @Test
    void theDefaultProfilesDispatchShrinksByAtLeast300Instructions() {
        OciSeccompProfile profile = OciSeccompParser.parse(SeccompProfilesTest.SHIPPED.resolve("default.json"));
        int exported = COMPILER.compileWithLibseccomp(profile).program().length / 8;
        int rewritten = COMPILER.compile(profile).program().length / 8;
        assertTrue(
                exported - rewritten >= 300 && rewritten * 100 < exported * 60,
                "default: " + exported + " instructions exported, " + rewritten + " rewritten");
    }

    @Test
    void everyNumberArchAndProfileConstantGetsTheSameAnswer() {
        List<Integer> nrs = numbers();
        for (Pair pair : PAIRS) {
            int checked = 0;
            for (int arch : ARCHES) {
                for (int nr : nrs) {
                    for (long c : pair.constants()) {
                        for (int index = 0; index < 6; index++) {
                            long[] args = new long[6];
                            args[index] = c;
                            assertSame(pair, arch, nr, args);
                            checked++;
                        }
                        assertSame(pair, arch, nr, c, c, c, c, c, c);
                    }
                }
            }
            assertTrue(checked > 100_000, pair.name() + ": " + checked);
        }
    }

    @Property(tries = 3000)
    void randomCallsGetTheSameAnswer(
            @ForAll @IntRange(min = 0, max = 600) int low,
            @ForAll int anyNr,
            @ForAll boolean useLow,
            @ForAll long a0,
            @ForAll long a1,
            @ForAll long a2,
            @ForAll @IntRange(min = 0, max = 3) int arch) {
        for (Pair pair : PAIRS) {
            assertSame(pair, ARCHES[arch], useLow ? low : anyNr, a0, a1, a2, a0 >>> 32, a1 & 0xffffffffL, 0L);
        }
    }

    private static void assertSame(Pair pair, int arch, int nr, long... args) {
        int expected = pair.exported().callOnArch(arch, nr, args);
        int actual = pair.rewritten().callOnArch(arch, nr, args);
        if (expected != actual) {
            assertEquals(
                    Integer.toHexString(expected),
                    Integer.toHexString(actual),
                    pair.name() + ": arch 0x" + Integer.toHexString(arch) + ", nr " + nr + ", args "
                            + java.util.Arrays.toString(args));
        }
    }
}
