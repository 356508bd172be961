package dev.proctor.sandbox.linux;

import dev.proctor.sandbox.SandboxException;

/** A system call failed: names the call, its target and the errno. */
public class ErrnoException extends SandboxException {

    private final String call;
    private final int errno;

    public ErrnoException(String call, String target, int errno) {
        super(call + "(" + target + ") failed: errno=" + errno + " (" + Syscalls.describe(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }
}
