package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the launcher's shorter path to exec (issue 11) must keep: pid 1 is cloned in a copy of a
 * three-mount template namespace instead of the host's (mnttemplate.c) and mounts the run's /proc
 * restricted at once, bounding its counters through the template's; it builds the root with umask 0
 * (no chmod per directory) and hands the job the service's umask back; a capture file is emptied
 * only when it holds something (no O_TRUNC); a supervisor serves run after run (no fork per run) and
 * holds nothing of a finished run when it waits for the next.
 */
class SandboxLauncherPathIT extends SandboxRuns {

    /**
     * The run's mount table is its own tree alone: one proc, the run's, restricted; nothing of the
     * template (its root tmpfs, its /run, its proc of the host's pid namespace) and no host path.
     */
    @Test
    void theRunSeesOneRestrictedProcAndNothingOfTheTemplate() {
        String mountinfo = okOut(sh(workdir(), "cat /proc/self/mountinfo"));
        List<String[]> mounts = mountinfo.lines().map(l -> l.split(" - ", 2)).toList();
        List<String> procs = mounts.stream()
                .filter(m -> m.length == 2 && m[1].startsWith("proc "))
                .map(m -> m[0].split(" ")[4] + " " + m[1])
                .toList();
        assertEquals(1, procs.size(), mountinfo);
        assertTrue(procs.get(0).startsWith("/proc proc "), mountinfo);
        assertTrue(procs.get(0).contains("hidepid=invisible") && procs.get(0).contains("subset=pid"), mountinfo);
        for (String[] m : mounts) {
            String target = m[0].split(" ")[4];
            assertTrue(!target.equals("/run") && !target.startsWith("/run/"), () -> "template's /run:\n" + mountinfo);
        }
        assertTrue(!mountinfo.contains(stateDir.toString()), mountinfo);
    }

    /**
     * Pid 1 builds the root with umask 0; the job gets the service's umask back (the one this JVM
     * gives its children, the launcher among them), and /tmp and /dev/shm are sticky and writable by all.
     */
    @Test
    void theJobKeepsTheServicesUmaskAndSharedDirsAreSticky() throws Exception {
        Process host = new ProcessBuilder("/bin/sh", "-c", "umask").start();
        String hostUmask = new String(host.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, host.waitFor());
        String out = okOut(sh(workdir(), "umask; stat -c '%a %U' /tmp /dev/shm; mkdir /tmp/d; stat -c '%a' /tmp/d"));
        int mask = Integer.parseInt(hostUmask.strip(), 8);
        String expectedDir = Integer.toOctalString(0777 & ~mask);
        assertEquals(hostUmask + "1777 root\n1777 root\n" + expectedDir + "\n", out);
    }

    /** A run dir's capture files are reused: a short run after a long one holds its own output alone. */
    @Test
    void aShortRunAfterALongOneCapturesOnlyItsOwnOutput() throws IOException {
        Workdir w = workdir();
        for (int i = 0; i < 3; i++) {
            RunResult loud = python(w, "import sys; sys.stdout.write('x' * 100000); sys.stderr.write('y' * 5000)");
            assertEquals(100000, out(loud).length(), describe(loud));
            assertEquals(5000, err(loud).length(), describe(loud));
            RunResult quiet = sh(w, "echo short");
            assertEquals("short\n", okOut(quiet));
            assertEquals("", err(quiet));
        }
    }

    /**
     * The server's supervisors serve run after run: after twenty runs one after another, supervisors that
     * were idle before are idle, or waiting on a connection the engine kept, again (each used to serve one
     * connection and exit). The engine keeps connections (launcher.h, "keep"), so supervisors wait on them.
     * One that waits, or is idle, holds nothing of the runs it served: no file of a run, the server's network
     * namespace (not the last run's), the root as its directory (an idle one never used has the server's), and
     * no more descriptors than it started with (and the kept connection) besides the cgroup files it keeps
     * open from run to run (cgfiles.c: the run cgroups' tasks files and counters, no other cgroup file).
     */
    @Test
    void supervisorsServeRunAfterRunAndKeepNothingOfThem() throws IOException {
        Workdir w = workdir();
        okOut(sh(w, "true"));
        ProcessHandle server = launcherServer();
        Set<Long> before = idleSupervisors(server);
        assertTrue(before.size() >= 2, "idle supervisors: " + before);
        for (int i = 0; i < 20; i++) {
            assertEquals("run " + i + "\n", okOut(sh(w, "echo run " + i)));
        }
        Set<Long> kept = supervisorsNamed(server, "proctor-kept");
        assertTrue(!kept.isEmpty(), "no supervisor waits on a kept connection");
        Set<Long> after = idleSupervisors(server);
        after.addAll(kept);
        Set<Long> again = new HashSet<>(before);
        again.retainAll(after);
        assertTrue(!again.isEmpty(), "no supervisor served a second run: " + before + " then " + after);
        String serverNet = Files.readSymbolicLink(Path.of("/proc", Long.toString(server.pid()), "ns/net"))
                .toString();
        String serverCwd = Files.readSymbolicLink(Path.of("/proc", Long.toString(server.pid()), "cwd"))
                .toString();
        for (long pid : after) {
            Path proc = Path.of("/proc", Long.toString(pid));
            assertEquals(
                    serverNet, Files.readSymbolicLink(proc.resolve("ns/net")).toString(), "supervisor " + pid);
            String cwd = Files.readSymbolicLink(proc.resolve("cwd")).toString();
            assertTrue(
                    cwd.equals("/") || (!kept.contains(pid) && cwd.equals(serverCwd)),
                    "supervisor " + pid + " in " + cwd);
            List<String> fds = heldFiles(pid);
            List<String> cgroupFiles =
                    fds.stream().filter(f -> f.startsWith("/sys/fs/cgroup")).toList();
            for (String target : fds) {
                assertTrue(
                        !target.startsWith(stateDir.toString()),
                        "supervisor " + pid + " holds " + target + " of a finished run: " + fds);
            }
            for (String target : cgroupFiles) {
                assertTrue(
                        KEPT_CGROUP_FILE.matcher(target).matches(),
                        "supervisor " + pid + " holds " + target + ": " + fds);
            }
            assertTrue(cgroupFiles.size() <= KEPT_CGROUP_FILES, "supervisor " + pid + " holds " + cgroupFiles);
            // stdio, 4 sockets and namespaces of the server's, the template, 5 prepared pipes and /dev; a kept
            // connection
            assertTrue(fds.size() - cgroupFiles.size() <= 23, "supervisor " + pid + " holds " + fds);
        }
    }

