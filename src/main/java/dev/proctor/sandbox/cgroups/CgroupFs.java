package dev.proctor.sandbox.cgroups;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The cgroup file system as the drivers use it: every failure becomes a {@link CgroupException}
 * naming the operation, the file and the kernel's reason. Not final: unit tests stand in for the
 * kernel (which creates control files on mkdir) with a subclass over a temporary directory.
 */
class CgroupFs {

    static final String NOT_ENABLED = ": the controller is not enabled for this cgroup";

    /** A control file kept open for repeated reads and writes; the caller closes it. */
    ControlFile control(Path file) {
        return new ControlFile(file);
    }

    /** Reads a whole control file. */
    String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw failure("read", file, e, "");
        }
    }

    /** Reads a control file that only some kernels have. */
    Optional<String> readIfExists(Path file) {
        try {
            return Optional.of(Files.readString(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("read", file, e, "");
        }
    }

    /**
     * Writes one value in a single write(2), as the kernel wants. Never creates the file: a
     * missing control file means a missing controller, which must not pass unnoticed.
     */
    void write(Path file, String value) {
        try {
            Files.writeString(file, value, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw failure("write '" + value + "' to", file, e, remedyForWrite(e));
        }
    }

    /** Creates a cgroup; one that already exists is an error (it would carry another run's accounting). */
    void mkdir(Path dir) {
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            throw new CgroupException("mkdir " + dir + " failed: it already exists: a run name was reused"
                    + " or a crashed run was not cleaned up (cleanupStale())");
        } catch (IOException e) {
            throw failure("mkdir", dir, e, "");
        }
    }

    /** Creates a cgroup unless it exists (the shared parents of runs). */
    void mkdirIfMissing(Path dir) {
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectory(dir);
            } catch (FileAlreadyExistsException e) {
                // another thread created it first: fine, it is the same shared parent
            } catch (IOException e) {
                throw failure("mkdir", dir, e, "");
            }
        }
    }

    /**
     * Removes a cgroup. Returns false while the kernel says EBUSY (a task that was just killed can
     * linger a few milliseconds); a cgroup already gone counts as removed.
     */
    boolean rmdir(Path dir) {
        try {
            Files.deleteIfExists(dir);
            return true;
        } catch (FileSystemException e) {
            if ("Device or resource busy".equals(e.getReason())) {
                return false;
            }
            throw failure("rmdir", dir, e, "");
        } catch (IOException e) {
            throw failure("rmdir", dir, e, "");
        }
    }

    /** The pids listed in a cgroup.procs file; an absent cgroup has none. */
    List<Integer> pids(Path procsFile) {
        List<Integer> pids = new ArrayList<>();
        for (String line : readIfExists(procsFile).orElse("").split("\n")) {
            if (!line.isBlank()) {
                pids.add(Integer.parseInt(line.trim()));
            }
        }
        return pids;
    }

    /** The child cgroups of a directory (empty when the directory does not exist). */
    List<Path> children(Path dir) {
        List<Path> children = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return children;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
            entries.forEach(children::add);
        } catch (IOException e) {
            throw failure("list", dir, e, "");
        }
        return children;
    }

    /** Polls {@code done} every millisecond or so until it holds or {@code timeout} passes. */
    static boolean pollUntil(BooleanSupplier done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return done.getAsBoolean();
            }
        }
        return true;
    }

    static String remedyForWrite(IOException e) {
        if (e instanceof NoSuchFileException) {
            return NOT_ENABLED;
        }
        if (e instanceof AccessDeniedException) {
            return ": run the service as root or give it a delegated cgroup";
        }
        return "";
    }

    static CgroupException failure(String operation, Path file, IOException e, String remedy) {
        return new CgroupException(operation + " " + file + " failed: " + reason(e) + remedy, e);
    }

    /** The kernel's strerror text when Java kept it; Java drops it for the two commonest errnos. */
    private static String reason(IOException e) {
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        return e.getClass().getSimpleName();
    }
}
