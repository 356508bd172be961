package dev.proctor.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Path;
import java.util.Map;

/**
 * A fresh sandbox state dir for a Quarkus test application (below {@link TestStateDirs#root()}),
 * removed once the application has stopped; a mount left below it fails the run.
 */
public class SandboxStateResource implements QuarkusTestResourceLifecycleManager {

    private Path state;

    @Override
    public Map<String, String> start() {
        state = TestStateDirs.create("e2e-");
        return Map.of("proctor.sandbox.state-dir", state.toString());
    }

    @Override
    public void stop() {
        TestStateDirs.removeAfterEngines(state);
    }
}
