package dev.proctor.sandbox.seccomp;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The actions of the OCI seccomp format, with the value libseccomp 2.5 gives each
 * ({@code SCMP_ACT_*} in seccomp.h). ERRNO and TRACE carry 16 bits of data (the errno,
 * or the message a tracer sees) in the low half.
 */
public enum SeccompAction {
    /** Kills the calling thread: the historic SCMP_ACT_KILL, kept for profiles written for Docker. */
    SCMP_ACT_KILL(0x00000000),
    SCMP_ACT_KILL_PROCESS(0x80000000),
    SCMP_ACT_KILL_THREAD(0x00000000),
    SCMP_ACT_TRAP(0x00030000),
    SCMP_ACT_ERRNO(0x00050000),
    SCMP_ACT_TRACE(0x7ff00000),
    SCMP_ACT_ALLOW(0x7fff0000),
    SCMP_ACT_LOG(0x7ffc0000);

    /** What runc and Docker return when a profile gives ERRNO or TRACE without errnoRet. */
    public static final int DEFAULT_ERRNO = 1;

    private final int base;

    SeccompAction(int base) {
        this.base = base;
    }

    /** True for the actions whose low 16 bits carry data (errnoRet). */
    public boolean takesData() {
        return this == SCMP_ACT_ERRNO || this == SCMP_ACT_TRACE;
    }

    /** The libseccomp action value; {@code data} is ignored unless {@link #takesData()}. */
    public int libseccompValue(int data) {
        return takesData() ? base | (data & 0xffff) : base;
    }

    public static Optional<SeccompAction> byName(String name) {
        return Arrays.stream(values()).filter(a -> a.name().equals(name)).findFirst();
    }

    public static String allNames() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
