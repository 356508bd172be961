package dev.proctor.sandbox.linux;

import jnr.ffi.LastError;
import jnr.ffi.Runtime;

/** Checked wrappers over {@link LibC}: a failure becomes an {@link ErrnoException}. */
public final class Syscalls {

    public static final int SIGKILL = 9;
    public static final int SIGCONT = 18;
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINVAL = 22;
    public static final int EBUSY = 16;

    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final int MNT_DETACH = 2;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFIFO = 0010000;

    private Syscalls() {}

    private static int lastErrno() {
        return LastError.getLastError(Runtime.getRuntime(LibC.INSTANCE));
    }

    /** Sends a signal; a process already gone (ESRCH) is not an error. */
    public static void kill(int pid, int signal) {
        if (LibC.INSTANCE.kill(pid, signal) != 0) {
            int errno = lastErrno();
            if (errno != ESRCH) {
                throw new ErrnoException("kill", Integer.toString(pid), errno);
            }
        }
    }

    public static void mount(String source, String target, String fstype, long flags, String data) {
        if (LibC.INSTANCE.mount(source, target, fstype, flags, data) != 0) {
            throw new ErrnoException("mount", target, lastErrno());
        }
    }

    /** Detaches a mount; a target that is not a mount point (EINVAL) or gone (ENOENT) is not an error. */
    public static void umountDetach(String target) {
        if (LibC.INSTANCE.umount2(target, MNT_DETACH) != 0) {
            int errno = lastErrno();
            if (errno != EINVAL && errno != ENOENT) {
                throw new ErrnoException("umount2", target, errno);
            }
        }
    }

    /** Creates a character device node (mode includes the permission bits). */
    public static void mknodChar(String path, int permissions, int major, int minor) {
        long device = (minor & 0xffL) | ((major & 0xfffL) << 8) | ((minor & ~0xffL) << 12) | ((major & ~0xfffL) << 32);
        if (LibC.INSTANCE.mknod(path, S_IFCHR | permissions, device) != 0) {
            throw new ErrnoException("mknod", path, lastErrno());
        }
    }

    /** Creates a FIFO (named pipe) with the permission bits given; the umask still applies. */
    public static void mkfifo(String path, int permissions) {
        if (LibC.INSTANCE.mknod(path, S_IFIFO | permissions, 0) != 0) {
            throw new ErrnoException("mknod", path, lastErrno());
        }
    }

    public static boolean isRoot() {
        return LibC.INSTANCE.geteuid() == 0;
    }

    public static String describe(int errno) {
        try {
            return LibC.INSTANCE.strerror(errno);
        } catch (RuntimeException | LinkageError e) {
            return "errno " + errno;
        }
    }
}
