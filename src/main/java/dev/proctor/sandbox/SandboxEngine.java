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

    /**
     * Runs two programs at once, each in a sandbox of its own (its own work directory, limits,
     * cgroup, root and namespaces), joined by two pipes: {@code first}'s stdout is {@code second}'s
     * stdin and {@code second}'s stdout is {@code first}'s stdin (an interactive problem's
     * submission and interactor). The specs' {@code stdin} must be {@link Stdin.Empty} and their
     * stdout is not captured; stderr is, as for {@link #run}. When one ends, the other reads EOF or
     * gets EPIPE (SIGPIPE); each ends by its own limits at the latest. The two work directories
     * must be distinct work directories (not views of one): neither run may see the other's files.
     * Cancelling ends both.
     */
    JoinedRuns runJoined(RunSpec first, RunSpec second, Cancellation cancellation);

    /** What the engine can run: images and seccomp profiles known, cgroup version. */
    EngineInfo info();

    @Override
    void close();
}
