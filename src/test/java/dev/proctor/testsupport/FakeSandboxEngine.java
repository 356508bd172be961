package dev.proctor.testsupport;

import dev.proctor.sandbox.Cancellation;
import dev.proctor.sandbox.EngineInfo;
import dev.proctor.sandbox.JoinedRuns;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunSpec;
import dev.proctor.sandbox.SandboxEngine;
import dev.proctor.sandbox.Workdir;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.util.List;

/**
 * Stands in for the real engine in HTTP-level tests, enabled by {@link FakeSandboxProfile} (or use
 * {@code @InjectMock SandboxEngine}
 * to script runs). Every run is an internal error: these tests never need a sandbox.
 */
@Alternative
@ApplicationScoped
public class FakeSandboxEngine implements SandboxEngine {

    @Override
    public Workdir createWorkdir(long sizeBytes) {
        throw new UnsupportedOperationException("no sandbox in HTTP-level tests");
    }

    @Override
    public RunResult run(RunSpec spec, Cancellation cancellation) {
        return RunResult.internalError("no sandbox in HTTP-level tests");
    }

    @Override
    public JoinedRuns runJoined(RunSpec first, RunSpec second, Cancellation cancellation) {
        return JoinedRuns.internalError("no sandbox in HTTP-level tests");
    }

    @Override
    public EngineInfo info() {
        return new EngineInfo("none", List.of("host"), List.of("default"));
    }

    @Override
    public void close() {}
}
