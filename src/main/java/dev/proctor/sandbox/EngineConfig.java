package dev.proctor.sandbox;

import java.nio.file.Path;

/**
 * Where the engine finds its parts and keeps its state.
 *
 * @param launcherBinary the C launcher built from src/main/c (target/native/proctor-launcher)
 * @param stateDir       root of images, run directories, work directories and the launcher socket
 *                       (e.g. /var/lib/proctor); created 0700, owned by root
 * @param profilesDir    the sandbox-profiles directory (seccomp/ and images/ below it)
 * @param uidBase        first host uid of the range the sandbox user namespaces map to: inside uid 0
 *                       is {@code uidBase}, the job's uid 1000 is {@code uidBase + 1000}
 */
public record EngineConfig(Path launcherBinary, Path stateDir, Path profilesDir, int uidBase) {

    public static final int DEFAULT_UID_BASE = 1_000_000;

    /** Layout of a checkout: the launcher under target/native, profiles under sandbox-profiles. */
    public static EngineConfig forProject(Path projectDir, Path stateDir) {
        Path dir = projectDir.toAbsolutePath().normalize();
        return new EngineConfig(dir.resolve("target/native/proctor-launcher"), stateDir,
                dir.resolve("sandbox-profiles"), DEFAULT_UID_BASE);
    }
}
