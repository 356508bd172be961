package dev.proctor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * CPU time read from /proc: a process with its reaped children, a process tree, a JVM's compiler threads, the
 * whole machine. Clock ticks of 10 ms, in ns.
 */
final class ProcCpu {

    private static final long TICK_NANOS = 10_000_000L;

    private ProcCpu() {}

    /**
     * The CPU of a JVM's JIT compiler threads ("C1 CompilerThread…", "C2 CompilerThread…"; the kernel keeps 15
     * characters of a thread's name), {@code process} being a pid or "self", in ns. A compiler thread the JVM
     * stopped in between (it starts and stops them with the load) takes its time with it: a lower bound.
     */
    static long jitNanos(String process) throws IOException {
        long total = 0;
        try (var tasks = Files.newDirectoryStream(Path.of("/proc", process, "task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                    total += ticks(stat, false) * TICK_NANOS;
                }
            }
        }
        return total;
    }

    /** utime + stime + cutime + cstime of a process (its own CPU and its reaped children's), in ns. */
    static long processNanos(long pid) throws IOException {
        return ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")), true) * TICK_NANOS;
    }

    /** utime + stime of a process: its own threads only, not its children's (reaped or live), in ns. */
    static long ownNanos(long pid) throws IOException {
        return ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")), false) * TICK_NANOS;
    }

    /**
     * A process with the children it reaped, and every live descendant likewise: e.g. a launcher server, every
     * supervisor (so every pid 1 and job it reaped), each supervisor's spawner and the pid 1s it made that still
     * wait for a run, and the network namespace maker. Every generation, not the children alone: a spawner is a
     * supervisor's child that lives as long as it does, so its CPU (the clones of pid 1s made ahead, with their
     * new namespaces) reaches no one's reaped-children count while the bench measures.
     */
    static long treeNanos(ProcessHandle process) throws IOException {
        long total = processNanos(process.pid());
        for (ProcessHandle descendant : process.descendants().toList()) {
            try {
                total += processNanos(descendant.pid());
            } catch (IOException gone) {
                // exited between the listing and the read: its time is in its parent's now
            }
        }
        return total;
    }

    /** utime + stime of a /proc stat line, and cutime + cstime too when {@code reaped}; clock ticks. */
    private static long ticks(String stat, boolean reaped) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return reaped ? ticks + Long.parseLong(f[13]) + Long.parseLong(f[14]) : ticks;
    }

    /**
     * Every CPU's busy time since boot (user, nice, system, irq, softirq, steal of /proc/stat's first line;
     * not idle or iowait), in ns: every process and kernel thread on the machine.
     */
    static long machineBusyNanos() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
            if (line.startsWith("cpu ")) {
                String[] f = line.trim().split("\\s+");
                long busy = 0;
                for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                    busy += Long.parseLong(f[i]);
                }
                return busy * TICK_NANOS;
            }
        }
        throw new IOException("/proc/stat has no cpu line");
    }

    /** The root cpuacct group's counter where cgroup v1 mounts one, or null (see {@link #machineNanos}). */
    private static final Path ROOT_CPUACCT = Stream.of(
                    "/sys/fs/cgroup/cpuacct/cpuacct.usage", "/sys/fs/cgroup/cpu,cpuacct/cpuacct.usage")
            .map(Path::of)
            .filter(Files::isReadable)
            .findFirst()
            .orElse(null);

    /**
     * The CPU every task on the machine has used, kernel threads included, in ns: the root cpuacct group's
     * {@code cpuacct.usage} (each task's own run time, to the nanosecond) where cgroup v1 mounts it, else
     * {@link #machineBusyNanos} (clock ticks). The root group holds every task: the kernel threads that finish a
     * run's work after it (a network namespace's {@code cleanup_net}, a freed seccomp filter's {@code
     * bpf_jit_free}, RCU callbacks) are counted too, which no process's own counters show.
     */
    static long machineNanos() throws IOException {
        return ROOT_CPUACCT != null
                ? Long.parseLong(Files.readString(ROOT_CPUACCT).strip())
                : machineBusyNanos();
    }

    /** Where {@link #machineNanos} reads from. */
    static String machineSource() {
        return ROOT_CPUACCT != null ? ROOT_CPUACCT.toString() : "/proc/stat";
    }
}
