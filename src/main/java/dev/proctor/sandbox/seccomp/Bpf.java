package dev.proctor.sandbox.seccomp;

/**
 * The classic BPF of a seccomp program, as far as Proctor writes or rewrites one ({@link RangeTree},
 * {@link CoreLimitGuard}): the opcodes used, and how far a conditional jump reaches.
 */
final class Bpf {

    /** {@code ld [k]}: a 32-bit word of {@code struct seccomp_data}. */
    static final int LD_ABS_W = 0x20;

    static final int JA = 0x05;
    static final int JEQ_K = 0x15;
    static final int JGT_K = 0x25;
    static final int JGE_K = 0x35;
    static final int RET_K = 0x06;

    /** The 8-bit offset of a conditional jump. */
    static final int MAX_JUMP = 255;

    private Bpf() {}
}
