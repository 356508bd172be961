package dev.proctor.sandbox.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link CoreLimitGuard} in front of shipped and operator-written profiles, run in {@link BpfInterpreter}:
 * a change of the core-dump limit never runs whatever the profile says; everything else, reading the
 * limit among it, is the profile's own decision. x86_64 hosts only (the i386 numbers are hard-coded).
 */
class CoreLimitGuardTest {

    private static final int ALLOW = 0x7fff0000;
    private static final int EPERM = 0x00050000 | 1;
    private static final int IGNORED = 0x00050000;
    private static final int ENOSYS = 0x00050000 | 38;
    private static final int KILL_PROCESS = 0x80000000;
    private static final int AUDIT_ARCH_I386 = 0x40000003;
    private static final int I386_SETRLIMIT = 75;
    private static final int I386_PRLIMIT64 = 340;
    private static final int RLIMIT_NOFILE = 7;
    private static final long POINTER = 0x7ffc_1234_5678L;

    private static final LibSeccomp LIB = LibSeccomp.get();
    private static final SeccompCompiler COMPILER = new SeccompCompiler(LIB);
    private static final SeccompProfiles SHIPPED = new SeccompProfiles(SeccompProfilesTest.SHIPPED);

    /** Profiles an operator could write, each letting the limit calls through its own way. */
    private static final List<String> OPERATOR_PROFILES = List.of(
            "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[]}",
            allowLimits("\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38"),
            // Docker's choice of default: EPERM
            allowLimits("\"defaultAction\":\"SCMP_ACT_ERRNO\""),
            allowLimits("\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\""),
            allowLimits("\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\","
                    + "\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]"),
            "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"prlimit64\"],\"action\":"
                    + "\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":1,\"value\":4,\"op\":\"SCMP_CMP_EQ\"}]}]}");

    private static String allowLimits(String top) {
        return "{" + top + ",\"syscalls\":[{\"names\":[\"setrlimit\",\"prlimit64\",\"getrlimit\"],"
                + "\"action\":\"SCMP_ACT_ALLOW\"}]}";
    }

    private static int nr(String name) {
        return LIB.resolveSyscall(name).orElseThrow();
    }

    private static OciSeccompProfile operator(int i) {
        return OciSeccompParser.parse("operator-" + i + ".json", OPERATOR_PROFILES.get(i));
    }

    /** The guarded program, and the same program without the guard: what the profile alone decides. */
    private record Programs(BpfInterpreter guarded, BpfInterpreter profileOnly) {

        static Programs of(byte[] guarded, OciSeccompProfile profile) {
            int guardLength = COMPILER.guard(profile).length;
            byte[] exported = COMPILER.compileWithLibseccomp(profile).program();
            assertEquals(
                    Arrays.toString(Arrays.copyOf(exported, guardLength)),
                    Arrays.toString(Arrays.copyOf(guarded, guardLength)),
                    "one guard in front of both programs");
            return new Programs(
                    new BpfInterpreter(guarded),
                    new BpfInterpreter(Arrays.copyOfRange(guarded, guardLength, guarded.length)));
        }
    }

    private static Programs shipped(String name) {
        OciSeccompProfile profile = OciSeccompParser.parse(SeccompProfilesTest.SHIPPED.resolve(name + ".json"));
        return Programs.of(SHIPPED.program(name), profile);
    }

    private static Programs operatorPrograms(int i) {
        return Programs.of(COMPILER.compile(operator(i)).program(), operator(i));
    }

    private static void assertGuarded(String what, Programs p) {
        BpfInterpreter g = p.guarded();
        assertEquals(IGNORED, g.call(nr("setrlimit"), 4, POINTER), what + ": setrlimit(RLIMIT_CORE)");
        assertEquals(IGNORED, g.call(nr("setrlimit"), 4, 0), what + ": setrlimit(RLIMIT_CORE, NULL)");
        assertEquals(IGNORED, g.call(nr("setrlimit"), 0xffff_ffff_0000_0004L, POINTER), what + ": high bits");
        assertEquals(IGNORED, g.call(nr("prlimit64"), 0, 4, POINTER, 0), what + ": prlimit64 set");
        assertEquals(EPERM, g.call(nr("prlimit64"), 1234, 4, POINTER, POINTER), what + ": prlimit64 set+get");
        assertEquals(EPERM, g.call(nr("prlimit64"), 0, 4, POINTER, 1L << 32), what + ": an old one above 4 GiB");
        assertEquals(IGNORED, g.call(nr("prlimit64"), 0, 4, 1L << 32, 0), what + ": a pointer above 4 GiB");
        assertEquals(IGNORED, g.call(nr("prlimit64"), 0, 0x1_0000_0004L, POINTER, 0), what + ": resource high bits");
        long[][] theProfiles = {
            {nr("setrlimit"), RLIMIT_NOFILE, POINTER},
            {nr("prlimit64"), 0, 4, 0, POINTER},
            {nr("prlimit64"), 0, RLIMIT_NOFILE, POINTER, 0},
            {nr("getrlimit"), 4, POINTER},
            {nr("read"), 4, POINTER, 10},
        };
        for (long[] call : theProfiles) {
            long[] args = Arrays.copyOfRange(call, 1, call.length);
            assertEquals(
                    p.profileOnly().call((int) call[0], args),
                    g.call((int) call[0], args),
                    what + ": the profile's own decision for " + Arrays.toString(call));
        }
    }

