package dev.proctor.sandbox.launcher;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The spec sent to the launcher: NUL-terminated {@code key=value} entries, ended by an empty one; the
 * keys are documented once, beside {@code struct spec} in src/main/c/launcher/launcher.h.
 * Values may hold anything but NUL (argv and env from jobs are checked for NUL by the engine).
 * Built once per run: entries are encoded straight into one growing array (ASCII byte by byte, anything
 * else as UTF-8), and {@link #toBytes()} is its one copy.
 */
public final class LaunchRequest {

    /** The most bytes of a spec the launcher reads, its ending NUL counted (supervisor.c, SPEC_MAX). */
    public static final int MAX_BYTES = 1 << 20;

    /** The most arguments, and the most environment entries, a spec may hold (launcher.h, MAX_ARGV). */
    public static final int MAX_ARGS = 1024;

    /** The most binds a spec may hold, an image's and a run's host files together (launcher.h, MAX_ITEMS). */
    public static final int MAX_BINDS = 256;

    private byte[] bytes = new byte[2048];
    private int size;

    public LaunchRequest put(String key, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("launch spec entry " + key + " contains NUL");
        }
        key(key);
        ensure(1);
        bytes[size++] = '=';
        append(value);
        ensure(1);
        bytes[size++] = 0;
        return this;
    }

    /** {@code put(key, Long.toString(value))}, with the digits written straight into the spec (no string). */
    public LaunchRequest put(String key, long value) {
        key(key);
        // '=', a sign, at most 19 digits, the NUL
        ensure(22);
        bytes[size++] = '=';
        if (value < 0) {
            bytes[size++] = '-';
        }
        int digits = 1;
        for (long rest = value / 10; rest != 0; rest /= 10) {
            digits++;
        }
        // each digit from its remainder's absolute value: Long.MIN_VALUE has no positive counterpart to negate
        long rest = value;
        for (int i = size + digits - 1; i >= size; i--) {
            bytes[i] = (byte) ('0' + Math.abs(rest % 10));
            rest /= 10;
        }
        size += digits;
        bytes[size++] = 0;
        return this;
    }

    /** Appends every entry of {@code entries} (made once, sent with many requests), in their order. */
    public LaunchRequest putAll(LaunchRequest entries) {
        ensure(entries.size);
        System.arraycopy(entries.bytes, 0, bytes, size, entries.size);
        size += entries.size;
        return this;
    }

    /** The length of {@link #toBytes()}: the entries and the empty one that ends them. */
    public int length() {
        return size + 1;
    }

    public byte[] toBytes() {
        // the array's fresh byte after the entries is the empty entry's NUL
        return Arrays.copyOf(bytes, size + 1);
    }

    /** Appends a key: one without '=' or NUL, which would end it or its entry early. */
    private void key(String key) {
        if (key.indexOf('=') >= 0 || key.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("launch spec key " + key + " contains '=' or NUL");
        }
        append(key);
    }

    private void append(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                byte[] utf8 = s.substring(i).getBytes(StandardCharsets.UTF_8);
                ensure(utf8.length);
                System.arraycopy(utf8, 0, bytes, size, utf8.length);
                size += utf8.length;
                return;
            }
            bytes[size++] = (byte) c;
        }
    }

    private void ensure(int more) {
        if (bytes.length - size < more) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
