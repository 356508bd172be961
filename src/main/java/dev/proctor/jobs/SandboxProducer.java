package dev.proctor.jobs;

import dev.proctor.config.SandboxConfig;
import dev.proctor.grading.OutputCaps;
import dev.proctor.sandbox.EngineConfig;
import dev.proctor.sandbox.LinuxSandboxEngine;
import dev.proctor.sandbox.SandboxEngine;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * The service's one sandbox engine, started eagerly: a missing launcher, cgroup delegation or seccomp
 * profile stops start-up with the engine's full list of problems instead of failing the first job.
 */
@ApplicationScoped
public class SandboxProducer {

    private static final Logger LOG = Logger.getLogger(SandboxProducer.class);

    @Produces
    @ApplicationScoped
    SandboxEngine engine(SandboxConfig config) {
        EngineConfig ec = config.dirs()
                .engineConfig()
                .withDiskReads(config.diskReadBytesPerSecond(), config.diskReadOpsPerSecond());
        LinuxSandboxEngine engine = LinuxSandboxEngine.start(ec);
        LOG.infof("sandbox engine started: %s", engine.info());
        return engine;
    }

    /** What the grader keeps of a run's output, from the jobs' configuration. */
    @Produces
    @Singleton
    OutputCaps outputCaps(JobsConfig config) {
        return new OutputCaps(config.capturedOutputBytes(), config.compileOutputBytes());
    }

    void close(@Disposes SandboxEngine engine) {
        engine.close();
    }

    /** Runs before the dispatcher starts claiming (lower priority value observes first). */
    void eager(@Observes @Priority(1) StartupEvent event, Instance<SandboxEngine> engine) {
        engine.get().info();
    }
}