    @Test
    void theShippedProfilesNeverRunAChangeOfTheCoreLimitAndDecideTheRest() {
        assertGuarded("default", shipped("default"));
        assertGuarded("permissive", shipped("permissive"));
        assertEquals(ALLOW, shipped("default").guarded().call(nr("prlimit64"), 0, 4, 0, POINTER));
        assertEquals(ALLOW, shipped("default").guarded().call(nr("setrlimit"), RLIMIT_NOFILE, POINTER));
    }

    @Test
    void operatorProfilesCannotLetItThroughWhateverTheirDefaultOrRules() {
        for (int i = 0; i < OPERATOR_PROFILES.size(); i++) {
            assertGuarded(OPERATOR_PROFILES.get(i), operatorPrograms(i));
        }
        // the last one allows prlimit64 on RLIMIT_CORE by name: a new limit still never runs, reading it does
        Programs conditional = operatorPrograms(OPERATOR_PROFILES.size() - 1);
        assertEquals(ALLOW, conditional.guarded().call(nr("prlimit64"), 0, 4, 0, POINTER));
    }

    @Test
    void foreignAbisTheFilterAcceptsAreGuardedAndTheOthersStillKilled() {
        Programs permissive = shipped("permissive");
        assertEquals(IGNORED, permissive.guarded().callOnArch(AUDIT_ARCH_I386, I386_SETRLIMIT, 4, POINTER));
        assertEquals(IGNORED, permissive.guarded().callOnArch(AUDIT_ARCH_I386, I386_PRLIMIT64, 0, 4, POINTER, 0));
        assertEquals(EPERM, permissive.guarded().callOnArch(AUDIT_ARCH_I386, I386_PRLIMIT64, 0, 4, POINTER, 1));
        assertEquals(ALLOW, permissive.guarded().callOnArch(AUDIT_ARCH_I386, I386_SETRLIMIT, RLIMIT_NOFILE, 1));
        assertEquals(IGNORED, permissive.guarded().call(CoreLimitGuard.X32_SYSCALL_BIT | nr("setrlimit"), 4, 1));
        Programs defaults = shipped("default");
        assertEquals(KILL_PROCESS, defaults.guarded().callOnArch(AUDIT_ARCH_I386, I386_SETRLIMIT, 4, POINTER));
        assertEquals(KILL_PROCESS, defaults.guarded().call(CoreLimitGuard.X32_SYSCALL_BIT | nr("setrlimit"), 4, 1));
        assertEquals(ENOSYS, defaults.guarded().call(500, 4, POINTER));
    }

    /** Every profile's programs, built once for the property's tries. */
    private static final List<Programs> ALL = allPrograms();

    private static List<Programs> allPrograms() {
        List<Programs> all = new ArrayList<>(List.of(shipped("default"), shipped("permissive")));
        for (int i = 0; i < OPERATOR_PROFILES.size(); i++) {
            all.add(operatorPrograms(i));
        }
        return List.copyOf(all);
    }

    @Provide
    Arbitrary<Long> argument() {
        return Arbitraries.oneOf(
                Arbitraries.of(0L, 4L, 7L, 1L << 32, 0x1_0000_0004L, -1L, 0xffff_ffffL, POINTER),
                Arbitraries.longs(),
                Arbitraries.longs().between(0, 16));
    }

    @Provide
    Arbitrary<Integer> call() {
        return Arbitraries.of(
                nr("setrlimit"),
                nr("prlimit64"),
                nr("getrlimit"),
                nr("read"),
                nr("setpriority"),
                CoreLimitGuard.X32_SYSCALL_BIT | nr("setrlimit"),
                CoreLimitGuard.X32_SYSCALL_BIT | nr("prlimit64"));
    }

    /**
     * Any call with any arguments, under every profile: when it would change the core-dump limit on an ABI
     * the filter accepts, it succeeds without running (EPERM if it also asks for the old limit); else just
     * what the profile alone decides.
     */
    @Property(tries = 400)
    void neverRunWhenTheCallWouldChangeTheCoreLimit(
            @ForAll("call") int nr,
            @ForAll("argument") long a0,
            @ForAll("argument") long a1,
            @ForAll("argument") long a2,
            @ForAll("argument") long a3) {
        boolean x32 = (nr & CoreLimitGuard.X32_SYSCALL_BIT) != 0;
        int base = nr & ~CoreLimitGuard.X32_SYSCALL_BIT;
        boolean changesCore =
                (base == nr("setrlimit") && (int) a0 == 4) || (base == nr("prlimit64") && (int) a1 == 4 && a2 != 0);
        boolean asksOld = base == nr("prlimit64") && a3 != 0;
        for (Programs p : ALL) {
            int profileOnly = p.profileOnly().call(nr, a0, a1, a2, a3);
            boolean accepted = !x32 || profileOnly != KILL_PROCESS;
            int expected = changesCore && accepted ? (asksOld ? EPERM : IGNORED) : profileOnly;
            assertEquals(expected, p.guarded().call(nr, a0, a1, a2, a3), Integer.toHexString(nr));
        }
    }
}
