package dev.proctor.sandbox;

/**
 * Runs one program in a throwaway sandbox: every namespace, an overlay rootfs, seccomp and
 * cgroup limits. A {@link RunSpec} goes in, a {@link RunResult} comes out; nothing of HTTP or
 * the database is known here. Thread-safe: runs may proceed in parallel.
 */
public interface SandboxEngine extends AutoCloseable {

    /** Creates an empty work directory limited to {@code sizeBytes}. */
    Workdir createWorkdir(long sizeBytes);

    /**
     * Runs the spec to its end. Never throws for anything the program did: that is a status.
     * A failure of Proctor itself gives {@link RunStatus#INTERNAL_ERROR} with a message.
     */
    RunResult run(RunSpec spec, Cancellation cancellation);

    default RunResult run(RunSpec spec) {
        return run(spec, Cancellation.none());
    }

    /** What the engine can run: images and seccomp profiles known, cgroup version. */
    EngineInfo info();

    @Override
    void close();
}
