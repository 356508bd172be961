package dev.proctor.sandbox;

import java.nio.file.Path;
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
 * @param hostFiles      host files shown read-only in the run, each at a path of its own ({@link HostFile})
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
        Duration sampleInterval,
        List<HostFile> hostFiles) {

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
        hostFiles = hostFiles == null ? List.of() : List.copyOf(hostFiles);
    }

    /** A run without host files of its own. */
    public RunSpec(
            String image,
            List<String> argv,
            Map<String, String> env,
            Workdir workdir,
            Stdin stdin,
            Limits limits,
            String seccompProfile,
            NetworkMode network,
            Duration sampleInterval) {
        this(image, argv, env, workdir, stdin, limits, seccompProfile, network, sampleInterval, List.of());
    }

    /** This spec with {@code files} shown in the run (in place of any it had). */
    public RunSpec withHostFiles(List<HostFile> files) {
        return new RunSpec(image, argv, env, workdir, stdin, limits, seccompProfile, network, sampleInterval, files);
    }

    /**
     * A regular file of the host shown read-only at {@code target}, a name at the root of the run ({@code
     * /input}): no copy, no read by the service, the run reads the host's file itself (large test data from a
     * node's cache). The run reads it as its own unprivileged user, so the file must be readable by others
     * (the engine refuses the run otherwise); the directories above it need not be.
     */
    public record HostFile(Path source, String target) {
        public HostFile {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(target, "target");
            if (!target.matches("/[A-Za-z0-9_][A-Za-z0-9._-]{0,63}") || RESERVED.contains(target)) {
                throw new IllegalArgumentException("a host file's target is a free name at the run's root: " + target);
            }
            String s = source.toString();
            if (!source.isAbsolute() || s.indexOf('\t') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("a host file's source is an absolute path without tabs: " + s);
            }
        }

        /** Root names the run's tree already uses. */
        private static final java.util.Set<String> RESERVED = java.util.Set.of(
                "/bin", "/box", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/proc",
                "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var");
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
