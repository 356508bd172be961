package dev.proctor.sandbox;

import java.nio.file.Path;

/** Where a run's standard input comes from. */
public sealed interface Stdin {

    /** /dev/null. */
    record Empty() implements Stdin {}

    /** A file on the host, opened by the launcher before the run starts. */
    record FromFile(Path path) implements Stdin {}

    /** Bytes held in memory; the engine writes them to a file private to the run. */
    record FromBytes(byte[] bytes) implements Stdin {}

    static Stdin empty() {
        return new Empty();
    }

    static Stdin of(byte[] bytes) {
        return new FromBytes(bytes);
    }

    static Stdin of(Path path) {
        return new FromFile(path);
    }
}
