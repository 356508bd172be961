package dev.proctor.sandbox.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A few BPF instructions put before every profile's program, whatever the profile allows: a job does
 * not change its core-dump limit. The launcher sets it to 1 byte, soft and hard (job.c, set_rlimits).
 * Under that limit the kernel writes no core file (it needs at least a page), and it starts no
 * core_pattern pipe helper (apport, systemd-coredump), which it skips at exactly 1; a job that lowered
 * its limit to 0 would have the kernel start that helper, a root process on the host outside every
 * namespace and cgroup of the run, at each of its crashes. So, on every ABI the filter accepts,
 * {@code setrlimit(RLIMIT_CORE, …)} and {@code prlimit64(…, RLIMIT_CORE, new, NULL)} succeed without
 * running: the limit stays 1, which is no core dump whatever was asked, and a script's {@code ulimit -c 0}
 * (or {@code unlimited}, refused before under a hard limit of 0) does not fail; a shell shows the 1 byte
 * as 0 blocks. {@code prlimit64} with a new limit and an old one to fill in returns EPERM instead, as the
 * old one would not be filled in. Reading the limit is the profile's to decide, as is every other call,
 * which go on to the profile's program unchanged.
 *
 * <p>Instructions of the profile cannot do this: libseccomp lets a rule without argument conditions
 * (a profile's plain "allow setrlimit") override conditional rules for the same call, and refuses a
 * rule whose action is the profile's default one.
 */
final class CoreLimitGuard {

    /** {@code RLIMIT_CORE} on every Linux ABI. */
    static final int RLIMIT_CORE = 4;

    static final int SECCOMP_RET_ERRNO_EPERM = 0x00050000 | 1;
    /** An errno of 0: the call returns 0 without running. */
    static final int SECCOMP_RET_SUCCESS_UNRUN = 0x00050000;

    static final int AUDIT_ARCH_X86_64 = 0xc000003e;
    static final int X32_SYSCALL_BIT = 0x40000000;

    private static final int OFFSET_NR = 0;
    private static final int OFFSET_ARCH = 4;
    private static final int OFFSET_ARGS = 16;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private enum Call {
        SETRLIMIT("setrlimit"),
        PRLIMIT64("prlimit64");

        final String name;

        Call(String name) {
            this.name = name;
        }
    }

    /** One instruction; jumps name labels, resolved once the order is known. */
    private record Insn(int code, String jt, String jf, long k, String label) {}

    private final List<Insn> code = new ArrayList<>();
    private String pendingLabel;

    private CoreLimitGuard() {}

    /**
     * The guard's instructions ({@code struct sock_filter}, native byte order) for a filter that
     * accepts the ABIs of these libseccomp arch tokens; {@code x32Token} is libseccomp's x32 token (its
     * calls reach a filter as x86_64 ones with {@link #X32_SYSCALL_BIT} set), or empty.
     */
    static byte[] program(LibSeccomp lib, List<Integer> archTokens, OptionalInt x32Token) {
        Map<Integer, Map<Integer, Call>> byArch = new LinkedHashMap<>();
        for (int token : archTokens) {
            boolean x32 = x32Token.isPresent() && x32Token.getAsInt() == token;
            int auditArch = x32 ? AUDIT_ARCH_X86_64 : token;
            for (Call call : Call.values()) {
                OptionalInt nr = lib.resolveSyscall(token, call.name);
                if (nr.isPresent()) {
                    byArch.computeIfAbsent(auditArch, a -> new LinkedHashMap<>())
                            .put(x32 ? nr.getAsInt() | X32_SYSCALL_BIT : nr.getAsInt(), call);
                }
            }
        }
        return new CoreLimitGuard().assemble(byArch);
    }

    private byte[] assemble(Map<Integer, Map<Integer, Call>> byArch) {
        if (byArch.isEmpty()) {
            return new byte[0];
        }
        emit(Bpf.LD_ABS_W, null, null, OFFSET_ARCH);
        int group = 0;
        for (int arch : byArch.keySet()) {
            emit(Bpf.JEQ_K, "arch" + group++, null, arch & 0xffffffffL);
        }
        emit(Bpf.JA, null, null, 0, "program");
        group = 0;
        for (Map<Integer, Call> calls : byArch.values()) {
            label("arch" + group++);
            emit(Bpf.LD_ABS_W, null, null, OFFSET_NR);
            for (Map.Entry<Integer, Call> e : calls.entrySet()) {
                emit(Bpf.JEQ_K, e.getValue().name(), null, e.getKey() & 0xffffffffL);
            }
            emit(Bpf.JA, null, null, 0, "program");
        }
        // The resource is an unsigned int: the kernel reads the argument's low 32 bits only, whatever the
        // high ones hold, so only those are compared (a 64-bit comparison would let 0x1_00000004 through).
        // setrlimit(resource, new): the resource is RLIMIT_CORE
        label(Call.SETRLIMIT.name());
        loadArg(0, false);
        emit(Bpf.JEQ_K, "ignore", "program", RLIMIT_CORE);
        // prlimit64(pid, resource, new, old): the resource is RLIMIT_CORE and new, a pointer, is not NULL
        label(Call.PRLIMIT64.name());
        loadArg(1, false);
        emit(Bpf.JEQ_K, null, "program", RLIMIT_CORE);
        loadArg(2, false);
        emit(Bpf.JEQ_K, null, "set", 0);
        loadArg(2, true);
        emit(Bpf.JEQ_K, "program", "set", 0);
        // a new limit: ignored when no old one is asked for, else refused (the old one would not be filled in)
        label("set");
        loadArg(3, false);
        emit(Bpf.JEQ_K, null, "deny", 0);
        loadArg(3, true);
        emit(Bpf.JEQ_K, "ignore", "deny", 0);
        label("deny");
        emit(Bpf.RET_K, null, null, SECCOMP_RET_ERRNO_EPERM & 0xffffffffL);
        label("ignore");
        emit(Bpf.RET_K, null, null, SECCOMP_RET_SUCCESS_UNRUN & 0xffffffffL);
        return link();
    }

    private void loadArg(int index, boolean high) {
        int low = OFFSET_ARGS + 8 * index;
        emit(Bpf.LD_ABS_W, null, null, LITTLE_ENDIAN == high ? low + 4 : low);
    }

    private void label(String label) {
        pendingLabel = label;
    }

    private void emit(int op, String jt, String jf, long k) {
        emit(op, jt, jf, k, null);
    }

    /** {@code ja} takes its target in {@code jaTarget}; a conditional jump's null label is the next instruction. */
    private void emit(int op, String jt, String jf, long k, String jaTarget) {
        code.add(new Insn(op, op == Bpf.JA ? jaTarget : jt, jf, k, pendingLabel));
        pendingLabel = null;
    }

    private byte[] link() {
        Map<String, Integer> at = new HashMap<>();
        for (int i = 0; i < code.size(); i++) {
            if (code.get(i).label() != null) {
                at.put(code.get(i).label(), i);
            }
        }
        at.put("program", code.size()); // the profile's program starts right after the guard
        ByteBuffer out = ByteBuffer.allocate(code.size() * SeccompCompiler.SOCK_FILTER_SIZE)
                .order(ByteOrder.nativeOrder());
        for (int i = 0; i < code.size(); i++) {
            Insn insn = code.get(i);
            int jt = 0;
            int jf = 0;
            long k = insn.k();
            if (insn.code() == Bpf.JA) {
                k = offset(at, insn.jt(), i);
            } else if (insn.code() == Bpf.JEQ_K) {
                jt = insn.jt() == null ? 0 : offset(at, insn.jt(), i);
                jf = insn.jf() == null ? 0 : offset(at, insn.jf(), i);
                if (jt > Bpf.MAX_JUMP || jf > Bpf.MAX_JUMP) {
                    throw new IllegalStateException("guard jump out of reach at " + i);
                }
            }
            out.putShort((short) insn.code()).put((byte) jt).put((byte) jf).putInt((int) k);
        }
        return out.array();
    }

    private static int offset(Map<String, Integer> at, String label, int from) {
        Integer to = at.get(label);
        if (to == null || to <= from) {
            throw new IllegalStateException("guard label " + label + " is not after instruction " + from);
        }
        return to - from - 1;
    }

    /** The guard, then the program. */
    static byte[] prepend(byte[] guard, byte[] program) {
        byte[] all = new byte[guard.length + program.length];
        System.arraycopy(guard, 0, all, 0, guard.length);
        System.arraycopy(program, 0, all, guard.length, program.length);
        return all;
    }
}
