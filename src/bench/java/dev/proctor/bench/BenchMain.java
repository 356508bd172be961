package dev.proctor.bench;

import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Entry point of {@code ./proctor bench}: the benchmarks, and the helpers that tests share with them
 * (throwaway PostgreSQL, packaged service nodes), live in their own source set, outside the production jar.
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String... args) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(Level.WARNING);
        ConsoleHandler handler = new ConsoleHandler();
        handler.setLevel(Level.WARNING);
        root.addHandler(handler);
        System.exit(BenchCommand.execute(args, System.out, System.err));
    }
}
