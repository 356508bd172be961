package dev.proctor.cli;

import dev.proctor.sandbox.EngineConfig;
import java.nio.file.Path;

/** Where the command-line tools find the project and the engine's state. */
public final class CliEnvironment {

    private CliEnvironment() {
    }

    public static EngineConfig engineConfig() {
        String project = System.getProperty("proctor.project-dir",
                System.getenv().getOrDefault("PROCTOR_SANDBOX_PROJECT_DIR", "."));
        String state = System.getenv().getOrDefault("PROCTOR_SANDBOX_STATE_DIR", "/var/lib/proctor");
        return EngineConfig.forProject(Path.of(project), Path.of(state));
    }
}
