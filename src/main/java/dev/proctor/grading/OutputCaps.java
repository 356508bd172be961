package dev.proctor.grading;

/**
 * How much of a run's output a result keeps (the rest is counted, not stored).
 *
 * @param capturedBytes per stream of each test run
 * @param compileBytes  of the compile step's output (stdout then stderr)
 */
public record OutputCaps(int capturedBytes, int compileBytes) {}
