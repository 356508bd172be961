package dev.proctor.sandbox;

import dev.proctor.sandbox.cgroups.CgroupDetector;
import dev.proctor.sandbox.cgroups.CgroupDriver;
import dev.proctor.sandbox.cgroups.DiskReadLimit;
import dev.proctor.sandbox.launcher.LauncherServer;
import dev.proctor.sandbox.linux.Syscalls;
import dev.proctor.sandbox.rootfs.HostImageBuilder;
import dev.proctor.sandbox.rootfs.Image;
import dev.proctor.sandbox.rootfs.ImageStore;
import dev.proctor.sandbox.rootfs.LayerFiles;
import dev.proctor.sandbox.seccomp.SeccompProfiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Start-up of an engine: checks every prerequisite and reports all failures in one message, cleans
 * what crashed earlier processes left (cgroups, mounts, run dirs), prepares images and seccomp
 * programs, starts the launcher. Several engines may share one state dir (nodes, the CLI): each
 * owns an instance directory named after its pid and never touches another live one.
 */
final class EngineBootstrap {

    private static final Logger LOG = Logger.getLogger(EngineBootstrap.class);

    private EngineBootstrap() {}

    static LinuxSandboxEngine start(EngineConfig config) {
        List<String> problems = new ArrayList<>(checkHost(config));
        CgroupDetector detector = new CgroupDetector();
        problems.addAll(detector.problems());
        SeccompProfiles seccomp = null;
        try {
            seccomp = new SeccompProfiles(config.profilesDir().resolve("seccomp"));
        } catch (SandboxException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new SandboxException(
                    "the sandbox cannot run jobs safely on this host:\n  - " + String.join("\n  - ", problems));
        }
        // a name the installed libseccomp does not know is left out of its profile: under an
        // allow-list that call is refused, under a deny-list it is let through; say so at every start
        for (String warning : seccomp.warnings()) {
            LOG.warnf("seccomp profile: %s", warning);
        }
        try {
            Path state = createPrivateDir(config.stateDir());
            DeadEngines.cleanUp(state, detector);
            EngineDirs instance = createInstance(state);
            DiskReadLimit diskReads =
                    DiskReadLimit.forHost(config.diskReadBytesPerSecond(), config.diskReadOpsPerSecond());
            CgroupDriver cgroups = detector.driver(DeadEngines.cgroupDirName(instance.tag()), diskReads);
            for (String warning : detector.warnings()) {
                LOG.warnf("cgroups: %s", warning);
            }
            ImageRecords records = ImageRecords.of(instance);
            Map<String, Image> images = new TreeMap<>(Map.of("host", hostImage(state, records)));
            // built images only: building is explicit (`proctor image build`), never done at start-up
            for (Image built : new ImageStore(
                            state.resolve("images"), config.profilesDir().resolve("images"), records)
                    .useBuiltImages()) {
                images.put(built.name(), built);
            }
            Map<String, Path> programs = writePrograms(seccomp, instance.dir().resolve("seccomp"));
            LauncherServer launcher =
                    LauncherServer.start(config.launcherBinary(), instance.dir().resolve("launcher.sock"));
            LOG.infof(
                    "sandbox engine ready: cgroup %s, images %s, seccomp %s, %s",
                    cgroups.version(), images.keySet(), programs.keySet(), diskReads);
            return new LinuxSandboxEngine(config, instance, cgroups, images, programs, launcher);
        } catch (IOException e) {
            throw new SandboxException("cannot prepare the state dir " + config.stateDir() + ": " + e.getMessage(), e);
        }
    }

    static List<String> checkHost(EngineConfig config) {
        List<String> problems = new ArrayList<>();
        if (!Syscalls.isRoot()) {
            problems.add("not running as root: the sandbox needs root to create namespaces, cgroups and mounts");
        }
        if (!Files.isExecutable(config.launcherBinary())) {
            problems.add("launcher not built: " + config.launcherBinary() + " is missing (run `mvn package`)");
        }
        String filesystems = readOr(Path.of("/proc/filesystems"), "");
        if (!filesystems.contains("\toverlay\n")) {
            problems.add("overlayfs unsupported by this kernel (modprobe overlay)");
        }
        if (readOr(Path.of("/proc/sys/user/max_user_namespaces"), "1").trim().equals("0")) {
            problems.add("user namespaces disabled: set sysctl user.max_user_namespaces > 0");
        }
        if (!kernelAtLeast(System.getProperty("os.version", ""), 5, 12)) {
            problems.add("Linux " + System.getProperty("os.version") + " is too old: the launcher needs 5.12 or later"
                    + " (detached mounts with mount_setattr, overlayfs in a user namespace)");
        }
        if (!readOr(Path.of("/proc/self/status"), "").contains("Seccomp:")) {
            problems.add("seccomp unsupported by this kernel (CONFIG_SECCOMP_FILTER)");
        }
        if (!Files.isDirectory(config.profilesDir().resolve("seccomp"))) {
            problems.add("seccomp profiles missing: " + config.profilesDir().resolve("seccomp"));
        }
        return problems;
    }

