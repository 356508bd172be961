package dev.proctor.sandbox;

import dev.proctor.sandbox.cgroups.CgroupDriver;
import dev.proctor.sandbox.rootfs.LayerFiles;
import java.io.IOException;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * One engine's private state below the state dir: {@code instances/<tag>} with its runs' and work
 * directories. Made by {@link EngineBootstrap}, owned by the {@link LinuxSandboxEngine} it starts, released
 * when that engine closes; {@link DeadEngines} removes those of engines that died.
 */
record EngineDirs(String tag, Path dir, Path runsDir, Path workDir) {

    private static final Logger LOG = Logger.getLogger(EngineDirs.class);

    void release(CgroupDriver cgroups) {
        try {
            cgroups.removeRunsDir();
            LayerFiles.unmountBelow(dir);
            LayerFiles.deleteTree(dir);
        } catch (IOException | SandboxException e) {
            LOG.warnf("could not fully clean %s: %s", dir, e.getMessage());
        }
    }
}
