package dev.proctor;

import dev.proctor.cli.ImageCommand;
import dev.proctor.cli.ProblemCommand;
import dev.proctor.cli.RunCommand;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.util.Arrays;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Entry point of the jar: {@code serve} starts the service (Quarkus); {@code run} and {@code image} use the
 * sandbox alone, without starting the service. Benchmarks are not in the jar: {@code ./proctor bench} runs
 * them from their own source set ({@code src/bench/java}).
 */
@QuarkusMain
public final class Main {

    private Main() {}

    /** Without Quarkus started, nothing configures logging: keep stdout for the JSON, warnings to stderr. */
    public static void quietLogging() {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(Level.WARNING);
        ConsoleHandler handler = new ConsoleHandler();
        handler.setLevel(Level.WARNING);
        root.addHandler(handler);
    }

    public static void main(String... args) {
        String command = args.length == 0 ? "serve" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (command) {
            case "serve" -> Quarkus.run(rest);
            case "run" -> {
                quietLogging();
                System.exit(RunCommand.execute(rest, System.out, System.err));
            }
            case "problem" -> {
                quietLogging();
                System.exit(ProblemCommand.execute(rest, System.out, System.err));
            }
            case "image" -> {
                quietLogging();
                System.exit(ImageCommand.execute(rest, System.out, System.err));
            }
            default -> {
                System.err.println(
                        "usage: proctor serve | run [options] -- CMD [ARGS...] | image list|build NAME | problem verify|import PACKAGE");
                System.exit(2);
            }
        }
    }
}
