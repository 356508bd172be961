package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a program sees from inside: its own pid, uts, net, user, ipc, mount, cgroup and time
 * namespaces, no privileges, a read-only image and a throwaway writable layer, and nothing of
 * the host's secrets, the project, or another run.
 */
class SandboxIsolationIT extends SandboxRuns {

    /** pid 1 is the launcher's reaper, pid 2 the job; python does not fork, so there is nothing else. */
    @Test
    void procListsOnlyTheRunsOwnProcesses() {
        String out = okOut(python(workdir(),
                "import os; print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()), os.getpid())"));
        assertEquals("[1, 2] 2\n", out);
    }

    @Test
    void hostnameIsNotTheHosts() throws IOException {
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        String inside = okOut(sh(workdir(), "cat /proc/sys/kernel/hostname")).strip();
        assertEquals("proctor", inside);
        assertNotEquals(host, inside);
    }

    @Test
    void onlyLoopbackInterfaceExists() {
        String out = okOut(sh(workdir(), "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"));
        assertEquals("lo\n", out);
    }

    @Test
    void runsAsUnprivilegedUserWithoutCapabilities() {
        String out = okOut(sh(workdir(), "id -u; id -g; grep -E '^Cap(Eff|Prm|Inh|Amb):' /proc/self/status"));
        assertEquals("1000\n1000\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\n"
                + "CapEff:\t0000000000000000\nCapAmb:\t0000000000000000\n", out);
    }

    @Test
    void noNewPrivsAndSeccompFilterAreSet() {
        String out = okOut(sh(workdir(), "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status"));
        assertEquals("NoNewPrivs:\t1\nSeccomp:\t2\n", out);
    }

    @Test
    void allEightNamespacesDifferFromTheHosts() throws IOException {
        List<String> names = List.of("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts");
        String inside = okOut(sh(workdir(),
                "for n in " + String.join(" ", names) + "; do readlink /proc/self/ns/$n; done"));
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
        assertEquals("/usr/proctor-w refused\n/usr/bin/proctor-w refused\n"
                + "/etc/proctor-w refused\n/etc/passwd refused\n", out);
    }

    /**
     * The writable layer is thrown away after each run; only /box (the job's workdir) carries over.
     * / belongs to the sandbox's root, so the job (uid 1000) cannot create files there at all.
     */
    @Test
    void writesToRootAndTmpAreGoneInTheNextRun() {
        Workdir w = workdir();
        String first = okOut(sh(w, "(echo 1 > /proctor-left) 2>/dev/null || echo '/ refused';"
                + " echo 1 > /tmp/proctor-left; echo 1 > /dev/shm/proctor-left; echo 1 > /box/kept;"
                + " ls /tmp/proctor-left /dev/shm/proctor-left"));
        assertEquals("/ refused\n/dev/shm/proctor-left\n/tmp/proctor-left\n", first);
        String second = okOut(sh(w, "for f in /proctor-left /tmp/proctor-left /dev/shm/proctor-left /box/kept; do"
                + " if [ -e $f ]; then echo \"$f present\"; else echo \"$f gone\"; fi; done"));
        assertEquals("/proctor-left gone\n/tmp/proctor-left gone\n/dev/shm/proctor-left gone\n/box/kept present\n",
                second);
    }

    @Test
    void hostSecretsAndTheProjectAreNotReachable() throws IOException {
        assertTrue(Files.isRegularFile(Path.of("/etc/shadow")), "the host has an /etc/shadow to hide");
        List<String> paths = List.of("/etc/shadow", "/etc/gshadow", "/root", PROJECT.toString(),
                PROJECT.resolve("pom.xml").toString(), stateDir.toString());
        String out = okOut(sh(workdir(), "for f in " + String.join(" ", paths)
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
        String out = okOut(sh(mine, "cat " + other.path().resolve("secret") + " 2>/dev/null || echo unreachable;"
                + " ls /box"));
        assertEquals("unreachable\n", out);
    }
}
