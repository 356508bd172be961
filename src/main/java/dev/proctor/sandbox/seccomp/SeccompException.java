package dev.proctor.sandbox.seccomp;

import dev.proctor.sandbox.SandboxException;

/**
 * A seccomp profile could not be read or compiled. The message names the file, the JSON
 * path of the bad field and what to change.
 */
public class SeccompException extends SandboxException {

    public SeccompException(String message) {
        super(message);
    }

    public SeccompException(String message, Throwable cause) {
        super(message, cause);
    }
}
