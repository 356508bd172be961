package dev.proctor.auth;

/**
 * A client's maximums; a null item means "the server maximum".
 *
 * @param maxConcurrentJobs jobs queued or running at once
 */
public record Quota(
        int maxConcurrentJobs,
        Long maxCpuTimeMs,
        Long maxWallTimeMs,
        Long maxMemoryMb,
        Integer maxPids,
        Long maxOutputKb,
        Long maxDiskMb) {}
