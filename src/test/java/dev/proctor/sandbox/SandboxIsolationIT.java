package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What a program sees from inside: its own pid, uts, net, user, ipc, mount, cgroup and time
 * namespaces, no privileges, a read-only image and a throwaway writable layer, and nothing of
 * the host's secrets, the project, or another run.
 */
class SandboxIsolationIT extends SandboxRuns {

    /**
     * pid 1 is the launcher's reaper, pid 2 the job; python does not fork, so there is nothing else,
     * and /proc (hidepid=invisible) does not even show pid 1, whose command line names the launcher.
     */
    @Test
    void procListsOnlyTheRunsOwnProcesses() {
        String out = okOut(python(
                workdir(),
                "import os; print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()), os.getpid())"));
        assertEquals("[2] 2\n", out);
    }

    @Test
    void hostnameIsNotTheHosts() throws IOException {
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        String inside = okOut(sh(workdir(), "uname -n")).strip();
        assertEquals("proctor", inside);
        assertNotEquals(host, inside);
    }

    @Test
    void onlyLoopbackInterfaceExists() {
        String out = okOut(sh(workdir(), "tail -n +3 /proc/self/net/dev | cut -d: -f1 | tr -d ' '"));
        assertEquals("lo\n", out);
    }

    @Test
    void runsAsUnprivilegedUserWithoutCapabilities() {
        String out = okOut(sh(workdir(), "id -u; id -g; grep -E '^Cap(Eff|Prm|Inh|Amb):' /proc/self/status"));
        assertEquals(
                "1000\n1000\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\n"
                        + "CapEff:\t0000000000000000\nCapAmb:\t0000000000000000\n",
                out);
    }

    /**
     * The job itself (no shell between): no capability left to regain through execve (the bounding set,
     * dropped once by pid 1 before it forks the job), and no signal ignored or blocked (an ignored
     * signal survives execve; the JVM hands its children signals 32 and 33 ignored, which glibc's
     * signal() cannot reset).
     */
    @Test
    void theJobStartsWithNoBoundingSetAndNoSignalIgnoredOrBlocked() {
        String out =
                okOut(run(workdir(), ROOMY, "/usr/bin/grep", "-E", "^(CapBnd|SigBlk|SigIgn):", "/proc/self/status"));
        assertEquals("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nCapBnd:\t0000000000000000\n", out);
    }

    @Test
    void noNewPrivsAndSeccompFilterAreSet() {
        String out = okOut(sh(workdir(), "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status"));
        assertEquals("NoNewPrivs:\t1\nSeccomp:\t2\n", out);
    }

    @Test
    void allEightNamespacesDifferFromTheHosts() throws IOException {
        List<String> names = List.of("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts");
        String inside =
                okOut(sh(workdir(), "for n in " + String.join(" ", names) + "; do readlink /proc/self/ns/$n; done"));
        List<String> host = new ArrayList<>();
        for (String n : names) {
            host.add(Files.readSymbolicLink(Path.of("/proc/self/ns/" + n)).toString());
        }
        List<String> lines = inside.lines().toList();
        assertEquals(names.size(), lines.size(), inside);
        for (int i = 0; i < names.size(); i++) {
            assertTrue(lines.get(i).startsWith(names.get(i) + ":["), lines.get(i));
            assertNotEquals(host.get(i), lines.get(i), names.get(i) + " namespace is the host's");
        }
    }

    @Test
    void usrAndEtcAreReadOnly() {
        String out = okOut(sh(workdir(), """
                for f in /usr/proctor-w /usr/bin/proctor-w /etc/proctor-w /etc/passwd; do
                    if (echo x >> $f) 2>/dev/null; then echo "$f writable"; else echo "$f refused"; fi
                done
                """));
        assertEquals(
                "/usr/proctor-w refused\n/usr/bin/proctor-w refused\n"
                        + "/etc/proctor-w refused\n/etc/passwd refused\n",
                out);
    }

