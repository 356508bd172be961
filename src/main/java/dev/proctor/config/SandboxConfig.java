package dev.proctor.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Where the service finds the sandbox engine's parts. */
@ConfigMapping(prefix = "proctor.sandbox")
public interface SandboxConfig {

    /**
     * The project checkout (launcher under target/native, sandbox-profiles/). Default: the system
     * property {@code proctor.project-dir} (set by the test runners), else the working directory.
     */
    Optional<Path> projectDir();

    /** Root of images, run and work directories; created 0700, owned by root. */
    @WithDefault("/var/lib/proctor")
    Path stateDir();

    /**
     * How often a run's memory and CPU are sampled from its cgroup for its resource timeline
     * (runs.timeline, drawn on the dashboard's job page); 0 turns sampling off.
     */
    @WithDefault("20ms")
    Duration sampleInterval();

    /**
     * Bytes a second each run may read from each of the host's block devices (the kernel's block throttling
     * in the run's cgroup: a run reading the disk past its page cache, with O_DIRECT or under a small memory
     * limit, cannot take the disk from other runs and PostgreSQL); 0: no limit. Page-cache hits are free.
     */
    @WithDefault("134217728")
    long diskReadBytesPerSecond();

    /** Read requests a second each run may send each block device; 0: no limit. */
    @WithDefault("2000")
    long diskReadOpsPerSecond();

    /** The project and state directories, resolved the one way ({@link ProjectDirs}). */
    default ProjectDirs dirs() {
        return ProjectDirs.resolve(projectDir(), Optional.of(stateDir()));
    }
}
