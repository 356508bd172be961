package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the launcher's shorter path to exec (issue 11) must keep: pid 1 is cloned in a copy of a
 * three-mount template namespace instead of the host's (mnttemplate.c) and mounts the run's /proc
 * restricted at once, bounding its counters through the template's; it builds the root with umask 0
 * (no chmod per directory) and hands the job the service's umask back; a capture file is emptied
 * only when it holds something (no O_TRUNC).
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
}
