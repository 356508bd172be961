package dev.proctor.config;

import dev.proctor.sandbox.EngineConfig;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The project checkout (launcher under target/native, sandbox-profiles/) and the engine's state directory,
 * resolved one way for the service and the command line: what is configured, else the system property
 * {@code proctor.project-dir} (set by the {@code proctor} script and the test runners) or the environment
 * ({@code PROCTOR_SANDBOX_PROJECT_DIR}, {@code PROCTOR_SANDBOX_STATE_DIR}), else the working directory and
 * {@code /var/lib/proctor}.
 */
public record ProjectDirs(Path project, Path state) {

    public static final Path DEFAULT_STATE = Path.of("/var/lib/proctor");

    public static ProjectDirs resolve(Optional<Path> project, Optional<Path> state) {
        Path p = project.or(() -> Optional.ofNullable(System.getProperty("proctor.project-dir"))
                        .map(Path::of))
                .or(() -> Optional.ofNullable(System.getenv("PROCTOR_SANDBOX_PROJECT_DIR"))
                        .map(Path::of))
                .orElse(Path.of(""));
        Path s = state.or(() -> Optional.ofNullable(System.getenv("PROCTOR_SANDBOX_STATE_DIR"))
                        .map(Path::of))
                .orElse(DEFAULT_STATE);
        return new ProjectDirs(
                p.toAbsolutePath().normalize(), s.toAbsolutePath().normalize());
    }

    /** For the command line, where nothing is configured but the environment. */
    public static ProjectDirs fromEnvironment() {
        return resolve(Optional.empty(), Optional.empty());
    }

    public Path profiles() {
        return project.resolve("sandbox-profiles");
    }

    public EngineConfig engineConfig() {
        return EngineConfig.forProject(project, state);
    }
}
