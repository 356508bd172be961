package dev.proctor.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.cgroups.CgroupDetector;
import dev.proctor.sandbox.cgroups.CgroupLayout;
import dev.proctor.sandbox.linux.Syscalls;
import dev.proctor.testsupport.TestStateDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * What a SIGKILLed node leaves on the host, seen from outside through /proc: its engine's
 * instance dir in the state dir, the job work dirs mounted below it, and a run held in its own
 * namespaces. The run is held by stopping its supervisor and pid 1 before the node dies. A stopped
 * process still dies of SIGKILL, and the launcher, every supervisor and every pid 1 have one as
 * their parent-death signal, so the held run normally ends with the node; but a supervisor stopped
 * in the moment its euid changes has none armed (the kernel clears it then), and one stuck in the
 * kernel cannot die: whichever it is, nothing of the run may be left once the restarted node has
 * cleaned up. Mounts stacked on and nested in the dead node's mounts are added too: the restart must
 * remove whatever shape it finds.
 */
final class DeadNodeLeftovers {

    private static final int SIGSTOP = 19;
    private static final long DEADLINE_SECONDS = 60;

    private final Path instance;
    private final String tag;
    private final Set<Long> held = new HashSet<>();
    private String heldMountNamespace;

    private DeadNodeLeftovers(Path instance) {
        this.instance = instance;
        this.tag = instance.getFileName().toString();
    }

