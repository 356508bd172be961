package dev.proctor.sandbox;

import dev.proctor.sandbox.cgroups.CgroupDetector;
import dev.proctor.sandbox.linux.Syscalls;
import dev.proctor.sandbox.rootfs.LayerFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Removes what engines that died without closing (SIGKILL, the OOM killer, a lost container) left
 * behind. An engine owns the instance dir {@code <state>/instances/<tag>}, stamped with its pid and
 * start time; one whose owner is gone is dead, and may have left, in this order of removal:
 * <ol>
 * <li>processes: its launcher server and supervisors (a supervisor ends its run when the engine's
 * socket closes, but not while stopped or stuck) and their runs' pid 1, which holds the run's
 * pid and mount namespaces: a work dir's tmpfs lives on in such a namespace after it is unmounted
 * on the host;</li>
 * <li>its cgroups ({@code proctor-<tag>}), which hold the runs' processes;</li>
 * <li>work dirs (tmpfs) mounted on the host below the instance dir, and whatever is stacked on or
 * nested in them;</li>
 * <li>the instance dir itself.</li>
 * </ol>
 * Processes go first, so that no mount namespace of the dead engine outlives the clean-up and
 * nothing writes into a directory being removed.
 */
final class DeadEngines {

    private static final Logger LOG = Logger.getLogger(DeadEngines.class);
    static final String CGROUP_PREFIX = "proctor-";
    private static final Duration EXIT_WAIT = Duration.ofSeconds(5);
    /** The name of an instance dir being made starts with this; it is taken for live this long without its stamp. */
    static final String BEING_MADE_PREFIX = ".new-";

    static final Duration BEING_MADE = Duration.ofMinutes(1);

    private DeadEngines() {}

    /** The cgroup directory (below the service's own) of the engine with this tag. */
    static String cgroupDirName(String tag) {
        return CGROUP_PREFIX + tag;
    }

    /**
     * Cleans every dead engine of {@code state}, then the cgroups of dead engines of any state dir
     * (tests and the CLI use their own). A leftover that cannot be removed is logged and the rest
     * goes on: garbage of a dead engine must not keep a node from starting. Returns the tags cleaned.
     */
    static List<String> cleanUp(Path state, CgroupDetector cgroups) {
        List<String> cleaned = new ArrayList<>();
        for (Path dir : deadInstances(state.resolve("instances"))) {
            String tag = dir.getFileName().toString();
            try {
                killProcesses(dir);
                if (cgroups.childNames(cgroupDirName(tag)).contains(cgroupDirName(tag))) {
                    cgroups.removeRunsDir(cgroupDirName(tag));
                }
                LayerFiles.deleteTree(dir);
                cleaned.add(tag);
                LOG.infof("cleaned up the processes, cgroups, mounts and files of dead engine %s", tag);
            } catch (IOException | SandboxException e) {
                LOG.warnf("could not clean up dead engine %s in %s: %s", tag, state, e.getMessage());
            }
        }
        removeOrphanCgroups(cgroups);
        return cleaned;
    }

    private static List<Path> deadInstances(Path instances) {
        if (!Files.isDirectory(instances)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(instances)) {
            return dirs.filter(dir -> !isLive(dir)).toList();
        } catch (IOException e) {
            LOG.warnf("cannot list %s: %s", instances, e.getMessage());
            return List.of();
        }
    }

    /**
     * The owner stamp is the pid and the process's start time in clock ticks since boot, as the kernel keeps it
     * ({@code /proc/<pid>/stat}, field 22), so a recycled pid is never mistaken for a live engine. Not Java's
     * {@code ProcessHandle.Info.startInstant()}: each JVM turns the ticks into a wall-clock time with the boot
     * time it read when it started, so after a step of the clock (a VM resumed, NTP) two JVMs can disagree on the
     * same process's start, and an engine could take a live engine of another JVM for dead: kill its launcher and
     * delete its instance dir under its runs.
     */
    static String ownerStamp(ProcessHandle p) {
        String ticks = startTicks(p.pid());
        return p.pid() + " " + (ticks == null ? "?" : ticks);
    }

    /** Field 22 of {@code /proc/<pid>/stat}; null when the process is gone or has ended (see {@link #startTicksOf}). */
    static String startTicks(long pid) {
        String stat = stat(pid);
        return stat == null ? null : startTicksOf(stat);
    }

    /**
     * Field 22 of a {@code /proc/<pid>/stat} line; null when it has none, or when the process has ended (state
     * {@code Z} or {@code X}: a killed engine stays a zombie until its parent reaps it, and is dead all the same).
     */
    static String startTicksOf(String stat) {
        String[] fields = fieldsAfterCommand(stat);
        return fields == null || fields.length <= 19 || ended(fields) ? null : fields[19];
    }