    /**
     * The binds pid 1 makes inside the run's tree carry their attributes: /etc read-only, /dev/shm (the scratch
     * tmpfs's shm dir) no exec, both nosuid and nodev, as the mount table inside the run says.
     */
    @Test
    void etcAndDevShmBindsCarryTheirAttributes() {
        String table = okOut(sh(workdir(), "cat /proc/self/mountinfo"));
        Map<String, List<String>> options = new HashMap<>();
        // a later line for the same mount point is the mount on top, the one a path reaches
        table.lines().map(l -> l.split(" ")).forEach(f -> options.put(f[4], List.of(f[5].split(","))));
        List<String> etc = options.get("/etc");
        List<String> shm = options.get("/dev/shm");
        assertTrue(etc != null && etc.containsAll(List.of("ro", "nosuid", "nodev")), "/etc: " + etc + "\n" + table);
        assertTrue(
                shm != null && shm.containsAll(List.of("rw", "nosuid", "nodev", "noexec")),
                "/dev/shm: " + shm + "\n" + table);
    }

    /**
     * The writable layer is thrown away after each run; only /box (the job's workdir) carries over.
     * / belongs to the sandbox's root, so the job (uid 1000) cannot create files there at all.
     */
    @Test
    void writesToRootAndTmpAreGoneInTheNextRun() {
        Workdir w = workdir();
        String first = okOut(sh(
                w,
                "(echo 1 > /proctor-left) 2>/dev/null || echo '/ refused';"
                        + " echo 1 > /tmp/proctor-left; echo 1 > /dev/shm/proctor-left; echo 1 > /box/kept;"
                        + " ls /tmp/proctor-left /dev/shm/proctor-left"));
        assertEquals("/ refused\n/dev/shm/proctor-left\n/tmp/proctor-left\n", first);
        String second = okOut(sh(
                w,
                "for f in /proctor-left /tmp/proctor-left /dev/shm/proctor-left /box/kept; do"
                        + " if [ -e $f ]; then echo \"$f present\"; else echo \"$f gone\"; fi; done"));
        assertEquals(
                "/proctor-left gone\n/tmp/proctor-left gone\n/dev/shm/proctor-left gone\n/box/kept present\n", second);
    }

    @Test
    void hostSecretsAndTheProjectAreNotReachable() throws IOException {
        assertTrue(Files.isRegularFile(Path.of("/etc/shadow")), "the host has an /etc/shadow to hide");
        List<String> paths = List.of(
                "/etc/shadow",
                "/etc/gshadow",
                "/root",
                PROJECT.toString(),
                PROJECT.resolve("pom.xml").toString(),
                stateDir.toString());
        String out = okOut(sh(
                workdir(),
                "for f in " + String.join(" ", paths)
                        + "; do if [ -e $f ]; then echo \"$f visible\"; else echo \"$f absent\"; fi; done"));
        StringBuilder expected = new StringBuilder();
        paths.forEach(p -> expected.append(p).append(" absent\n"));
        assertEquals(expected.toString(), out);
    }

    @Test
    void anotherRunsWorkdirIsNotReachable() {
        Workdir mine = workdir();
        Workdir other = workdir();
        other.writeFile("secret", "s3cret".getBytes(), false);
        String out = okOut(
                sh(mine, "cat " + other.path().resolve("secret") + " 2>/dev/null || echo unreachable;" + " ls /box"));
        assertEquals("unreachable\n", out);
    }

