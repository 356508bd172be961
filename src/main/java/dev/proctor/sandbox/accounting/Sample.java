package dev.proctor.sandbox.accounting;

/**
 * One point of a run's resource timeline, read from its cgroup while it runs.
 *
 * @param offsetMicros   time since the start of the run
 * @param cpuMicros      CPU used so far by the whole run
 * @param memoryBytes    memory charged to the run at that moment
 */
public record Sample(long offsetMicros, long cpuMicros, long memoryBytes) {}
