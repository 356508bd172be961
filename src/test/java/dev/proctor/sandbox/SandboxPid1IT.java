package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Pid 1 of a run, seen from the host while its job runs: it keeps no capability, no descriptor
 * but its status pipe and the job's own stdout and stderr pipes (whose end the supervisor then sees
 * with pid 1's exit), no environment, and sets no_new_privs and a seccomp filter of its own once
 * the job is forked (issue 10, item 5); nothing in the run has an oom_score_adj below 0 or may
 * set one (item 7).
 */
class SandboxPid1IT extends SandboxRuns {

    /** Starts a held run that says which pid namespace it is in, and finds its pid 1 on the host. */
    private static long heldPid1(Workdir w, CompletableFuture<RunResult> run) throws IOException {
        awaitReady(w, run);
        String ns = new String(w.readFile("ns", 100), StandardCharsets.UTF_8).strip();
        List<Long> found = hostProcesses(
                p -> Files.readSymbolicLink(p.resolve("ns/pid")).toString().equals(ns)
                        && procStatus(p).getOrDefault("NSpid", "").endsWith("\t1"));
        assertEquals(1, found.size(), () -> "pid 1 of " + ns + ": " + found);
        return found.get(0);
    }

    private static final String SAY_NS = "import os\nopen('/box/ns', 'w').write(os.readlink('/proc/self/ns/pid'))\n";

    @Test
    void pid1KeepsNoCapabilityNoDescriptorNoEnvironment() throws IOException {
        Workdir w = workdir();
        CompletableFuture<RunResult> run = startHeld(w, SAY_NS);
        try {
            Path pid1 = Path.of("/proc", Long.toString(heldPid1(w, run)));
            Path job = jobOf(pid1);
            List<String> fds = awaitHardened(pid1);
            Map<String, String> status = procStatus(pid1);
            for (String set : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
                assertEquals("0000000000000000", status.get(set), set + " of pid 1");
            }
            assertEquals("1", status.get("NoNewPrivs"));
            assertEquals("2", status.get("Seccomp"), "pid 1 runs under a seccomp filter");
            String jobOut = Files.readSymbolicLink(job.resolve("fd/1")).toString();
            String jobErr = Files.readSymbolicLink(job.resolve("fd/2")).toString();
            assertTrue(
                    jobOut.startsWith("pipe:") && jobErr.startsWith("pipe:") && !jobOut.equals(jobErr),
                    () -> "the job's stdout and stderr: " + jobOut + ", " + jobErr);
            List<String> others = new ArrayList<>(fds);
            assertTrue(others.remove(jobOut) && others.remove(jobErr), () -> "pid 1 holds " + fds);
            assertEquals(1, others.size(), () -> "pid 1 holds " + fds);
            assertTrue(
                    others.get(0).startsWith("pipe:")
                            && !others.get(0).equals(jobOut)
                            && !others.get(0).equals(jobErr),
                    () -> "pid 1's status pipe: " + fds);
            assertEquals(0, Files.readAllBytes(pid1.resolve("environ")).length, "pid 1's environment");
        } finally {
            okOut(release(w, run));
        }
    }

    /**
     * Pid 1 runs on a stack of its own, and most of its supervisor's stack is not copied into it, but
     * the top pages with the launcher's argv are (start.c, pid1_stack_init): pid 1 and its supervisor
     * show {@code proctor-launcher serve <instance>/launcher.sock} as their command line, as the
     * launcher does, which is what DeadEngines finds a dead engine's processes by (and what ps shows).
     */
    @Test
    void pid1AndItsSupervisorShowTheLaunchersCommandLine() throws IOException {
        Workdir w = workdir();
        CompletableFuture<RunResult> run = startHeld(w, SAY_NS);
        try {
            long pid1 = heldPid1(w, run);
            long supervisor = parentOf(pid1);
            long launcher = parentOf(supervisor);
            List<String> argv = cmdline(launcher);
            assertEquals(3, argv.size(), () -> "the launcher's argv: " + argv);
            assertEquals("serve", argv.get(1));
            Path socket = Path.of(argv.get(2));
            assertEquals(stateDir.resolve("instances"), socket.getParent().getParent(), argv.get(2));
            assertEquals("launcher.sock", socket.getFileName().toString());
            assertEquals(argv, cmdline(supervisor), "the supervisor's argv");
            assertEquals(argv, cmdline(pid1), "pid 1's argv");
        } finally {
            okOut(release(w, run));
        }
    }

