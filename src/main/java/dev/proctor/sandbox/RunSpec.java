package dev.proctor.sandbox;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the engine needs for one run.
 *
 * @param image          name of the rootfs image (e.g. {@code host})
 * @param argv           program and arguments; argv[0] is resolved against PATH inside the sandbox
 * @param env            the whole environment of the program (nothing is inherited from the host)
 * @param workdir        the job's work directory, seen as /box (read-write) and the working directory
 * @param stdin          standard input
 * @param limits         resource limits
 * @param seccompProfile name of a profile in sandbox-profiles/seccomp (without .json)
 * @param network        network mode
 * @param sampleInterval timeline sampling interval of memory and CPU, or {@link Duration#ZERO} for none
 */
public record RunSpec(
        String image,
        List<String> argv,
        Map<String, String> env,
        Workdir workdir,
        Stdin stdin,
        Limits limits,
        String seccompProfile,
        NetworkMode network,
        Duration sampleInterval) {

    public RunSpec {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(workdir, "workdir");
        Objects.requireNonNull(stdin, "stdin");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(seccompProfile, "seccompProfile");
        Objects.requireNonNull(network, "network");
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty");
        }
        sampleInterval = sampleInterval == null ? Duration.ZERO : sampleInterval;
    }

    /** The PATH every run gets unless its env says otherwise. */
    public static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    /** The environment every run starts from; a profile's or caller's entries go over it. */
    public static final Map<String, String> BASE_ENV = Map.of("PATH", DEFAULT_PATH, "HOME", "/box", "LANG", "C.UTF-8");

    public static RunSpec simple(Workdir workdir, List<String> argv, Limits limits) {
        return new RunSpec(
                "host", argv, BASE_ENV, workdir, Stdin.empty(), limits, "default", NetworkMode.NONE, Duration.ZERO);
    }
}
