package dev.proctor.sandbox.rootfs;

import dev.proctor.sandbox.SandboxException;
import dev.proctor.sandbox.linux.Syscalls;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The /dev every run sees, prepared once per state dir: device nodes cannot be created inside a
 * user namespace, so the host makes them and each run binds the directory read-only. Only the
 * harmless character devices are there: no tty, no disk, no kmsg, no mem.
 */
public final class DevTemplate {

    private record Node(String name, int major, int minor) { }

    private static final List<Node> NODES = List.of(new Node("null", 1, 3), new Node("zero", 1, 5),
            new Node("full", 1, 7), new Node("random", 1, 8), new Node("urandom", 1, 9));
    private static final List<String[]> LINKS = List.of(new String[] {"fd", "/proc/self/fd"},
            new String[] {"stdin", "/proc/self/fd/0"}, new String[] {"stdout", "/proc/self/fd/1"},
            new String[] {"stderr", "/proc/self/fd/2"});
    private static final int WORLD_RW = 0666;
    private static final int STICKY_WORLD_WRITABLE = 01777;

    private DevTemplate() {
    }

    /** Returns {@code stateDir/dev}, creating it if it is missing. */
    public static Path ensure(Path stateDir) {
        Path dev = stateDir.resolve("dev");
        if (Files.isDirectory(dev.resolve("shm"))) {
            return dev;
        }
        Path staging = stateDir.resolve("dev.new-" + ProcessHandle.current().pid());
        try {
            LayerFiles.deleteTree(staging);
            Files.createDirectories(staging);
            for (Node n : NODES) {
                Path node = staging.resolve(n.name());
                Syscalls.mknodChar(node.toString(), WORLD_RW, n.major(), n.minor());
                Files.setAttribute(node, "unix:mode", WORLD_RW); // mknod honours the umask

            }
            for (String[] link : LINKS) {
                Files.createSymbolicLink(staging.resolve(link[0]), Path.of(link[1]));
            }
            Files.createDirectory(staging.resolve("shm"));
            Files.setAttribute(staging.resolve("shm"), "unix:mode", STICKY_WORLD_WRITABLE);
            try {
                Files.move(staging, dev, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException e) {
                if (!Files.isDirectory(dev.resolve("shm"))) {
                    throw e;
                }
                LayerFiles.deleteTree(staging); // another engine made it first
            }
            return dev;
        } catch (IOException e) {
            throw new SandboxException("cannot prepare the sandbox /dev in " + dev + ": " + e.getMessage(), e);
        }
    }
}