    /** The engine instance of the node with this pid in {@code state} (named p&lt;pid&gt;e&lt;suffix&gt;). */
    static DeadNodeLeftovers of(Path state, long pid) throws IOException {
        try (Stream<Path> dirs = Files.list(state.resolve("instances"))) {
            Path dir = dirs.filter(d -> d.getFileName().toString().startsWith("p" + pid + "e"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no engine instance of pid " + pid + " in " + state));
            return new DeadNodeLeftovers(dir);
        }
    }

    /**
     * Waits for a run of the node whose work dir is mounted, then stops its supervisor and its pid 1
     * (SIGSTOP from the host reaches a pid 1): a live mount namespace of the node's making. A run's pid 1 is
     * the one in a pid namespace of its own (a supervisor's spawner, spawn.c, is in the node's namespace
     * template, a mount namespace the node keeps for its life, whose number the kernel may give the next
     * node's template once this one is gone) with a job below it (a pid 1 made ahead waits with none: held,
     * it would hold no run and no work dir).
     */
    void holdARunInItsNamespaces() throws InterruptedException {
        String socket = instance.resolve("launcher.sock").toString();
        String ours = mountNamespace(ProcessHandle.current().pid()).orElseThrow();
        String ourPids = namespace(ProcessHandle.current().pid(), "pid").orElseThrow();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (System.nanoTime() < deadline) {
            List<Long> launcher = processesWithArg(socket);
            for (long pid1 : launcher) {
                long supervisor = parent(pid1);
                Optional<String> ns = mountNamespace(pid1);
                if (!launcher.contains(supervisor)
                        || ns.isEmpty()
                        || ns.get().equals(ours)
                        || namespace(pid1, "pid").map(ourPids::equals).orElse(true)
                        || ProcessHandle.of(pid1)
                                .map(p -> p.children().findAny().isEmpty())
                                .orElse(true)
                        || TestStateDirs.mountsBelow(instance.resolve("work")).isEmpty()) {
                    continue;
                }
                Syscalls.kill((int) supervisor, SIGSTOP);
                Syscalls.kill((int) pid1, SIGSTOP);
                if (stopped(supervisor) && stopped(pid1)) {
                    held.add(supervisor);
                    held.add(pid1);
                    heldMountNamespace = ns.get();
                    return;
                }
                // the run ended meanwhile: let it go and take another
                Syscalls.kill((int) supervisor, Syscalls.SIGCONT);
                Syscalls.kill((int) pid1, Syscalls.SIGCONT);
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
        throw new AssertionError("no run of " + tag + " with a mounted work dir to hold");
    }

    /**
     * After the kill, before any restart: the dead node's work dirs stay mounted. The held run may have
     * ended with the node (parent-death signals) or still be there; {@link #assertAllRemoved} holds either way.
     */
    void assertLeftBehind() {
        assertFalse(
                TestStateDirs.mountsBelow(instance.resolve("work")).isEmpty(),
                "the dead node's work dirs are still mounted: no one but a restart unmounts them");
    }

    /**
     * A mount stacked on one of the dead node's work dirs, one nested in that (its name needs
     * escaping in mountinfo), one over the parent {@code work} dir, which hides every work dir
     * mount below it, and one over the instance dir itself.
     */
    void stackAndNestMounts() throws IOException {
        Path workdir =
                Path.of(TestStateDirs.mountsBelow(instance.resolve("work")).get(0));
        tmpfs(workdir);
        Files.createDirectory(workdir.resolve("nested dir"));
        tmpfs(workdir.resolve("nested dir"));
        tmpfs(instance.resolve("work"));
        tmpfs(instance);
    }

    private static void tmpfs(Path at) {
        Syscalls.mount("tmpfs", at.toString(), "tmpfs", Syscalls.MS_NOSUID | Syscalls.MS_NODEV, "size=1m");
    }

    /** After the restart: nothing of the dead node is mounted, running, or left in the state dir or cgroups. */
    void assertAllRemoved() throws InterruptedException {
        assertEquals(List.of(), TestStateDirs.mountsBelow(instance), "mounts of the dead node in /proc/self/mountinfo");
        assertFalse(Files.exists(instance), instance + " still exists");
        // the restart kills them before it unmounts; the kernel may still be tearing them down
        assertTrue(
                poll(() -> held.stream().noneMatch(DeadNodeLeftovers::alive)), "held processes " + held + " survive");
        assertTrue(
                poll(() -> processesIn(heldMountNamespace).isEmpty()),
                "processes still in the dead node's mount namespace " + heldMountNamespace);
        assertEquals(List.of(), processesWithArg(instance.toString()), "processes of the dead node");
        CgroupLayout layout = new CgroupDetector().layout();
        List<Path> owns = new ArrayList<>(layout.v1DistinctDirs());
        if (layout.v2OwnDir() != null) {
            owns.add(layout.v2OwnDir());
        }
        for (Path own : owns) {
            assertFalse(Files.exists(own.resolve("proctor-" + tag)), "cgroups of the dead node in " + own);
        }
    }

    private static boolean poll(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
        return true;
    }

    /** Running or stopped; gone or a zombie is not alive. */
    private static boolean alive(long pid) {
        char s = state(pid);
        return s != 0 && s != 'Z' && s != 'X';
    }

    /**
     * Whether a process sent SIGSTOP has stopped: the stop takes effect when it next runs, which on a busy
     * machine (it and its pid 1 share one pinned CPU) is not at once; false once it is gone or after 2 s.
     */
    private static boolean stopped(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (state(pid) != 'T') {
            if (!alive(pid) || System.nanoTime() > deadline) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(1);
        }
        return true;
    }

    /** The state letter of /proc/PID/stat, 0 when the process is gone. */
    private static char state(long pid) {
        return stat(pid).map(s -> s.charAt(s.lastIndexOf(')') + 2)).orElse((char) 0);
    }

    private static long parent(long pid) {
        return stat(pid)
                .map(s -> Long.parseLong(s.substring(s.lastIndexOf(')') + 4).split(" ")[0]))
                .orElse(-1L);
    }

    private static Optional<String> stat(long pid) {
        try {
            return Optional.of(Files.readString(Path.of("/proc/" + pid + "/stat")));
        } catch (IOException gone) {
            return Optional.empty();
        }
    }

    private static Optional<String> mountNamespace(long pid) {
        return namespace(pid, "mnt");
    }

    private static Optional<String> namespace(long pid, String kind) {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + kind))
                    .toString());
        } catch (IOException gone) {
            return Optional.empty();
        }
    }

    private static List<Long> processesIn(String mountNamespace) {
        return pids().stream()
                .filter(pid -> mountNamespace(pid).map(mountNamespace::equals).orElse(false))
                .toList();
    }

    /** Processes with an argument that contains {@code text}. */
    private static List<Long> processesWithArg(String text) {
        List<Long> found = new ArrayList<>();
        for (long pid : pids()) {
            try {
                String cmdline =
                        new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
                if (cmdline.contains(text)) {
                    found.add(pid);
                }
            } catch (IOException gone) {
                // exited meanwhile
            }
        }
        return found;
    }

    private static List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            procs.forEach(p -> pids.add(Long.parseLong(p.getFileName().toString())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pids;
    }
}
