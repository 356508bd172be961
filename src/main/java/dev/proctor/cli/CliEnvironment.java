package dev.proctor.cli;

import dev.proctor.config.ProjectDirs;
import dev.proctor.sandbox.EngineConfig;

/** Where the command-line tools find the project and the engine's state. */
public final class CliEnvironment {

    private CliEnvironment() {}

    public static EngineConfig engineConfig() {
        return ProjectDirs.fromEnvironment().engineConfig();
    }
}
