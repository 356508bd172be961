package dev.proctor.jobs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
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

    default Path resolvedProjectDir() {
        return projectDir()
                .or(() -> Optional.ofNullable(System.getProperty("proctor.project-dir")).map(Path::of))
                .orElse(Path.of("").toAbsolutePath());
    }
}
