package dev.proctor.bench;

import dev.proctor.Main;

/**
 * Entry point of {@code ./proctor bench}: the benchmarks, and the helpers that tests share with them
 * (throwaway PostgreSQL, packaged service nodes), live in their own source set, outside the production jar.
 */
public final class BenchMain {

    private BenchMain() {}

    public static void main(String... args) {
        Main.quietLogging();
        System.exit(BenchCommand.execute(args, System.out, System.err));
    }
}
