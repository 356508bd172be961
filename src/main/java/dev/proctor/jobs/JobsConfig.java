package dev.proctor.jobs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Request size caps, server-wide limit maximums and the queue's bounds. */
@ConfigMapping(prefix = "proctor.jobs")
public interface JobsConfig {

    /** Most files in one request (sources, and a program checker's files). */
    @WithDefault("64")
    int maxFiles();

    /** Largest single file, decoded. */
    @WithDefault("1048576")
    int maxFileBytes();

    /** All files of a request together, decoded. */
    @WithDefault("8388608")
    int maxTotalFileBytes();

    /** Most tests in one request. */
    @WithDefault("256")
    int maxTests();

    /** Largest stdin or expected output of one test. */
    @WithDefault("4194304")
    int maxTestDataBytes();

    /** Largest {@code metadata}, serialised. */
    @WithDefault("16384")
    int maxMetadataBytes();

    /** Queued jobs of the whole cluster beyond which submissions get 503 with Retry-After. */
    @WithDefault("10000")
    int maxQueued();

    /** Runs of a job before a lost lease makes it internal_error. */
    @WithDefault("3")
    int maxAttempts();

    /** Finished jobs older than this are deleted with their runs. */
    @WithDefault("P7D")
    Duration retention();

    /** stdout and stderr bytes kept in a result per run (the rest is counted, not stored). */
    @WithDefault("65536")
    int capturedOutputBytes();

    /** Compiler output kept with compile_error. */
    @WithDefault("16384")
    int compileOutputBytes();

    /** Longest {@code timeout_s} of a waiting submission. */
    @WithDefault("60")
    int maxWaitSeconds();

    /** Server-wide limit maximums; a client quota and a profile maximum can only lower them. */
    Maximums limits();

    interface Maximums {
        @WithDefault("20000")
        long cpuTimeMs();

        @WithDefault("60000")
        long wallTimeMs();

        @WithDefault("2048")
        long memoryMb();

        @WithDefault("128")
        int pids();

        @WithDefault("65536")
        long outputKb();

        @WithDefault("1024")
        long diskMb();
    }
}
