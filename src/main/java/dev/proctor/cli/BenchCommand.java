package dev.proctor.cli;

import java.io.PrintStream;

/** {@code proctor bench sandbox|http}: prints figures, never asserts timings. */
public final class BenchCommand {

    private BenchCommand() {
    }

    public static int execute(String[] args, PrintStream out, PrintStream err) {
        String what = args.length == 0 ? "sandbox" : args[0];
        return switch (what) {
            case "sandbox" -> SandboxBench.run(out, err);
            default -> {
                err.println("proctor bench: unknown benchmark '" + what + "' (sandbox)");
                yield 2;
            }
        };
    }
}
