package dev.proctor.sandbox.seccomp;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The argument comparisons of the OCI seccomp format, numbered as libseccomp's
 * {@code enum scmp_compare}. Comparisons are unsigned and 64 bits wide, as in the filter
 * libseccomp generates.
 */
public enum ArgOp {
    SCMP_CMP_NE(1),
    SCMP_CMP_LT(2),
    SCMP_CMP_LE(3),
    SCMP_CMP_EQ(4),
    SCMP_CMP_GE(5),
    SCMP_CMP_GT(6),
    /** {@code (arg & value) == valueTwo}: value is the mask, valueTwo the expected bits. */
    SCMP_CMP_MASKED_EQ(7);

    private final int code;

    ArgOp(int code) {
        this.code = code;
    }

    /** The {@code enum scmp_compare} value passed to libseccomp. */
    public int code() {
        return code;
    }

    /** Whether a syscall argument satisfies this comparison; documents the semantics for tests. */
    public boolean test(long arg, long value, long valueTwo) {
        int c = Long.compareUnsigned(arg, value);
        return switch (this) {
            case SCMP_CMP_NE -> c != 0;
            case SCMP_CMP_LT -> c < 0;
            case SCMP_CMP_LE -> c <= 0;
            case SCMP_CMP_EQ -> c == 0;
            case SCMP_CMP_GE -> c >= 0;
            case SCMP_CMP_GT -> c > 0;
            case SCMP_CMP_MASKED_EQ -> (arg & value) == valueTwo;
        };
    }

    public static Optional<ArgOp> byName(String name) {
        return Arrays.stream(values()).filter(o -> o.name().equals(name)).findFirst();
    }

    public static String allNames() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