    /**
     * Issue 10, item 9: /proc showed the launcher's command line (/proc/1/cmdline, with its socket
     * path), host-wide files (config.gz, iomem, interrupts, keys…) and, in mountinfo, host paths
     * of the state directory. Now /proc is hidepid=invisible,subset=pid and every mount the run
     * sees comes from a detached tree with relative overlay paths.
     */
    @Test
    void procShowsNeitherPid1NorHostWideFilesAndMountinfoNoHostPath() {
        List<String> hidden = List.of(
                "/proc/1",
                "/proc/config.gz",
                "/proc/iomem",
                "/proc/interrupts",
                "/proc/keys",
                "/proc/kallsyms",
                "/proc/sys",
                "/proc/sched_debug",
                "/proc/timer_list",
                "/proc/meminfo",
                "/proc/mounts");
        String out = okOut(sh(
                workdir(),
                "for f in " + String.join(" ", hidden)
                        + "; do if [ -e $f ]; then echo \"$f visible\"; else echo \"$f absent\"; fi; done;"
                        + " cat /proc/self/mountinfo"));
        List<String> lines = out.lines().toList();
        for (int i = 0; i < hidden.size(); i++) {
            assertEquals(hidden.get(i) + " absent", lines.get(i));
        }
        String mountinfo = String.join("\n", lines.subList(hidden.size(), lines.size()));
        assertTrue(mountinfo.contains(" /box ") && mountinfo.contains(" / "), mountinfo);
        for (String hostPath : List.of(stateDir.toString(), "/var/lib/proctor", "/instances/", "/runs/", "/images/")) {
            assertTrue(!mountinfo.contains(hostPath), () -> hostPath + " in the run's mountinfo:\n" + mountinfo);
        }
    }

    /**
     * Issue 10, item 8: the state directory was 0711 and the instance, run and work directories,
     * the work dir's tmpfs 0755, stdin and answer files 0644: any local user could read submissions,
     * tests and answers while they ran. Now all of it is root's (or the job's own uid's) alone, and an
     * unprivileged host user (nobody, via setpriv) reads none of it during a run.
     */
    @Test
    void whatAJobIsGivenIsReadableOnlyByRootAndTheJob() throws Exception {
        Workdir w = workdir();
        w.writeFile("main.py", "print('secret')".getBytes(), false);
        w.writeFile("answer.txt", "42".getBytes(), false);
        RunSpec simple = RunSpec.simple(
                w, List.of("/usr/bin/python3", "-c", "import sys; sys.stdin.read()\n" + HOLD), Limits.defaults());
        RunSpec spec = new RunSpec(
                simple.image(),
                simple.argv(),
                simple.env(),
                w,
                Stdin.of("1 2\n".getBytes()),
                new Limits(Duration.ofSeconds(10), Duration.ofSeconds(30), 256 * MIB, 8, MIB, 64 * MIB, 1.0),
                simple.seccompProfile(),
                simple.network(),
                simple.sampleInterval());
        CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> engine.run(spec));
        try {
            awaitReady(w, run);
            Path instance;
            try (Stream<Path> list = Files.list(stateDir.resolve("instances"))) {
                instance = list.findFirst().orElseThrow();
            }
            Path runDir;
            try (Stream<Path> list = Files.list(instance.resolve("runs"))) {
                // run dirs are reused: the running one is the one holding its stdin
                runDir = list.filter(d -> Files.exists(d.resolve("stdin")))
                        .findFirst()
                        .orElseThrow();
            }
            for (Path dir : List.of(
                    stateDir,
                    stateDir.resolve("instances"),
                    instance,
                    instance.resolve("runs"),
                    runDir,
                    runDir.resolve("mnt"),
                    instance.resolve("work"),
                    w.path())) {
                assertEquals("rwx------", mode(dir), dir.toString());
            }
            for (Path file : List.of(
                    runDir.resolve("stdin"),
                    runDir.resolve("stdout"),
                    w.path().resolve("main.py"),
                    w.path().resolve("answer.txt"))) {
                assertEquals("rw-------", mode(file), file.toString());
            }
            for (Path file : List.of(
                    runDir.resolve("stdin"),
                    w.path().resolve("main.py"),
                    w.path().resolve("answer.txt"))) {
                Process cat = new ProcessBuilder(
                                "setpriv",
                                "--reuid=65534",
                                "--regid=65534",
                                "--clear-groups",
                                "--",
                                "cat",
                                file.toString())
                        .redirectErrorStream(true)
                        .start();
                String said = new String(cat.getInputStream().readAllBytes());
                assertTrue(
                        cat.waitFor(10, TimeUnit.SECONDS) && cat.exitValue() != 0,
                        () -> "nobody read " + file + ": " + said);
            }
        } finally {
            okOut(release(w, run));
        }
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }
}
