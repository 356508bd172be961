package dev.proctor.sandbox.cgroups;

import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.accounting.CgroupStats;
import java.nio.file.Path;
import java.util.List;

/**
 * The cgroup(s) of a run. Closing kills every process left in them and removes them; {@link #recycle}
 * makes them ready for another run where the cgroup version lets the run's accounting stay its own.
 */
public interface RunCgroup extends AutoCloseable {

    /** The limits written last. */
    Limits limits();

    /** Writes these limits (only the values that differ from {@link #limits()}). */
    void limit(Limits limits);

    /**
     * Readies the cgroup, whose run is over, for another run: empty, counters reset or read as the next
     * run's baseline, at most {@code residualBytes} still charged to it, used fewer than {@code maxUses}
     * times. Never an exception.
     *
     * @param reclaim whether more than {@code residualBytes} still charged (no page cache) is reclaimed
     *     now (memory.force_empty); if not, such a cgroup is {@link Recycled#LATER}
     */
    Recycled recycle(long residualBytes, int maxUses, boolean reclaim);

    /** What {@link #recycle} made of a cgroup. */
    enum Recycled {
        /** Reset, its baseline read: it may be handed out. */
        READY,
        /**
         * Empty, but more than the residue allowed is still charged to it, which the kernel may free a
         * moment later (memory freed after an RCU grace period): nothing reset yet; recycle again later.
         */
        LATER,
        /** Must be closed (removed) instead. */
        NO
    }

    /**
     * v1: the {@code tasks} files the launcher writes "0" into to move itself in (one per hierarchy).
     * v2: empty.
     */
    List<Path> attachFiles();

    /** v2: the cgroup directory the launcher opens for clone3(CLONE_INTO_CGROUP); v1: null. */
    Path cgroupDir();

    /**
     * The file holding the run's total CPU usage, read by the launcher while the run goes on to
     * enforce the CPU time limit: v1 {@code cpuacct.usage} (nanoseconds), v2 {@code cpu.stat}
     * ({@code usage_usec} line).
     */
    Path cpuUsageFile();

    /**
     * The file holding the memory currently charged (v1 memory.usage_in_bytes, v2 memory.current);
     * null for a v2 run without the memory controller ({@link CgroupV2Driver#withoutControllers}).
     */
    Path memoryCurrentFile();

    /**
     * Reads the accounting of the run (call after the run's processes are gone, before close or
     * recycle): its own share, never an earlier run's of the same cgroup.
     */
    CgroupStats readStats();

    /** Kills every process in the run's cgroups, stopped or not, until none is left. */
    void killAll();

    /** Whether any process is still in the cgroup. */
    boolean isEmpty();

    /** {@link #killAll()} then remove the cgroup directories. Never throws: failures are logged. */
    @Override
    void close();
}
