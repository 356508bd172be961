package dev.proctor.sandbox;

import java.nio.file.Path;

/**
 * A job's work directory on the host: a size-limited tmpfs owned by the job's sandbox user, seen
 * inside every run of the job as /box. It carries files from one step to the next (compile, then
 * run). Created by {@link SandboxEngine#createWorkdir(long)}; closing it unmounts and removes it.
 */
public interface Workdir extends AutoCloseable {

    /** Host path of the directory. Files written here by the service are visible in /box. */
    Path path();

    /** Size limit of the directory, in bytes. */
    long sizeBytes();

    /**
     * Writes a file into the workdir as the sandbox user (parents created), refusing any path
     * that leaves the directory or passes through a symlink.
     */
    void writeFile(String relativePath, byte[] content, boolean executable);

    /** Reads a regular file the run left in the workdir, at most {@code maxBytes}; never follows a symlink. */
    byte[] readFile(String relativePath, int maxBytes);

    /**
     * This directory as a run on it should see it when the run must not change it (each test of
     * a job): the run's /box starts with every file here, and whatever it writes, changes or
     * deletes there lands on its own scratch space (counted in its disk limit) and vanishes when
     * it ends. Costs no copy: an overlay inside the run. Closing the view does nothing.
     */
    Workdir copyOnWrite();

    @Override
    void close();
}
