package dev.proctor.sandbox.cgroups;

import dev.proctor.sandbox.accounting.CgroupStats;
import java.nio.file.Path;
import java.util.List;

/** The cgroup(s) of one run. Closing kills every process left in them and removes them. */
public interface RunCgroup extends AutoCloseable {

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

    /** Reads all accounting of the run (call after the run's processes are gone, before close). */
    CgroupStats readStats();

    /** Kills every process in the run's cgroups, stopped or not, until none is left. */
    void killAll();

    /** Whether any process is still in the cgroup. */
    boolean isEmpty();

    /** {@link #killAll()} then remove the cgroup directories. Never throws: failures are logged. */
    @Override
    void close();
}
