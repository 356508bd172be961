package dev.proctor.sandbox.cgroups;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * How fast one run may read from the host's block devices: bytes and read requests a second on each
 * device, enforced by the kernel's block-layer throttling in the run's cgroup (v1 {@code
 * blkio.throttle.read_bps_device} and {@code read_iops_device}, v2 {@code io.max}'s {@code rbps} and
 * {@code riops}). A run reads the host's disks through its image's layers, the host files shown to it
 * and, with {@code O_DIRECT} or under a memory limit smaller than a file it reads again and again,
 * bypassing the page cache every time: unthrottled, one run could take the whole disk from every
 * other run and from PostgreSQL. Reads served from the page cache are not throttled (they reach no
 * device); writes never reach a device either (everything a run can write is tmpfs).
 *
 * @param bytesPerSecond  bytes a second a run may read from each device; 0: no byte limit
 * @param opsPerSecond    read requests a second a run may send each device; 0: no request limit
 * @param devices         the devices throttled, "MAJOR:MINOR" (whole disks: the kernel throttles a
 *                        partition's reads on its disk)
 */
public record DiskReadLimit(long bytesPerSecond, long opsPerSecond, List<String> devices) {

    /** No limit (a driver used for clean-up, or a host whose cgroups cannot throttle). */
    public static final DiskReadLimit NONE = new DiskReadLimit(0, 0, List.of());

    /**
     * 128 MiB/s a run: far above what a grading or CI run reads from disk (its files are in the page
     * cache after the first run), far below what a disk of this kind delivers (2 GB/s here), so two
     * runs a CPU leave most of it to the others.
     */
    public static final long DEFAULT_BYTES_PER_SECOND = 128L * 1024 * 1024;

    /** 2000 read requests a second a run: 4 KiB random reads at ~8 MiB/s. */
    public static final long DEFAULT_OPS_PER_SECOND = 2000;

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(DiskReadLimit.class);

    private static final Pattern DEVICE = Pattern.compile("[0-9]{1,10}:[0-9]{1,10}");

    public DiskReadLimit {
        if (bytesPerSecond < 0 || opsPerSecond < 0) {
            throw new IllegalArgumentException("disk read limits must not be negative");
        }
        devices = List.copyOf(devices);
        for (String d : devices) {
            if (!DEVICE.matcher(d).matches()) {
                throw new IllegalArgumentException("not a block device number MAJOR:MINOR: '" + d + "'");
            }
        }
    }

    /** Whether any run's reads are throttled at all. */
    public boolean limits() {
        return !devices.isEmpty() && (bytesPerSecond > 0 || opsPerSecond > 0);
    }

    /** The limit on every block device of this host ({@code /sys/block}). */
    public static DiskReadLimit forHost(long bytesPerSecond, long opsPerSecond) {
        return new DiskReadLimit(bytesPerSecond, opsPerSecond, blockDevices(Path.of("/sys/block")));
    }

    /**
     * The numbers of the block devices listed in {@code sysBlock} (each entry's {@code dev} file), sorted;
     * memory-backed ones ({@code ram*}, {@code zram*}: nothing a run reads reaches a disk through them), empty ones
     * (a {@code size} of 0 sectors: a loop device with no file attached has nothing to read, and each device
     * throttled adds six lines to the accounting file read after every run) and entries without a number left
     * out. A device attached or plugged in later is throttled from the engine's next start.
     */
    static List<String> blockDevices(Path sysBlock) {
        TreeSet<String> found = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(sysBlock)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.startsWith("ram") || name.startsWith("zram")) {
                    continue;
                }
                try {
                    String dev = Files.readString(entry.resolve("dev")).trim();
                    if (DEVICE.matcher(dev).matches() && !empty(entry)) {
                        found.add(dev);
                    }
                } catch (IOException e) {
                    // gone meanwhile, or no number: not a device a run reads from
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return new ArrayList<>(found);
    }

    /** Whether the device has no sectors (its {@code size} says 0); one whose size cannot be read counts as not empty. */
    private static boolean empty(Path entry) {
        try {
            return Files.readString(entry.resolve("size")).trim().equals("0");
        } catch (IOException e) {
            return false;
        }
    }

    /** v1: what {@code blkio.throttle.read_bps_device} is given for {@code device} ("MAJ:MIN BYTES"). */
    String v1Bytes(String device) {
        return device + " " + bytesPerSecond;
    }

    /** v1: what {@code blkio.throttle.read_iops_device} is given for {@code device}. */
    String v1Ops(String device) {
        return device + " " + opsPerSecond;
    }

    /** v2: the {@code io.max} line for {@code device} ("MAJ:MIN rbps=N riops=N", "max" where unlimited). */
    String v2Line(String device) {
        return device + " rbps=" + (bytesPerSecond > 0 ? Long.toString(bytesPerSecond) : "max") + " riops="
                + (opsPerSecond > 0 ? Long.toString(opsPerSecond) : "max");
    }

    /**
     * A device whose throttling rule the kernel refused for a run's cgroup ({@code why}, the refusal): reported
     * once per device among {@code problems} (a driver's, for its whole life), with a warning in the log, and
     * left out of that cgroup; the other devices keep their rules. Both cgroup versions report it so: a device
     * without a throttling queue is refused for every cgroup made, and said once, not once a cgroup.
     */
    static void refused(List<String> problems, String device, String why) {
        String about = "disk reads from device " + device + " not throttled";
        synchronized (problems) {
            if (problems.stream().anyMatch(p -> p.startsWith(about + ":"))) {
                return;
            }
            problems.add(about + ": " + why);
        }
        LOG.warnf("%s: %s", about, why);
    }

    @Override
    public String toString() {
        if (!limits()) {
            return "disk reads not limited";
        }
        return "disk reads at most " + (bytesPerSecond > 0 ? bytesPerSecond + " B/s" : "unlimited B/s") + " and "
                + (opsPerSecond > 0 ? opsPerSecond + " requests/s" : "unlimited requests/s") + " per run on "
                + devices;
    }
}
