package dev.proctor.sandbox.cgroups;

import dev.proctor.sandbox.SandboxException;

/** The kernel refused a cgroup operation. The message names the file and the remedy. */
public class CgroupException extends SandboxException {

    public CgroupException(String message) {
        super(message);
    }

    public CgroupException(String message, Throwable cause) {
        super(message, cause);
    }
}
