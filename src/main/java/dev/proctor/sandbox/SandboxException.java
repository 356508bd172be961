package dev.proctor.sandbox;

/** Proctor itself failed (not the program): the run gets status internal_error. */
public class SandboxException extends RuntimeException {

    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
