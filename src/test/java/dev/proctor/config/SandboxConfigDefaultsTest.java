package dev.proctor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.proctor.sandbox.EngineConfig;
import dev.proctor.sandbox.cgroups.DiskReadLimit;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The service's defaults for the engine's disk read limits are the engine's own ({@code @WithDefault} needs a
 * constant string, so they are written twice): a service and `./proctor run` throttle runs alike.
 */
class SandboxConfigDefaultsTest {

    private static long defaultOf(String method) throws NoSuchMethodException {
        return Long.parseLong(SandboxConfig.class
                .getMethod(method)
                .getAnnotation(WithDefault.class)
                .value());
    }

    @Test
    void diskReadDefaultsAreTheEnginesDefaults() throws NoSuchMethodException {
        assertEquals(DiskReadLimit.DEFAULT_BYTES_PER_SECOND, defaultOf("diskReadBytesPerSecond"));
        assertEquals(DiskReadLimit.DEFAULT_OPS_PER_SECOND, defaultOf("diskReadOpsPerSecond"));
        EngineConfig cli = EngineConfig.forProject(Path.of("."), Path.of("/var/lib/proctor"));
        assertEquals(DiskReadLimit.DEFAULT_BYTES_PER_SECOND, cli.diskReadBytesPerSecond());
        assertEquals(DiskReadLimit.DEFAULT_OPS_PER_SECOND, cli.diskReadOpsPerSecond());
    }
}
