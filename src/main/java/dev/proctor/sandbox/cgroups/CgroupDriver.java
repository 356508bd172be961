package dev.proctor.sandbox.cgroups;

import dev.proctor.sandbox.Limits;

/**
 * Creates and governs the cgroups of runs, always below the service's own cgroup.
 * One implementation per cgroup version, picked by {@link CgroupDetector} at start-up.
 */
public interface CgroupDriver {

    /** "v1" or "v2". */
    String version();

    /**
     * Creates the cgroup(s) of one run named {@code name} (unique, [a-z0-9-]) below the service's
     * cgroup and applies memory (swap 0), pids, CPU bandwidth limits. Throws {@link CgroupException}
     * naming the file and errno when the kernel refuses.
     */
    RunCgroup create(String name, Limits limits);

    /**
     * Removes what an earlier, crashed process of the service left behind: every run cgroup
     * below the service's cgroups, its processes killed first. Returns how many were removed.
     */
    int cleanupStale();

    /**
     * {@link #cleanupStale()}, then removes the directory that holds the runs itself: called when
     * the engine that owned it stops, or at start-up for the runs directory of a dead engine.
     */
    void removeRunsDir();
}