    /** {@code /proc/<pid>/stat}, or null when the process is gone. */
    private static String stat(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
        } catch (IOException gone) {
            return null;
        }
    }

    /**
     * The fields of a {@code /proc/<pid>/stat} line after the command name, field 3 (the state) first; null
     * for a line without one. The command name may hold spaces and parentheses: it ends at the last ')'.
     */
    private static String[] fieldsAfterCommand(String stat) {
        int close = stat.lastIndexOf(')');
        return close < 0 ? null : stat.substring(close + 1).trim().split(" ");
    }

    /** Whether the state (the first of {@link #fieldsAfterCommand}) is a zombie's or a dead process's. */
    private static boolean ended(String[] fields) {
        return fields[0].equals("Z") || fields[0].equals("X");
    }

    static boolean isLive(Path instanceDir) {
        String stamp;
        try {
            stamp = Files.readString(instanceDir.resolve("owner")).trim();
        } catch (IOException e) {
            // an engine makes its instance dir under a name of its own, stamps it, then renames it
            // (EngineBootstrap): only such a dir may be seen without its stamp while it is live. An instance
            // dir whose stamp cannot be read (gone, or hidden under a mount stacked on the dir) is dead.
            return instanceDir.getFileName().toString().startsWith(BEING_MADE_PREFIX)
                    && youngerThan(instanceDir, BEING_MADE);
        }
        String[] parts = stamp.split(" ");
        if (parts.length != 2) {
            return false;
        }
        long pid;
        try {
            pid = Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            return false;
        }
        if (!parts[1].chars().allMatch(Character::isDigit)) {
            // a stamp of an older engine: its pid and Java's start instant (ISO-8601); a pid that lives is
            // taken for the engine rather than risk killing a live one of an older version
            return ProcessHandle.of(pid).isPresent();
        }
        return parts[1].equals(startTicks(pid));
    }

    private static boolean youngerThan(Path dir, Duration age) {
        try {
            return Files.getLastModifiedTime(dir)
                    .toInstant()
                    .isAfter(Instant.now().minus(age));
        } catch (IOException gone) {
            return false;
        }
    }

    /**
     * SIGKILLs the launcher processes of the instance, found by their command line
     * ({@code proctor-launcher serve <instance>/launcher.sock}, which supervisors and the runs' pid 1
     * keep: they are forked, never exec'd), and waits until they are gone. The jobs die with their
     * pid 1 (the kernel ends a pid namespace with its init); the cgroups catch any straggler.
     */
    private static void killProcesses(Path instanceDir) {
        String socket = instanceDir.resolve("launcher.sock").toString();
        List<Long> pids = launcherProcesses(socket);
        for (long pid : pids) {
            Syscalls.kill((int) pid, Syscalls.SIGKILL);
        }
        long deadline = System.nanoTime() + EXIT_WAIT.toNanos();
        List<Long> left = pids.stream().filter(DeadEngines::running).toList();
        while (!left.isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                throw new SandboxException("processes " + left + " of the dead engine in " + instanceDir
                        + " survive SIGKILL for " + EXIT_WAIT.toSeconds() + " s: stuck in the kernel (state D)?");
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SandboxException("interrupted while the dead engine's processes exit", e);
            }
            left = left.stream().filter(DeadEngines::running).toList();
        }
    }

    private static List<Long> launcherProcesses(String socket) {
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                String[] argv;
                try {
                    argv = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).split("\0");
                } catch (IOException gone) {
                    continue;
                }
                if (argv.length == 3 && argv[1].equals("serve") && argv[2].equals(socket)) {
                    found.add(Long.parseLong(proc.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new SandboxException("cannot list /proc: " + e.getMessage(), e);
        }
        return found;
    }

    /** Not gone and not a zombie (a zombie holds no namespace and no mount any more). */
    static boolean running(long pid) {
        String stat = stat(pid);
        String[] fields = stat == null ? null : fieldsAfterCommand(stat);
        return fields != null && !ended(fields);
    }

    /** Cgroups of engines whose process is gone, whatever state dir they used. */
    private static void removeOrphanCgroups(CgroupDetector cgroups) {
        for (String name : cgroups.childNames(CGROUP_PREFIX + "p")) {
            String pid = name.substring(CGROUP_PREFIX.length() + 1).replaceFirst("e[0-9a-z]+$", "");
            if (pid.isEmpty()
                    || !pid.chars().allMatch(Character::isDigit)
                    || ProcessHandle.of(Long.parseLong(pid)).isPresent()) {
                continue;
            }
            try {
                cgroups.removeRunsDir(name);
                LOG.infof("removed the cgroups of dead engine %s", name);
            } catch (SandboxException e) {
                LOG.warnf("could not remove the cgroups of dead engine %s: %s", name, e.getMessage());
            }
        }
    }
}
