package dev.proctor.sandbox.launcher;

import java.util.Locale;

/**
 * The step at which the launcher failed, as its report names it ({@code step=pivot_root}): the steps of
 * {@code enum step} in src/main/c/launcher/launcher.h (names from the table in report.c), and
 * {@link #REPORT} and {@link #UNKNOWN}, which the Java side names itself.
 */
public enum LaunchStep {
    SPEC,
    OPEN,
    CLONE,
    IDMAP,
    SYNC,
    CGROUP,
    HOSTNAME,
    NETWORK,
    MOUNTS,
    PIVOT_ROOT,
    FORK,
    STDIO,
    DROP_PRIVS,
    RLIMITS,
    NO_NEW_PRIVS,
    CLOSE_FDS,
    SECCOMP,
    EXEC,
    COUNTERS,
    PID1_HARDEN,
    OOM_SCORE_ADJ,
    /** The run did not reach exec within the supervisor's setup timeout. */
    SETUP,
    /** The report itself ended early: the supervisor died. */
    REPORT,
    /** A name this version does not know (a newer launcher). */
    UNKNOWN;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static LaunchStep of(String wire) {
        for (LaunchStep s : values()) {
            if (s.wire().equals(wire)) {
                return s;
            }
        }
        return UNKNOWN;
    }
}