    /**
     * Pid 1's descriptors once it has hardened itself: it does so right after forking the job, while the job
     * starts, its filter first, then the close of the report fd, down to the three descriptors it keeps; both are
     * waited for (a busy machine may hold pid 1 between them), for 10 s at most: well inside the held run's 30 s,
     * so that a pid 1 keeping other descriptors fails on what it holds, not on the run having ended (the held run
     * said ready long after pid 1 hardened).
     */
    private static List<String> awaitHardened(Path pid1) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> fds = openFiles(pid1);
        while ((!"2".equals(procStatus(pid1).get("Seccomp")) || fds.size() != 3) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            fds = openFiles(pid1);
        }
        return fds;
    }

    /** The job of a held run: the one child of its pid 1 (pid 2 of the run). */
    private static Path jobOf(Path pid1) {
        String pid = pid1.getFileName().toString();
        List<Long> children = hostProcesses(p -> pid.equals(procStatus(p).get("PPid")));
        assertEquals(1, children.size(), () -> "children of pid 1 " + pid + ": " + children);
        return Path.of("/proc", Long.toString(children.get(0)));
    }

    private static List<String> cmdline(long pid) throws IOException {
        String line =
                new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
        return line.isEmpty() ? List.of() : List.of(line.split("\0"));
    }

    @Test
    void theLauncherStartsWithAnEmptyEnvironment() throws IOException {
        List<Long> launchers = hostProcessesWith(stateDir.toString() + "/instances/");
        assertTrue(!launchers.isEmpty(), "the launcher of this engine is running");
        for (long pid : launchers) {
            byte[] environ;
            try {
                environ = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
            } catch (NoSuchFileException gone) {
                continue; // a supervisor that ended since the scan (idle ones beyond the pool's bound do)
            }
            assertEquals(0, environ.length, "environment of " + pid);
        }
    }

    /**
     * The supervisor wrote -1000 into pid 1's oom_score_adj; with CAP_SYS_RESOURCE (host root has it
     * on most hosts) that also set the floor the job inherits, so the job could set -1000 and turn
     * an OOM kill into a hang. Now no process of a run is below 0 and the job cannot go there.
     */
    @Test
    void oomScoreAdjIsZeroAndTheJobCannotLowerIt() throws IOException {
        Workdir w = workdir();
        CompletableFuture<RunResult> run = startHeld(w, SAY_NS + """
                try:
                    with open('/proc/self/oom_score_adj', 'w') as f:
                        f.write('-1000')
                    print('lowered')
                except OSError as e:
                    print('refused', e.errno)
                print(open('/proc/self/oom_score_adj').read().strip())
                """);
        String pid1Adj;
        try {
            pid1Adj = Files.readString(Path.of("/proc", Long.toString(heldPid1(w, run)), "oom_score_adj"))
                    .strip();
        } finally {
            w.writeFile("go", new byte[0], false);
        }
        assertEquals("0", pid1Adj, "pid 1's oom_score_adj");
        assertEquals("refused 13\n0\n", okOut(release(w, run)));
    }

    /**
     * Pid 1 gets the spec's lists packed after the spec (start.c, clone3_pid1), not at their full size:
     * long argument and environment lists reach the job whole and in order, across the pages they then
     * take. 256 arguments are what the API lets a job have, after its profile's command: 259 entries in
     * argv, which the launcher (256 at most, then) refused, an internal error.
     */
    @Test
    void longArgumentAndEnvironmentListsReachTheJobWhole() {
        Workdir w = workdir();
        List<String> argv = new ArrayList<>(
                List.of(
                        "/usr/bin/python3",
                        "-c",
                        "import os, sys\n"
                                + "print(len(sys.argv) - 1)\n"
                                + "print('\\n'.join(sys.argv[1:]))\n"
                                + "print('\\n'.join(f'{k}={os.environ[k]}' for k in sorted(os.environ) if k.startswith('V')))\n"));
        List<String> args = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            args.add("a" + i + "-" + "x".repeat(i % 50));
        }
        argv.addAll(args);
        Map<String, String> env = new TreeMap<>(RunSpec.BASE_ENV);
        List<String> vars = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            String name = String.format("V%03d", i);
            env.put(name, "v" + i + "=" + "y".repeat(i % 40));
            vars.add(name + "=" + env.get(name));
        }
        RunSpec base = RunSpec.simple(w, argv, ROOMY);
        RunResult r = engine.run(new RunSpec(
                base.image(),
                argv,
                env,
                w,
                base.stdin(),
                ROOMY,
                base.seccompProfile(),
                base.network(),
                base.sampleInterval()));
        String expected = args.size() + "\n" + String.join("\n", args) + "\n" + String.join("\n", vars) + "\n";
        assertEquals(expected, okOut(r));
    }
}
