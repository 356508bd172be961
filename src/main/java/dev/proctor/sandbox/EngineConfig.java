package dev.proctor.sandbox;

import dev.proctor.sandbox.cgroups.DiskReadLimit;
import dev.proctor.sandbox.ids.HostIdRanges;
import java.nio.file.Path;

/**
 * Where the engine finds its parts and keeps its state.
 *
 * @param launcherBinary the C launcher built from src/main/c (target/native/proctor-launcher)
 * @param stateDir       root of images, run directories, work directories and the launcher socket
 *                       (e.g. /var/lib/proctor); created 0700, owned by root
 * @param profilesDir    the sandbox-profiles directory (seccomp/ and images/ below it)
 * @param uidBase        first host uid of the id ranges the sandbox user namespaces map to: each job
 *                       holds range k (inside uid 0 is {@code uidBase + k * 65536}, the job's uid 1000
 *                       is that + 1000) while it runs, no other job on the host at the same time
 * @param idRanges       how many ranges there are: concurrent jobs (work dirs) on the host, all engines
 * @param idLockDir      where engines on the host lease ranges (host-wide, not per state dir)
 * @param diskReadBytesPerSecond  bytes a second each run may read from each of the host's block devices
 *                       (its cgroup's block throttling: {@link dev.proctor.sandbox.cgroups.DiskReadLimit}); 0: no limit
 * @param diskReadOpsPerSecond    read requests a second each run may send each device; 0: no limit
 */
public record EngineConfig(
        Path launcherBinary,
        Path stateDir,
        Path profilesDir,
        int uidBase,
        int idRanges,
        Path idLockDir,
        long diskReadBytesPerSecond,
        long diskReadOpsPerSecond) {

    public EngineConfig {
        if (diskReadBytesPerSecond < 0 || diskReadOpsPerSecond < 0) {
            throw new IllegalArgumentException("disk read limits must not be negative");
        }
    }

    /** With the default disk read limits ({@link DiskReadLimit#DEFAULT_BYTES_PER_SECOND}, …). */
    public EngineConfig(
            Path launcherBinary, Path stateDir, Path profilesDir, int uidBase, int idRanges, Path idLockDir) {
        this(
                launcherBinary,
                stateDir,
                profilesDir,
                uidBase,
                idRanges,
                idLockDir,
                DiskReadLimit.DEFAULT_BYTES_PER_SECOND,
                DiskReadLimit.DEFAULT_OPS_PER_SECOND);
    }

    /** This configuration with other disk read limits (0: none). */
    public EngineConfig withDiskReads(long bytesPerSecond, long opsPerSecond) {
        return new EngineConfig(
                launcherBinary, stateDir, profilesDir, uidBase, idRanges, idLockDir, bytesPerSecond, opsPerSecond);
    }

    public static final int DEFAULT_UID_BASE = 1_000_000;
    /** Host uids 1 000 000 to 269 435 455. */
    public static final int DEFAULT_ID_RANGES = 4096;

    /** Layout of a checkout: the launcher under target/native, profiles under sandbox-profiles. */
    public static EngineConfig forProject(Path projectDir, Path stateDir) {
        Path dir = projectDir.toAbsolutePath().normalize();
        return new EngineConfig(
                dir.resolve("target/native/proctor-launcher"),
                stateDir,
                dir.resolve("sandbox-profiles"),
                DEFAULT_UID_BASE,
                DEFAULT_ID_RANGES,
                HostIdRanges.DEFAULT_LOCK_DIR);
    }
}
