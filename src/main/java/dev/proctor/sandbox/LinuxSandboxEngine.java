package dev.proctor.sandbox;

import dev.proctor.sandbox.accounting.CgroupStats;
import dev.proctor.sandbox.accounting.CpuSplit;
import dev.proctor.sandbox.accounting.Usage;
import dev.proctor.sandbox.cgroups.CgroupDetector;
import dev.proctor.sandbox.cgroups.CgroupDriver;
import dev.proctor.sandbox.cgroups.CgroupPool;
import dev.proctor.sandbox.cgroups.RunCgroup;
import dev.proctor.sandbox.ids.HostIdRanges;
import dev.proctor.sandbox.launcher.LaunchConnection;
import dev.proctor.sandbox.launcher.LaunchReport;
import dev.proctor.sandbox.launcher.LaunchRequest;
import dev.proctor.sandbox.launcher.LauncherServer;
import dev.proctor.sandbox.linux.ErrnoException;
import dev.proctor.sandbox.linux.Inotify;
import dev.proctor.sandbox.linux.Syscalls;
import dev.proctor.sandbox.rootfs.Image;
import dev.proctor.sandbox.rootfs.LayerFiles;
import dev.proctor.sandbox.rootfs.TmpfsWorkdir;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The sandbox engine on Linux: cgroups from Java, everything between fork and exec in the C
 * launcher, which the engine keeps running and feeds one spec per run over a Unix socket.
 * Built by {@link EngineBootstrap#start(EngineConfig)}.
 */
public final class LinuxSandboxEngine implements SandboxEngine {

    private static final Logger LOG = Logger.getLogger(LinuxSandboxEngine.class);
    /** Grace the Java side gives the supervisor past the wall limit before it gives up on it. */
    private static final Duration WATCHDOG_GRACE = Duration.ofSeconds(15);

    private static final int NOFILE = 1024;
    private static final long FSIZE_MARGIN = Limits.MIB;
    /** What a shell reports for a command it cannot execute. */
    private static final int EXEC_FAILED_EXIT = 127;

    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    /** The files the engine and the launcher make in a run's directory. */
    private static final String PIPE_TO_FIRST = "pipe-to-first";

    private static final String PIPE_TO_SECOND = "pipe-to-second";
    /** Run directories kept for reuse: more than the runs ever at once is never needed. */
    private static final int MAX_FREE_RUN_DIRS = 64;

    /** Unmounted work dir mount points kept for reuse, at most (as many as run dirs). */
    private static final int MAX_FREE_WORKDIR_MOUNTS = 64;
    /** Closed work dirs waiting to be unmounted, at most. */
    private static final int MAX_WORKDIRS_RELEASING = 64;

    private final EngineConfig config;
    private final EngineDirs instance;
    private final CgroupDriver cgroups;
    private final CgroupPool cgroupPool;
    private final Map<String, Image> images;
    /** Each image's launch spec entries, encoded once: its layers and binds, and its read-only paths. */
    private final Map<String, ImageEntries> imageEntries;

    private final Map<String, Path> seccompPrograms;
    private final HostIdRanges idRanges;
    private volatile LauncherServer launcher;
    private final AtomicLong sequence = new AtomicLong();
    /** Waits for the first of two joined runs' reports while the caller's thread waits for the second. */
    private final ExecutorService joinWaiters = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sandbox-joined");
        t.setDaemon(true);
        return t;
    });

    /**
     * Unmounts closed work dirs off the job's path (see {@link TmpfsWorkdir#create(Path, long,
     * HostIdRanges.Lease, java.util.concurrent.Executor)}); when it falls behind, the closing thread unmounts.
     */
    private final ThreadPoolExecutor workdirRelease = new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(MAX_WORKDIRS_RELEASING),
            r -> {
                Thread t = new Thread(r, "sandbox-workdir-release");
                t.setDaemon(true);
                return t;
            },
            (task, pool) -> task.run());

    private final ConcurrentLinkedDeque<RunDir> freeRunDirs = new ConcurrentLinkedDeque<>();
    /** Unmounted, empty mount points of closed work dirs, for later ones (see {@link #workdirUnmounted}). */
    private final ConcurrentLinkedDeque<Path> freeWorkdirMounts = new ConcurrentLinkedDeque<>();
    /** Cancels runs past their wall limit plus a grace. */
    private final RunWatchdog watchdog = new RunWatchdog();

    LinuxSandboxEngine(
            EngineConfig config,
            EngineDirs instance,
            CgroupDriver cgroups,
            Map<String, Image> images,
            Map<String, Path> seccompPrograms,
            LauncherServer launcher) {
        this.config = config;
        this.instance = instance;
        this.cgroups = cgroups;
        this.cgroupPool = new CgroupPool(cgroups, instance.tag());
        this.images = Map.copyOf(images);
        this.imageEntries = images.entrySet().stream()
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> ImageEntries.of(e.getValue())));
        this.seccompPrograms = Map.copyOf(seccompPrograms);
        this.idRanges = new HostIdRanges(config.uidBase(), config.idRanges(), config.idLockDir());
        this.launcher = launcher;
    }

    /** Starts an engine: checks every prerequisite first and reports all that are missing at once. */
    public static LinuxSandboxEngine start(EngineConfig config) {
        return EngineBootstrap.start(config);
    }

    /**
     * Removes what engines that are no longer running left in {@code stateDir} (their processes,
     * cgroups, mounts and directories, see {@link DeadEngines}); live engines are left alone. Every
     * engine does this at start-up; call it for a state dir whose engine died and will not be
     * restarted. Returns the tags of the dead engines cleaned up.
     */
    public static List<String> cleanUpDeadEngines(Path stateDir) {
        return DeadEngines.cleanUp(stateDir, new CgroupDetector());
    }

    /** A work dir holds its job's host id range (no other job on the host has it) until it is closed. */
    @Override
    public Workdir createWorkdir(long sizeBytes) {
        Path dir = freeWorkdirMounts.pollFirst();
        if (dir == null) {
            dir = instance.workDir().resolve("w" + sequence.incrementAndGet());
        }
        return TmpfsWorkdir.create(dir, sizeBytes, idRanges.lease(), workdirRelease, this::workdirUnmounted);
    }

    /**
     * A closed work dir's mount point, unmounted: kept for a later work dir (each still gets a tmpfs mounted
     * afresh on it), unless enough are kept or something is still mounted there; else removed. Making and
     * removing the directory on the state dir's disk (inode allocation) was a measurable part of every job.
     */
    private void workdirUnmounted(Path dir) {
        if (freeWorkdirMounts.size() < MAX_FREE_WORKDIR_MOUNTS && !isMountPoint(dir)) {
            freeWorkdirMounts.addFirst(dir);
            return;
        }
        TmpfsWorkdir.removeMountPoint(dir);
    }

    /** Whether {@code dir} is a mount point (or cannot be told): another device than its parent's. */
    private static boolean isMountPoint(Path dir) {
        try {
            Object mine = Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            Object parent = Files.getAttribute(dir.getParent(), "unix:dev", LinkOption.NOFOLLOW_LINKS);
            return !mine.equals(parent);
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    @Override
    public RunResult run(RunSpec spec, Cancellation cancellation) {
        String refused = refusal(spec);
        if (refused != null) {
            return RunResult.internalError(refused);
        }
        if (cancellation.isCancelled()) {
            return cancelled();
        }
        Prepared run = new Prepared(spec);
        try {
            run.setUp(null, null);
            String tooLarge = launchSizeRefusal(run.request);
            if (tooLarge != null) {
                return RunResult.internalError(tooLarge);
            }
            return run.finish(launch(run.request, spec, cancellation));
        } catch (SandboxException | IOException e) {
            return run.failed(e);
        } finally {
            run.close();
        }
    }

    @Override
    public JoinedRuns runJoined(RunSpec first, RunSpec second, Cancellation cancellation) {
        String refused = refusal(first);
        refused = refused != null ? refused : refusal(second);
        refused = refused != null ? refused : joinRefusal(first, second);
        if (refused != null) {
            return JoinedRuns.internalError(refused);
        }
        if (cancellation.isCancelled()) {
            return new JoinedRuns(cancelled(), cancelled(), false);
        }
        Prepared a = new Prepared(first);
        Prepared b = new Prepared(second);
        try {
            a.makeDirs();
            // the pipes live in the first run's directory (root's alone); only the two jobs hold them open
            Path toSecond = a.runDir.dir().resolve(PIPE_TO_SECOND);
            Path toFirst = a.runDir.dir().resolve(PIPE_TO_FIRST);
            a.pipes = true;
            Syscalls.mkfifo(toSecond.toString(), 0600);
            Syscalls.mkfifo(toFirst.toString(), 0600);
            a.setUp(toFirst, toSecond);
            b.setUp(toSecond, toFirst);
            String tooLarge = launchSizeRefusal(a.request);
            tooLarge = tooLarge != null ? tooLarge : launchSizeRefusal(b.request);
            if (tooLarge != null) {
                return JoinedRuns.internalError(tooLarge);
            }
            // which run let go of its output first: watched before either pipe is opened (JoinedEnds)
            try (Inotify closes = watchCloses()) {
                int firstOut = closes == null ? -1 : closes.watchCloseWrite(toSecond);
                int secondOut = closes == null ? -1 : closes.watchCloseWrite(toFirst);
                LaunchReport[] reports = launchJoined(a, b, cancellation);
                boolean firstEndedFirst = JoinedEnds.firstEndedFirst(
                        closes == null ? null : closes.closedWriters(),
                        firstOut,
                        secondOut,
                        reports[0].endMonoMicros(),
                        reports[1].endMonoMicros());
                RunResult ra = a.finish(reports[0]);
                RunResult rb = b.finish(reports[1]);
                return new JoinedRuns(ra, rb, firstEndedFirst);
            }
        } catch (SandboxException | IOException e) {
            LOG.errorf("joined runs %s and %s failed inside Proctor: %s", a.id, b.id, e.getMessage());
            return JoinedRuns.internalError(e.getMessage());
        } finally {
            b.close();
            a.close();
        }
    }

    /**
     * An inotify instance for the pipes of joined runs, or null (said in the log) when the kernel gives none:
     * the runs' end stamps then order them, which a busy machine can get wrong for ends microseconds apart.
     */
    private static Inotify watchCloses() {
        try {
            return Inotify.open();
        } catch (ErrnoException e) {
            LOG.warnf("joined runs ordered by their end stamps only: %s", e.getMessage());
            return null;
        }
    }

    /** Why the engine cannot run this spec at all, or null. */
    private String refusal(RunSpec spec) {
        if (!images.containsKey(spec.image())) {
            return "unknown image '" + spec.image() + "'; known: " + images.keySet();
        }
        if (!seccompPrograms.containsKey(spec.seccompProfile())) {
            return "unknown seccomp profile '" + spec.seccompProfile() + "'; known: " + seccompPrograms.keySet();
        }
        if (!(spec.workdir() instanceof TmpfsWorkdir)) {
            return "the work dir was not made by this engine: " + spec.workdir();
        }
        return launchBoundsRefusal(spec, images.get(spec.image()).binds().size());
    }

    /**
     * Why the launcher could not take {@code spec}'s lists, or null: at most {@link LaunchRequest#MAX_ARGS}
     * arguments and as many environment entries, no NUL in any (execve's strings end at one), environment
     * names neither empty nor holding '=', and at most {@link LaunchRequest#MAX_BINDS} binds with the image's
     * {@code imageBinds}. Said here, by name, rather than as the launcher's refusal of the spec.
     */
    static String launchBoundsRefusal(RunSpec spec, int imageBinds) {
        if (spec.argv().size() > LaunchRequest.MAX_ARGS) {
            return "argv: at most " + LaunchRequest.MAX_ARGS + " arguments, not "
                    + spec.argv().size();
        }
        if (spec.env().size() > LaunchRequest.MAX_ARGS) {
            return "env: at most " + LaunchRequest.MAX_ARGS + " variables, not "
                    + spec.env().size();
        }
        for (int i = 0; i < spec.argv().size(); i++) {
            if (spec.argv().get(i).indexOf('\0') >= 0) {
                return "argv[" + i + "] holds a NUL byte";
            }
        }
        for (Map.Entry<String, String> e : spec.env().entrySet()) {
            String name = e.getKey();
            if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
                return "env: a variable's name must be non-empty, without '=' or NUL: " + printable(name);
            }
            if (e.getValue().indexOf('\0') >= 0) {
                return "env " + name + ": its value holds a NUL byte";
            }
        }
        int hostFilesMax = LaunchRequest.MAX_BINDS - imageBinds;
        if (spec.hostFiles().size() > hostFilesMax) {
            return "hostFiles: at most " + hostFilesMax + " with image '" + spec.image() + "', not "
                    + spec.hostFiles().size();
        }
        return null;
    }

    /** A name for a message: NUL and other controls shown as \\uXXXX, at most 64 characters. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.append(s.length() > 64 ? "…\"" : "\"").toString();
    }

    /** Why the launcher could not read the spec built for a run ({@code request}), or null. */
    private static String launchSizeRefusal(LaunchRequest request) {
        int length = request.length();
        return length <= LaunchRequest.MAX_BYTES
                ? null
                : "the run's launch spec is " + length + " bytes, over the launcher's " + LaunchRequest.MAX_BYTES
                        + ": its arguments, environment and host file paths together are too large";
    }

    /** Joined runs read the pipes, and must not share files or host ids (the same job's views would). */
    private static String joinRefusal(RunSpec first, RunSpec second) {
        if (!(first.stdin() instanceof Stdin.Empty) || !(second.stdin() instanceof Stdin.Empty)) {
            return "joined runs read each other's output: their stdin must be empty";
        }
        TmpfsWorkdir a = (TmpfsWorkdir) first.workdir();
        TmpfsWorkdir b = (TmpfsWorkdir) second.workdir();
        if (a.path().equals(b.path()) || a.idRange().first() == b.idRange().first()) {
            return "joined runs need work directories of their own: " + a.path() + ", " + b.path();
        }
        return null;
    }

    private static RunResult cancelled() {
        return new RunResult(RunStatus.CANCELLED, null, null, Usage.NONE, null, null, List.of(), "cancelled");
    }

    /**
     * Starts both runs and waits for both reports, one in a waiter thread. A run that fails inside
     * Proctor cancels the other: its result could not be judged alone.
     */
    private LaunchReport[] launchJoined(Prepared a, Prepared b, Cancellation cancellation) {
        LauncherServer server = liveLauncher();
        try (LaunchConnection ca = server.open(a.request, idRangeOf(a.spec));
                LaunchConnection cb = server.open(b.request, idRangeOf(b.spec))) {
            CompletableFuture<LaunchReport> first =
                    CompletableFuture.supplyAsync(() -> awaitJoined(ca, cb, a.spec, cancellation), joinWaiters);
            cgroupPool.recycleDue();
            LaunchReport second = awaitJoined(cb, ca, b.spec, cancellation);
            try {
                return new LaunchReport[] {first.join(), second};
            } catch (CompletionException e) {
                throw e.getCause() instanceof SandboxException se
                        ? se
                        : new SandboxException("joined run: " + e.getCause(), e.getCause());
            }
        }
    }

    private LaunchReport awaitJoined(LaunchConnection conn, LaunchConnection other, RunSpec spec, Cancellation c) {
        try {
            LaunchReport report = await(conn, spec, c);
            if (report.error() != null && !RunStatusRules.execFailed(report)) {
                other.cancel();
            }
            return report;
        } catch (RuntimeException e) {
            other.cancel();
            throw e;
        }
    }

    /** One run's host side: its directory, cgroup and launch request; {@link #close} releases them. */
    private final class Prepared implements AutoCloseable {
        final RunSpec spec;
        final String id = instance.tag() + "-" + sequence.incrementAndGet();
        RunDir runDir;
        RunCgroup cgroup;
        LaunchRequest request;

        Prepared(RunSpec spec) {
            this.spec = spec;
        }

        /** The run's directory (see {@link #takeRunDir}), taken once. */
        void makeDirs() throws IOException {
            if (runDir == null) {
                runDir = takeRunDir();
            }
        }

        private boolean recyclable;
        /** Whether the joined runs' pipes were made in this run's directory. */
        boolean pipes;
        /** Whether the run's capture files were read and held nothing (or were never made): kept for the next run. */
        private boolean capturesEmpty;

        /** {@code stdinFifo}, {@code stdoutFifo}: the pipes of a joined run, else null. */
        void setUp(Path stdinFifo, Path stdoutFifo) throws IOException {
            makeDirs();
            cgroup = cgroupPool.take(spec.limits());
            request = request(
                    id,
                    spec,
                    (TmpfsWorkdir) spec.workdir(),
                    imageEntries.get(spec.image()),
                    seccompPrograms.get(spec.seccompProfile()),
                    runDir,
                    cgroup,
                    stdinFifo,
                    stdoutFifo);
            // the connection stays for a later run when the run ends as runs do (LauncherServer keeps it)
            request.put("keep", 1);
        }

        RunResult finish(LaunchReport report) throws IOException {
            // only a run the launcher saw through to its end (pid 1 reaped) leaves a cgroup fit for another run;
            // after a failed or broken launch a pid 1 may still be on its way into it
            recyclable = report.failure() == null;
            cgroup.killAll();
            CgroupStats stats = cgroup.readStats();
            int cap = (int) Math.min(Integer.MAX_VALUE - 8, spec.limits().outputBytes());
            // a stream the supervisor replied it wrote nothing to is an empty file it opened (emptied) for
            // this run: not opened again here (two opens, a stat and a close saved per run of a silent job)
            boolean replied = report.error() == null;
            Captured stdout = Captured.read(runDir.stdout(), cap, replied && report.stdoutBytes() == 0);
            Captured stderr = Captured.read(runDir.stderr(), cap, replied && report.stderrBytes() == 0);
            // a supervisor that replied has written its last byte: its files stay as read
            capturesEmpty = recyclable && stdout.kept() == 0 && stderr.kept() == 0;
            return result(spec, report, stats, stdout, stderr);
        }

        RunResult failed(Exception e) {
            // the run's files live in the state dir: name it, a full disk there is the usual cause
            String message = e instanceof IOException
                    ? "run files in " + instance.runsDir() + ": " + e.getMessage()
                    : e.getMessage();
            LOG.errorf("run %s failed inside Proctor: %s", id, message);
            return RunResult.internalError(message);
        }

        @Override
        public void close() {
            if (cgroup != null) {
                if (recyclable) {
                    cgroupPool.release(cgroup);
                } else {
                    cgroupPool.discard(cgroup);
                }
                cgroup = null;
            }
            if (runDir != null) {
                releaseRunDir(runDir, spec.stdin() instanceof Stdin.FromBytes, pipes, capturesEmpty, recyclable);
                runDir = null;
            }
        }
    }

    /**
     * A run's directory: stdin and the captured output, root's alone, and {@code mnt}, the one host
     * directory pid 1 works in (the launcher chowns it to the run's root; the run's mounts hang from
     * it in the run's own mount namespace only). Directories are reused run after run, one run at a
     * time, emptied of the files in between: making and removing them, and checking for mounts left
     * below them, was a measurable part of every run.
     */
    private RunDir takeRunDir() throws IOException {
        RunDir free = freeRunDirs.pollFirst();
        if (free != null) {
            return free;
        }
        RunDir made = RunDir.of(instance.runsDir().resolve("r" + sequence.incrementAndGet()));
        Files.createDirectory(made.dir(), PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
        Files.createDirectory(made.mnt(), PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
        return made;
    }

    /**
     * A run directory's paths, resolved once and reused with the directory (with their strings, which a
     * path makes once): every run names them in its launch spec and reads its capture files by them.
     */
    private record RunDir(Path dir, Path mnt, Path stdout, Path stderr) {
        static RunDir of(Path dir) {
            return new RunDir(dir, dir.resolve("mnt"), dir.resolve("stdout"), dir.resolve("stderr"));
        }
    }

    /**
     * The run's files removed by name (the captured output, and the stdin file and joined runs' pipes
     * where the run had them; one not made is no error); a directory whose {@code mnt} holds anything is
     * removed whole, not reused. Empty capture files ({@code capturesEmpty}: read after a run the launcher
     * replied to, both empty) stay: the next run's supervisor opens them without emptying them (an empty file is what it
     * would make), and a run that fails before it opens them reads them as empty, as it reads missing
     * ones; a delete and a create per file and run on the state dir's filesystem are saved.
     *
     * <p>{@code mnt} is listed only after a run the launcher did not see through to its end ({@code
     * launched} false). Pid 1 never writes to it: it starts in the mount namespace template's own directory,
     * or, without a template, in {@code mnt} with its scratch tmpfs mounted over it in its own namespace.
     * After a complete launch {@code mnt} is as the engine made it; the listing (an open, a stat, two
     * getdents and a close: a fifth of the engine's system calls per run) is the check for a launch that
     * broke off part way.
     */
    private void releaseRunDir(
            RunDir runDir, boolean stdinFile, boolean pipes, boolean capturesEmpty, boolean launched) {
        Path dir = runDir.dir();
        try {
            if (!capturesEmpty) {
                Files.deleteIfExists(runDir.stdout());
                Files.deleteIfExists(runDir.stderr());
            }
            if (stdinFile) {
                Files.deleteIfExists(dir.resolve("stdin"));
            }
            if (pipes) {
                Files.deleteIfExists(dir.resolve(PIPE_TO_FIRST));
                Files.deleteIfExists(dir.resolve(PIPE_TO_SECOND));
            }
            // File.list: an open, a stat, two getdents and a close (a DirectoryStream is a secure one here:
            // a dup and two fcntl more, and a second close); null when it cannot be read: not reused
            boolean empty = launched;
            if (!empty) {
                String[] left = runDir.mnt().toFile().list();
                empty = left != null && left.length == 0;
            }
            if (empty && freeRunDirs.size() < MAX_FREE_RUN_DIRS) {
                freeRunDirs.addFirst(runDir);
                return;
            }
        } catch (IOException e) {
            LOG.warnf("run dir %s not reused: %s", dir, e.getMessage());
        }
        deleteQuietly(dir);
    }

    /**
     * The launcher spec this engine would send for {@code spec}, for a client that drives a launcher itself
     * (`./proctor bench sandbox` does, from C, to measure the launcher without the JVM): the run's files in
     * {@code dir} (made here; reusable from run to run, one run at a time) and a fresh cgroup, which stays
     * the caller's until {@link ExportedLaunch#close()}.
     */
    public ExportedLaunch exportLaunch(RunSpec spec, Path dir) throws IOException {
        ImageEntries image = imageEntries.get(spec.image());
        Path bpf = seccompPrograms.get(spec.seccompProfile());
        if (image == null || bpf == null || !(spec.workdir() instanceof TmpfsWorkdir workdir)) {
            throw new SandboxException("exportLaunch: unknown image or seccomp profile, or a foreign work dir");
        }
        Files.createDirectories(dir.resolve("mnt"));
        Files.setPosixFilePermissions(dir, PRIVATE_DIR);
        RunCgroup cgroup = cgroupPool.take(spec.limits());
        String id = instance.tag() + "-ext-" + sequence.incrementAndGet();
        byte[] bytes = request(id, spec, workdir, image, bpf, RunDir.of(dir), cgroup, null, null)
                .toBytes();
        return new ExportedLaunch(bytes, () -> cgroupPool.release(cgroup));
    }

    /** A run's spec as the launcher reads it, and the release of the cgroup it names. */
    public record ExportedLaunch(byte[] spec, Runnable release) implements AutoCloseable {
        @Override
        public void close() {
            release.run();
        }
    }

    /** The launcher is restarted if it ever died: one crash must not fail every later run. */
    private LauncherServer liveLauncher() {
        LauncherServer current = launcher;
        if (current.isAlive()) {
            return current;
        }
        synchronized (this) {
            if (!launcher.isAlive()) {
                LOG.error("the launcher exited; starting a new one");
                launcher.close();
                launcher = LauncherServer.start(
                        config.launcherBinary(), instance.dir().resolve("launcher.sock"));
            }
            return launcher;
        }
    }

    /** The first host uid of the run's work dir's id range: its spec's uid_base (see {@link #request}). */
    private static long idRangeOf(RunSpec spec) {
        return ((TmpfsWorkdir) spec.workdir()).idRange().first();
    }

    private LaunchReport launch(LaunchRequest request, RunSpec spec, Cancellation cancellation) {
        try (LaunchConnection conn = liveLauncher().open(request, idRangeOf(spec))) {
            // the run is under way: earlier runs' cgroups are recycled while this thread would only wait
            cgroupPool.recycleDue();
            return await(conn, spec, cancellation);
        }
    }

    /** Waits for a run's report; the caller's cancellation, or the wall limit plus a grace, ends it first. */
    private LaunchReport await(LaunchConnection conn, RunSpec spec, Cancellation cancellation) {
        Runnable cancel = conn::cancel;
        cancellation.onCancel(cancel);
        try (RunWatchdog.Guard guard = watchdog.arm(spec.limits().wallTime().plus(WATCHDOG_GRACE), cancel)) {
            return conn.awaitReport();
        } finally {
            cancellation.removeListener(cancel);
        }
    }

    /**
     * A run's host file, links resolved (a setter's package folder may link its files): a regular file its
     * unprivileged user can read (others may read it), else the run is refused with the remedy. Bound
     * read-only, nosuid, nodev by the launcher, like the image's binds.
     */
    private static String readableHostFile(Path source) throws IOException {
        Path real = source.toRealPath();
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new SandboxException("host file " + source + " is not a regular file");
        }
        if (!Files.getPosixFilePermissions(real).contains(PosixFilePermission.OTHERS_READ)) {
            throw new SandboxException("host file " + source + " is not readable by the run: give it o+r");
        }
        String path = real.toString();
        if (path.indexOf('\t') >= 0 || path.indexOf('\n') >= 0) {
            throw new SandboxException("host file " + source + " has a tab or newline in its path");
        }
        return path;
    }

    private LaunchRequest request(
            String id,
            RunSpec spec,
            TmpfsWorkdir workdir,
            ImageEntries image,
            Path bpf,
            RunDir runDir,
            RunCgroup cgroup,
            Path stdinFifo,
            Path stdoutFifo)
            throws IOException {
        Limits limits = spec.limits();
        LaunchRequest r = new LaunchRequest()
                .put("id", id)
                .put("run_dir", runDir.mnt().toString())
                .put("box", workdir.path().toString())
                .put("box_overlay", workdir.isCopyOnWrite() ? 1 : 0)
                .put("uid_base", workdir.idRange().first())
                .put("stdin", stdinFifo != null ? stdinFifo.toString() : stdinPath(spec.stdin(), runDir.dir()))
                .put("stdout", runDir.stdout().toString())
                .put("stderr", runDir.stderr().toString())
                .put("seccomp", bpf.toString())
                .put("hostname", "proctor")
                .put("network", spec.network() == NetworkMode.LOOPBACK ? "loopback" : "none")
                .put("disk_bytes", limits.diskBytes())
                .put("disk_inodes", Limits.inodesFor(limits.diskBytes()))
                // above both tmpfs sizes: a full disk must give ENOSPC, not SIGXFSZ
                .put("rlimit_fsize", Math.max(limits.diskBytes(), spec.workdir().sizeBytes()) + FSIZE_MARGIN)
                .put("output_max", limits.outputBytes())
                .put("cpu_limit_us", limits.cpuTime().toNanos() / 1000)
                .put("wall_limit_us", limits.wallTime().toNanos() / 1000)
                .put("sample_us", spec.sampleInterval().toNanos() / 1000)
                // backstop only: the supervisor's watch of the cgroup counter ends the run first
                .put("rlimit_cpu_s", (limits.cpuTime().toMillis() + 999) / 1000 + 1)
                .put("rlimit_stack", limits.memoryBytes())
                .put("rlimit_nofile", NOFILE)
                .put("cpu_file", cgroup.cpuUsageFile().toString())
                .put("cpu_format", cgroups.version().equals("v2") ? "usec" : "ns")
                .put("mem_file", cgroup.memoryCurrentFile().toString());
        if (stdoutFifo != null) {
            r.put("stdout_fifo", stdoutFifo.toString());
        }
        r.putAll(image.layersAndBinds());
        for (RunSpec.HostFile f : spec.hostFiles()) {
            r.put("bind", readableHostFile(f.source()) + "\t" + f.target() + "\tro");
        }
        r.putAll(image.readOnly());
        for (Path tasks : cgroup.attachFiles()) {
            r.put("tasks", tasks.toString());
        }
        if (cgroup.cgroupDir() != null) {
            r.put("cgroup_dir", cgroup.cgroupDir().toString());
        }
        for (Map.Entry<String, String> e : spec.env().entrySet()) {
            r.put("env", e.getKey() + "=" + e.getValue());
        }
        for (String arg : spec.argv()) {
            r.put("arg", arg);
        }
        return r;
    }

    /**
     * An image's launch spec entries, the same for every run of it: its layers and binds (a run's host
     * files are bound after them), then its read-only paths.
     */
    private record ImageEntries(LaunchRequest layersAndBinds, LaunchRequest readOnly) {
        static ImageEntries of(Image image) {
            LaunchRequest mounts = new LaunchRequest();
            for (Path layer : image.layers()) {
                mounts.put("layer", layer.toString());
            }
            for (Image.Bind b : image.binds()) {
                mounts.put("bind", b.source() + "\t" + b.target() + "\t" + (b.readOnly() ? "ro" : "rw"));
            }
            LaunchRequest readOnly = new LaunchRequest();
            for (String ro : image.readOnlyPaths()) {
                readOnly.put("ro", ro);
            }
            return new ImageEntries(mounts, readOnly);
        }
    }

    private static String stdinPath(Stdin stdin, Path runDir) throws IOException {
        if (stdin instanceof Stdin.FromFile f) {
            return f.path().toString();
        }
        if (stdin instanceof Stdin.FromBytes b) {
            Path file = runDir.resolve("stdin");
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(file, b.bytes(), StandardOpenOption.TRUNCATE_EXISTING);
            return file.toString();
        }
        return "";
    }

    private RunResult result(RunSpec spec, LaunchReport report, CgroupStats stats, Captured stdout, Captured stderr)
            throws IOException {
        if (report.error() == null) {
            stdout.require(report.stdoutBytes(), spec.limits().outputBytes());
            stderr.require(report.stderrBytes(), spec.limits().outputBytes());
        }
        RunStatus status = RunStatusRules.decide(report, stats, spec.limits());
        long cpu = stats.cpuUsageMicros() >= 0 ? stats.cpuUsageMicros() : report.cpuMicros();
        CpuSplit split = CpuSplit.of(stats.cpuUsageMicros(), stats.cpuUserMicros(), stats.cpuSystemMicros());
        Usage usage = new Usage(
                cpu,
                split.userMicros(),
                split.systemMicros(),
                report.wallMicros(),
                stats.memoryPeakBytes(),
                // a pid 1 the OOM killer took is counted in its spawner's cgroup, not the run's (RunStatusRules)
                Math.max(RunStatusRules.oomKilledPid1(report, stats, spec.limits()) ? 1 : 0, stats.oomKills()),
                Math.max(0, stats.memoryLimitHits()),
                stats.pidsPeak(),
                Math.max(0, stats.throttledPeriods()),
                Math.max(0, stats.throttledMicros()),
                stats.ioReadBytes(),
                stats.ioWriteBytes(),
                report.stdoutBytes(),
                report.stderrBytes());
        boolean execFailed = RunStatusRules.execFailed(report);
        Integer exit =
                execFailed ? Integer.valueOf(EXEC_FAILED_EXIT) : report.signal() == null ? report.exitCode() : null;
        String signal = execFailed || report.signal() == null ? null : Signals.name(report.signal());
        String message = execFailed
                ? "cannot execute the program: " + report.error()
                : report.error() != null ? "launcher failed: " + report.error() : null;
        return new RunResult(
                status,
                exit,
                signal,
                usage,
                stdout.bytes(),
                stderr.bytes(),
                report.samples(),
                message,
                spec.limits().memoryBytes());
    }

    /**
     * A captured stream as its file holds it: the first {@code cap} bytes, read with one open, and the
     * file's size ({@code kept}); a file the supervisor never made holds nothing.
     */
    private record Captured(Path file, byte[] bytes, long kept) {

        /** {@code knownEmpty}: the supervisor replied it wrote nothing to the file: not read. */
        static Captured read(Path file, int cap, boolean knownEmpty) throws IOException {
            if (knownEmpty) {
                return new Captured(file, new byte[0], 0);
            }
            try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
                long kept = in.size();
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(kept, cap));
                while (buf.hasRemaining()) {
                    if (in.read(buf) < 0) {
                        break;
                    }
                }
                byte[] bytes =
                        buf.position() == buf.capacity() ? buf.array() : Arrays.copyOf(buf.array(), buf.position());
                return new Captured(file, bytes, kept);
            } catch (NoSuchFileException e) {
                return new Captured(file, new byte[0], 0);
            }
        }

        /**
         * The supervisor keeps the first {@code cap} bytes of a stream in its file; fewer than it wrote
         * means the file could not be written (the state dir is full): the output is lost, so no verdict may
         * be drawn from it.
         */
        void require(long written, long cap) throws IOException {
            long expected = Math.min(written, cap);
            if (kept < expected) {
                long free = Files.getFileStore(file.getParent()).getUsableSpace();
                throw new IOException("the run's " + file.getFileName() + " could not be stored (" + kept + " of "
                        + expected + " bytes kept, " + free + " bytes free)"
                        + (free < Limits.MIB ? ": No space left on device" : ""));
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            LayerFiles.deleteTree(dir);
        } catch (IOException e) {
            LOG.warnf("could not remove run dir %s: %s", dir, e.getMessage());
        }
    }

    @Override
    public EngineInfo info() {
        return new EngineInfo(
                cgroups.version(),
                images.keySet().stream().sorted().toList(),
                seccompPrograms.keySet().stream().sorted().toList());
    }

    @Override
    public void close() {
        workdirRelease.shutdown();
        try {
            if (!workdirRelease.awaitTermination(1, TimeUnit.MINUTES)) {
                LOG.warn("work dirs still being unmounted after a minute; the instance clean-up unmounts them");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        watchdog.close();
        joinWaiters.shutdownNow();
        cgroupPool.close();
        launcher.close();
        instance.release(cgroups);
    }
}
