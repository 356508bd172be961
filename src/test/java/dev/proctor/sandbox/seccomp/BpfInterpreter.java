package dev.proctor.sandbox.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Runs a classic-BPF seccomp program against one {@code struct seccomp_data}, in Java, so
 * tests can check what a compiled profile decides without installing it anywhere.
 * Supports the instructions libseccomp emits (loads, ALU with constants, jumps, returns).
 */
final class BpfInterpreter {

    private static final int AUDIT_ARCH_X86_64 = 0xc000003e;

    private final ByteBuffer program;

    BpfInterpreter(byte[] program) {
        this.program = ByteBuffer.wrap(program).order(ByteOrder.nativeOrder());
    }

    /** The filter's return value for an x86_64 syscall. */
    int call(int nr, long... args) {
        return callOnArch(AUDIT_ARCH_X86_64, nr, args);
    }

    /** The filter's return value for a syscall made with another ABI (audit arch). */
    int callOnArch(int arch, int nr, long... args) {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0, nr).putInt(4, arch);
        for (int i = 0; i < args.length; i++) {
            data.putLong(16 + 8 * i, args[i]);
        }
        return execute(data);
    }

    private int execute(ByteBuffer data) {
        int a = 0;
        int x = 0;
        int[] mem = new int[16];
        int pc = 0;
        int count = program.capacity() / 8;
        while (pc < count) {
            int code = program.getShort(pc * 8) & 0xffff;
            int jt = program.get(pc * 8 + 2) & 0xff;
            int jf = program.get(pc * 8 + 3) & 0xff;
            int k = program.getInt(pc * 8 + 4);
            pc++;
            switch (code) {
                case 0x20 -> a = data.getInt(k); // ld  [k]
                case 0x00 -> a = k; // ld  #k
                case 0x60 -> a = mem[k]; // ld  M[k]
                case 0x01 -> x = k; // ldx #k
                case 0x61 -> x = mem[k]; // ldx M[k]
                case 0x02 -> mem[k] = a; // st  M[k]
                case 0x03 -> mem[k] = x; // stx M[k]
                case 0x54 -> a &= k; // and #k
                case 0x44 -> a |= k; // or  #k
                case 0x04 -> a += k; // add #k
                case 0x87 -> a = x; // txa
                case 0x07 -> x = a; // tax
                case 0x05 -> pc += k; // ja
                case 0x15 -> pc += a == k ? jt : jf; // jeq #k
                case 0x25 -> pc += Integer.compareUnsigned(a, k) > 0 ? jt : jf; // jgt #k
                case 0x35 -> pc += Integer.compareUnsigned(a, k) >= 0 ? jt : jf; // jge #k
                case 0x45 -> pc += (a & k) != 0 ? jt : jf; // jset #k
                case 0x06 -> {
                    return k; // ret #k
                }
                case 0x16 -> {
                    return a; // ret a
                }
                default ->
                    throw new IllegalStateException(
                            "unsupported BPF opcode 0x" + Integer.toHexString(code) + " at " + (pc - 1));
            }
        }
        throw new IllegalStateException("BPF program fell off its end");
    }

    /** True if some instruction is {@code jge #k} (libseccomp's x32 guard uses one). */
    boolean hasJumpGreaterEqual(int k) {
        for (int pc = 0; pc < program.capacity() / 8; pc++) {
            if ((program.getShort(pc * 8) & 0xffff) == 0x35 && program.getInt(pc * 8 + 4) == k) {
                return true;
            }
        }
        return false;
    }
}