    /**
     * A supervisor keeps the cgroup files it opens for its runs open from run to run (cgfiles.c), found again
     * by their paths: the engine never names two cgroups alike. Runs that each leave memory charged to their
     * cgroup (a new file of 1 MiB in the work dir) each get a cgroup never used before (CgroupPool replaces
     * such a cgroup rather than reuse it), far more of them than a supervisor keeps files of. Every run is still
     * moved into its own cgroup and counted there (its memory peak holds its file: a kept descriptor of another
     * run's cgroup would leave this one's peak near zero, one of a removed cgroup would fail the run), and each
     * supervisor holds no more than it may keep, every one a run cgroup's file.
     */
    @Test
    void keptCgroupFilesAreEachRunsOwnThroughManyCgroups() throws IOException {
        Workdir w = workdir(128 * MIB);
        okOut(sh(w, "true"));
        ProcessHandle server = launcherServer();
        Path pool = supervisorsNamed(server, "proctor-idle", "proctor-kept").stream()
                .flatMap(pid -> heldFiles(pid).stream())
                .filter(f -> f.startsWith("/sys/fs/cgroup/pids/") && f.endsWith("/tasks"))
                .map(f -> Path.of(f).getParent().getParent())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no supervisor keeps a pids tasks file"));
        Set<String> cgroups = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            RunResult r = sh(w, "head -c 1048576 /dev/zero > charged-" + i + " && echo " + i);
            assertEquals(i + "\n", okOut(r));
            assertTrue(r.usage().memoryPeakBytes() >= 1 << 20, "run " + i + ": " + describe(r));
            try (Stream<Path> listed = Files.list(pool)) {
                listed.filter(Files::isDirectory)
                        .forEach(c -> cgroups.add(c.getFileName().toString()));
            }
        }
        // 60 runs, each with a cgroup of its own: more than the 128 files of ~16 cgroups a supervisor keeps
        assertTrue(cgroups.size() >= 40, "cgroups seen: " + cgroups);
        for (long pid : supervisorsNamed(server, "proctor-idle", "proctor-kept")) {
            List<String> cgroupFiles = heldFiles(pid).stream()
                    .filter(f -> f.startsWith("/sys/fs/cgroup"))
                    .toList();
            assertTrue(cgroupFiles.size() <= KEPT_CGROUP_FILES, "supervisor " + pid + " holds " + cgroupFiles);
            for (String target : cgroupFiles) {
                assertTrue(KEPT_CGROUP_FILE.matcher(target).matches(), "supervisor " + pid + " holds " + target);
            }
        }
    }

    /** At most this many cgroup files a supervisor keeps open from run to run (cgfiles.c, CGFILES_MAX). */
    private static final int KEPT_CGROUP_FILES = 128;

    /** A run cgroup's file a supervisor may keep: a v1 tasks file, the CPU or memory counter (v1 or v2). */
    private static final Pattern KEPT_CGROUP_FILE = Pattern.compile("/sys/fs/cgroup/.*/proctor-[^/]+/[^/]+-c[0-9]+/"
            + "(tasks|cpuacct\\.usage|memory\\.usage_in_bytes|cpu\\.stat|memory\\.current)( \\(deleted\\))?");

    /** What a supervisor's descriptors are open on ({@link #openFiles}); none if it exited meanwhile. */
    private static List<String> heldFiles(long pid) {
        try {
            return openFiles(Path.of("/proc", Long.toString(pid)));
        } catch (IOException gone) {
            return List.of();
        }
    }

    /**
     * Sampled runs (the service's are) are served run after run too: twenty of them one after another, with the
     * server's supervisors listed after each, show few supervisors that were not there before. The timeline's
     * buffer, kept by the supervisor from run to run, was once freed after each reply (it is a mapping, not from
     * malloc): every sampled run's supervisor died of SIGSEGV and the server forked another, one per run.
     */
    @Test
    void sampledRunsAreServedRunAfterRunToo() throws IOException {
        Workdir w = workdir();
        okOut(sh(w, "true"));
        ProcessHandle server = launcherServer();
        Set<Long> before = supervisors(server);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            RunResult r = engine.run(withSampling(
                    RunSpec.simple(w, List.of("/bin/sh", "-c", "echo sampled " + i), ROOMY), Duration.ofMillis(5)));
            assertEquals("sampled " + i + "\n", okOut(r));
            seen.addAll(supervisors(server));
        }
        seen.removeAll(before);
        assertTrue(seen.size() < 5, "supervisors forked during 20 sampled runs: " + seen + " (before: " + before + ")");
    }

    /** The server's supervisors, idle, busy or waiting on a kept connection (not the network namespace pool's child). */
    private static Set<Long> supervisors(ProcessHandle server) {
        return supervisorsNamed(server, "proctor-idle", "proctor-sup", "proctor-kept");
    }

    private static Set<Long> idleSupervisors(ProcessHandle server) {
        return supervisorsNamed(server, "proctor-idle");
    }
}
