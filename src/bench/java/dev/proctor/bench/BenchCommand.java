package dev.proctor.bench;

import java.io.PrintStream;
import java.util.Arrays;

/** {@code ./proctor bench sandbox|http|nodes|profiles|grade}: prints figures, never asserts timings. */
public final class BenchCommand {

    private BenchCommand() {}

    public static int execute(String[] args, PrintStream out, PrintStream err) {
        String what = args.length == 0 ? "sandbox" : args[0];
        return switch (what) {
            case "sandbox" -> SandboxBench.run(Arrays.copyOfRange(args, 1, args.length), out, err);
            case "http" -> HttpBench.run(Arrays.copyOfRange(args, 1, args.length), out, err);
            case "nodes" -> NodesBench.run(out, err);
            case "profiles" -> ProfileBench.run(out, err);
            case "grade" -> GradeBench.run(Arrays.copyOfRange(args, 1, args.length), out, err);
            default -> {
                err.println("proctor bench: unknown benchmark '" + what + "' (sandbox, http, nodes, profiles, grade)");
                yield 2;
            }
        };
    }
}
