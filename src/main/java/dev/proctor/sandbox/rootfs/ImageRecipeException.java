package dev.proctor.sandbox.rootfs;

import dev.proctor.sandbox.SandboxException;

/** An image recipe file is unreadable or invalid; the message names the file, line and field. */
public final class ImageRecipeException extends SandboxException {

    private final String field;

    public ImageRecipeException(String message) {
        super(message);
        this.field = null;
    }

    public ImageRecipeException(String message, String field) {
        super(message);
        this.field = field;
    }

    public ImageRecipeException(String message, Throwable cause) {
        super(message, cause);
        this.field = null;
    }

    /** The recipe field that is wrong, or null when the file as a whole is. */
    public String field() {
        return field;
    }
}
