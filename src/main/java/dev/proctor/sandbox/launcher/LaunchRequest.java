package dev.proctor.sandbox.launcher;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The spec sent to the launcher: NUL-terminated {@code key=value} entries, ended by an empty one; the
 * keys are documented once, beside {@code struct spec} in src/main/c/launcher/launcher.h.
 * Values may hold anything but NUL (argv and env from jobs are checked for NUL by the engine).
 */
public final class LaunchRequest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);

    public LaunchRequest put(String key, String value) {
        if (value.indexOf('\0') >= 0 || key.indexOf('=') >= 0) {
            throw new IllegalArgumentException("launch spec entry " + key + " contains NUL");
        }
        out.writeBytes(key.getBytes(StandardCharsets.UTF_8));
        out.write('=');
        out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        out.write(0);
        return this;
    }

    public LaunchRequest put(String key, long value) {
        return put(key, Long.toString(value));
    }

    public byte[] toBytes() {
        ByteArrayOutputStream copy = new ByteArrayOutputStream(out.size() + 1);
        copy.writeBytes(out.toByteArray());
        copy.write(0);
        return copy.toByteArray();
    }
}
