package dev.proctor.grading;

import dev.proctor.profiles.ArgvTemplate;
import dev.proctor.profiles.LimitSet;
import dev.proctor.profiles.Profile;
import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.NetworkMode;
import dev.proctor.sandbox.RunSpec;
import dev.proctor.sandbox.Stdin;
import dev.proctor.sandbox.Workdir;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The sandbox run of a language profile's command: its image, seccomp profile, environment and resolved limits. */
final class ProfileRuns {

    private ProfileRuns() {}

    /**
     * {@code argv} (a profile's compile or run command) expanded for the memory limit, then {@code args}
     * appended as they are (never expanded).
     */
    static RunSpec spec(
            Profile p,
            List<String> argv,
            List<String> args,
            Workdir wd,
            Stdin stdin,
            LimitSet l,
            Duration sampleInterval) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", RunSpec.DEFAULT_PATH);
        env.put("HOME", "/box");
        env.put("LANG", "C.UTF-8");
        env.putAll(p.env());
        List<String> command = new ArrayList<>(ArgvTemplate.expand(argv, l.memoryMb()));
        command.addAll(args);
        return new RunSpec(
                p.image(), command, env, wd, stdin, limits(l), p.seccomp(), NetworkMode.NONE, sampleInterval);
    }

    /** A resolved limit set (every item given) as the engine's limits, on one CPU. */
    static Limits limits(LimitSet l) {
        return new Limits(
                Duration.ofMillis(l.cpuTimeMs()),
                Duration.ofMillis(l.wallTimeMs()),
                l.memoryMb() * Limits.MIB,
                l.pids(),
                l.outputKb() * 1024,
                l.diskMb() * Limits.MIB,
                1.0);
    }
}
