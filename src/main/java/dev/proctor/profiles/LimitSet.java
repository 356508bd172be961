package dev.proctor.profiles;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.proctor.sandbox.Limits;
import java.time.Duration;

/**
 * Limits as they appear in JSON (requests and profiles); a null item means "not given here".
 * Units are in the names.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LimitSet(Long cpuTimeMs, Long wallTimeMs, Long memoryMb, Integer pids, Long outputKb, Long diskMb) {

    public static final LimitSet NONE = new LimitSet(null, null, null, null, null, null);

    /** Each item of this set, else the item of {@code fallback}. */
    public LimitSet orElse(LimitSet fallback) {
        if (fallback == null) {
            return this;
        }
        return new LimitSet(
                cpuTimeMs != null ? cpuTimeMs : fallback.cpuTimeMs,
                wallTimeMs != null ? wallTimeMs : fallback.wallTimeMs,
                memoryMb != null ? memoryMb : fallback.memoryMb,
                pids != null ? pids : fallback.pids,
                outputKb != null ? outputKb : fallback.outputKb,
                diskMb != null ? diskMb : fallback.diskMb);
    }

    /** The smaller of each item (null = no bound from that side). */
    public LimitSet min(LimitSet other) {
        if (other == null) {
            return this;
        }
        return new LimitSet(
                minL(cpuTimeMs, other.cpuTimeMs),
                minL(wallTimeMs, other.wallTimeMs),
                minL(memoryMb, other.memoryMb),
                pids == null ? other.pids : other.pids == null ? pids : Integer.valueOf(Math.min(pids, other.pids)),
                minL(outputKb, other.outputKb),
                minL(diskMb, other.diskMb));
    }

    private static Long minL(Long a, Long b) {
        return a == null ? b : b == null ? a : Long.valueOf(Math.min(a, b));
    }

    public boolean complete() {
        return cpuTimeMs != null
                && wallTimeMs != null
                && memoryMb != null
                && pids != null
                && outputKb != null
                && diskMb != null;
    }

    /** The engine's limits for a {@link #complete()} set. */
    public Limits toLimits() {
        return new Limits(
                Duration.ofMillis(cpuTimeMs),
                Duration.ofMillis(wallTimeMs),
                memoryMb * Limits.MIB,
                pids,
                outputKb * 1024,
                diskMb * Limits.MIB,
                1.0);
    }
}