    private static final Pattern KERNEL_RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");

    /** Whether a kernel release such as "6.18.44-fc" is at least major.minor. */
    static boolean kernelAtLeast(String release, int major, int minor) {
        Matcher m = KERNEL_RELEASE.matcher(release);
        if (!m.find()) {
            return false;
        }
        int ma = Integer.parseInt(m.group(1));
        return ma > major || ma == major && Integer.parseInt(m.group(2)) >= minor;
    }

    private static String readOr(Path file, String fallback) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return fallback;
        }
    }

    /**
     * Root's alone: it holds every job's files (submissions, tests' input and answers) while they
     * run. The launcher's pid 1 needs no path through it (it gets detached mounts).
     */
    private static Path createPrivateDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir;
    }

    /** The owner stamp (see {@link DeadEngines}) tells later engines whether this one still lives. */
    private static EngineDirs createInstance(Path state) throws IOException {
        ProcessHandle self = ProcessHandle.current();
        // one JVM may run several engines, even in different class loaders (tests do): a random
        // suffix tells them apart; the pid comes first so that start-up cleanup can tell a dead one
        String tag = "p" + self.pid() + "e"
                + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);
        Path dir = state.resolve("instances").resolve(tag);
        // made and stamped under a name of its own, then renamed: another engine's start-up clean-up never
        // sees this instance without its stamp under its name (it would take it for dead)
        Path making = state.resolve("instances").resolve(DeadEngines.BEING_MADE_PREFIX + tag);
        for (Path d : List.of(dir, making)) {
            LayerFiles.unmountBelow(d);
            LayerFiles.deleteTree(d);
        }
        createPrivateDir(state.resolve("instances"));
        createPrivateDir(making);
        Files.writeString(making.resolve("owner"), DeadEngines.ownerStamp(self), StandardCharsets.UTF_8);
        createPrivateDir(making.resolve("runs"));
        createPrivateDir(making.resolve("work"));
        createPrivateDir(making.resolve(ImageRecords.DIR)); // before the name: see ImageRecords
        Files.move(making, dir, StandardCopyOption.ATOMIC_MOVE);
        return new EngineDirs(tag, dir, dir.resolve("runs"), dir.resolve("work"));
    }

    /**
     * The host image for the host as it is now, built once per state dir and host /etc (other engines
     * reuse it), under a file lock: the layer is chosen or built, recorded as this engine's, and the layers
     * no engine records are removed, all under the lock, so that no engine's layer is removed between its
     * choice and its record.
     */
    static Image hostImage(Path state, ImageRecords records) throws IOException {
        Path images = state.resolve("images");
        Files.createDirectories(images);
        // A file lock belongs to the whole JVM: a second engine starting in it meanwhile would get an
        // OverlappingFileLockException from FileChannel.lock, not a wait. Engines of one JVM take turns here.
        HOST_IMAGE_IN_THIS_JVM.lock();
        try (FileChannel ch =
                        FileChannel.open(images.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = ch.lock()) {
            HostImageBuilder.Layer layer = new HostImageBuilder(Path.of("/")).buildIfStale(images);
            records.record("host", layer.id());
            for (String removed :
                    HostImageBuilder.removeUnused(images, records.inUse("host"), records.unrecordedEngines())) {
                LOG.infof("removed the host layer %s: no engine of %s uses it", removed, state);
            }
            return layer.image();
        } finally {
            HOST_IMAGE_IN_THIS_JVM.unlock();
        }
    }

    private static final ReentrantLock HOST_IMAGE_IN_THIS_JVM = new ReentrantLock();

    private static Map<String, Path> writePrograms(SeccompProfiles seccomp, Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Path> programs = new HashMap<>();
        for (String name : seccomp.names()) {
            Path file = dir.resolve(name + ".bpf");
            Files.write(file, seccomp.program(name));
            programs.put(name, file);
        }
        return programs;
    }
}
