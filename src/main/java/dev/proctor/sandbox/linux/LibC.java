package dev.proctor.sandbox.linux;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.Out;

/**
 * The few libc functions the service calls itself (the launcher does the rest, in C).
 * Narrow on purpose: every function here is one the Java side really needs.
 */
public interface LibC {

    int kill(int pid, int signal);

    int mount(String source, String target, String fstype, long flags, String data);

    int umount2(String target, int flags);

    int geteuid();

    int mknod(String path, int mode, long device);

    String strerror(int errnum);

    int inotify_init1(int flags);

    int inotify_add_watch(int fd, String path, int mask);

    long read(int fd, @Out byte[] buf, long count);

    int close(int fd);

    /** Loaded once per JVM. */
    LibC INSTANCE = LibraryLoader.create(LibC.class).failImmediately().load("c");
}
