package dev.proctor.sandbox.seccomp;

import dev.proctor.sandbox.seccomp.OciSeccompProfile.ArgCondition;
import dev.proctor.sandbox.seccomp.OciSeccompProfile.SyscallRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * Compiles an {@link OciSeccompProfile} to the raw BPF program the launcher installs with
 * {@code prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)}. Compile once per profile: the
 * bytes are the same for every run (STACK.md: loading precompiled bytes costs ~0.02 ms).
 */
public final class SeccompCompiler {

    /** Size of one {@code struct sock_filter} (u16 code, u8 jt, u8 jf, u32 k). */
    public static final int SOCK_FILTER_SIZE = 8;

    /**
     * A compiled program and the syscall names that were skipped.
     *
     * @param program  {@code struct sock_filter[]}, native byte order
     * @param warnings one line per skipped name, for the caller to log
     */
    public record Compiled(byte[] program, List<String> warnings) {

        public Compiled {
            program = program.clone();
            warnings = List.copyOf(warnings);
        }

        @Override
        public byte[] program() {
            return program.clone();
        }
    }

    private final LibSeccomp lib;

    public SeccompCompiler() {
        this(LibSeccomp.get());
    }

    public SeccompCompiler(LibSeccomp lib) {
        this.lib = lib;
    }

    /**
     * The profile's program: libseccomp's, with its syscall dispatch rewritten as a binary search
     * over ranges of numbers ({@link RangeTree}: the same decisions, the default profile's dispatch ~300
     * instructions shorter), behind Proctor's own {@link CoreLimitGuard}.
     */
    public Compiled compile(OciSeccompProfile profile) {
        Exported exported = export(profile);
        return new Compiled(
                CoreLimitGuard.prepend(exported.guard(), RangeTree.rewrite(exported.program())), exported.warnings());
    }

    /**
     * The program exactly as libseccomp exports it, behind the same {@link CoreLimitGuard} (tests compare
     * its decisions with {@link #compile}'s).
     */
    public Compiled compileWithLibseccomp(OciSeccompProfile profile) {
        Exported exported = export(profile);
        return new Compiled(CoreLimitGuard.prepend(exported.guard(), exported.program()), exported.warnings());
    }

    /** libseccomp's program, the guard for the ABIs it accepts, and the skipped names. */
    private record Exported(byte[] program, byte[] guard, List<String> warnings) {}

    private Exported export(OciSeccompProfile profile) {
        List<String> warnings = new ArrayList<>();
        try (LibSeccomp.Filter filter = lib.newFilter(profile.defaultActionValue())) {
            // The launcher sets no_new_privs itself, before seccomp; libseccomp must not.
            filter.setAttr(LibSeccomp.ATTR_CTL_NNP, 0);
            // A syscall from a foreign ABI (i386 int 0x80, x32) kills the whole process: killing
            // one thread would leave the others of a multi-threaded job running on.
            filter.setAttr(LibSeccomp.ATTR_ACT_BADARCH, SeccompAction.SCMP_ACT_KILL_PROCESS.libseccompValue(0));
            // A binary tree of syscall numbers instead of a linear chain: a syscall is found in ~9
            // comparisons, not up to ~300, and the kernel, which evaluates the filter for every
            // syscall number when it is installed (its allow cache), installs it in a fraction of
            // the time (0.46 ms a run with the chain here).
            filter.setAttr(LibSeccomp.ATTR_CTL_OPTIMIZE, 2);
            List<Integer> arches = archTokens(profile);
            arches.forEach(
                    filter::addArch); // the native one is in the filter already (seccomp_init): added again, fine
            for (int i = 0; i < profile.syscalls().size(); i++) {
                addRule(filter, profile, i, arches, warnings);
            }
            byte[] program = filter.exportBpf();
            if (program.length == 0 || program.length % SOCK_FILTER_SIZE != 0) {
                throw new SeccompException(profile.source() + ": libseccomp exported " + program.length
                        + " bytes, not a whole number of 8-byte BPF instructions");
            }
            return new Exported(program, guard(arches), warnings);
        }
    }

    /** Proctor's {@link CoreLimitGuard} for the ABIs the profile's filter accepts. */
    byte[] guard(OciSeccompProfile profile) {
        return guard(archTokens(profile));
    }

    private byte[] guard(List<Integer> arches) {
        return CoreLimitGuard.program(lib, arches, lib.resolveArch("x32"));
    }

    /** The libseccomp tokens of the ABIs the profile's filter accepts: the native one, then the profile's, each once. */
    private List<Integer> archTokens(OciSeccompProfile profile) {
        List<Integer> tokens = new ArrayList<>();
        tokens.add(lib.nativeArch());
        for (int i = 0; i < profile.architectures().size(); i++) {
            String name = profile.architectures().get(i);
            String libName = name.substring("SCMP_ARCH_".length()).toLowerCase(Locale.ROOT);
            OptionalInt token = lib.resolveArch(libName);
            if (token.isEmpty()) {
                throw new SeccompException(profile.source() + ": architectures[" + i + "]: " + name
                        + " is not known to the installed libseccomp: remove it or upgrade libseccomp");
            }
            tokens.add(token.getAsInt());
        }
        return tokens.stream().distinct().toList();
    }

    private void addRule(
            LibSeccomp.Filter filter,
            OciSeccompProfile profile,
            int index,
            List<Integer> arches,
            List<String> warnings) {
        SyscallRule rule = profile.syscalls().get(index);
        // runc skips these too; libseccomp would refuse them (EACCES).
        if (rule.actionValue() == profile.defaultActionValue()) {
            return;
        }
        for (int n = 0; n < rule.names().size(); n++) {
            String name = rule.names().get(n);
            String path = profile.source() + ": syscalls[" + index + "].names[" + n + "]";
            OptionalInt nr = lib.resolveSyscall(name);
            if (nr.isEmpty() || !knownOnAny(arches, name)) {
                // Like runc: a profile may name syscalls of other arches or newer kernels.
                warnings.add(path + ": '" + name + "' is not a syscall on any architecture of this"
                        + " filter (per the installed libseccomp); rule skipped");
                continue;
            }
            for (List<ArgCondition> conditions : ruleConditions(rule)) {
                int rc = filter.addRule(rule.actionValue(), nr.getAsInt(), conditions);
                if (rc != 0) {
                    throw new SeccompException(path + ": libseccomp refused the rule for '" + name + "' ("
                            + LibSeccomp.failure("seccomp_rule_add_array", rc).getMessage()
                            + "): check its args and action");
                }
            }
        }
    }

    private boolean knownOnAny(List<Integer> arches, String name) {
        return arches.stream().anyMatch(arch -> lib.resolveSyscall(arch, name).isPresent());
    }

    /** One AND-ed condition list, or one rule per comparison when an index repeats (runc's rule). */
    static List<List<ArgCondition>> ruleConditions(SyscallRule rule) {
        if (!rule.argsOred()) {
            return List.of(rule.args());
        }
        return rule.args().stream().map(List::of).toList();
    }
}
