package dev.proctor.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a run's CPU time says about the CFS throttling it can have caused itself, worked out here from the
 * kernel's own settings (not from the product's code): in each period a group is throttled in, it has used its
 * quota less what the CPUs it runs on may hold of it at once (one bandwidth slice each). So a run of a few
 * milliseconds of CPU cannot have been throttled, and any throttling it reports beyond what its CPU explains was
 * not its own.
 */
public final class CfsBandwidth {

    /** The period Proctor writes (cpu.cfs_period_us). */
    public static final long PERIOD_MICROS = 100_000;

    private CfsBandwidth() {}

    /** At most how many periods a run of {@code cpuMicros} of CPU at a share of {@code cpus} can be throttled by itself. */
    public static long ownThrottledPeriodsAtMost(long cpuMicros, double cpus) {
        return cpuMicros / ownCpuPerThrottledPeriod(cpus);
    }

    /** The CPU time a group uses of its own in each period it is throttled in; at least 1 µs. */
    static long ownCpuPerThrottledPeriod(double cpus) {
        long quota = Math.round(cpus * PERIOD_MICROS);
        long slice;
        try {
            slice = Long.parseLong(Files.readString(Path.of("/proc/sys/kernel/sched_cfs_bandwidth_slice_us"))
                    .trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // the run's cgroups are below this JVM's, on the CPUs it may use
        return Math.max(1, quota - Runtime.getRuntime().availableProcessors() * slice);
    }
}
