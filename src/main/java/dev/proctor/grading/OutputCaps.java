package dev.proctor.grading;

/**
 * How much of a run's output a result keeps (the rest is counted, not stored).
 *
 * @param capturedBytes per stream of each test run
 * @param compileBytes  of the compile step's output (stdout then stderr)
 */
public record OutputCaps(int capturedBytes, int compileBytes) {

    /** The first {@code max} bytes, as written: a cut inside a UTF-8 sequence stays as it is. */
    public static byte[] cut(byte[] b, int max) {
        return b.length <= max ? b : java.util.Arrays.copyOf(b, max);
    }
}
