package dev.proctor.api.dto;

/** POST /api/v1/admin/clients: a new client and its quota (null items: the server maximum). */
public record ClientRequest(
        String name,
        Integer maxConcurrentJobs,
        Long maxCpuTimeMs,
        Long maxWallTimeMs,
        Long maxMemoryMb,
        Integer maxPids,
        Long maxOutputKb,
        Long maxDiskMb) {}
