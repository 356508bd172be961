package dev.proctor.problems;

import dev.proctor.core.Rejection;
import dev.proctor.sandbox.Cancellation;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.Stdin;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The package's input validators run on every test input, in the sandbox, at upload: {@code validator
 * [input_validator_flags] < test.in}, exit 42 = valid. Any other exit refuses the upload with the
 * validator's own message (its stdout and stderr, first 1000 bytes).
 */
@ApplicationScoped
public class InputValidation {

    static final int MESSAGE_BYTES = 1000;

    private final PackagePrograms programs;

    @Inject
    public InputValidation(PackagePrograms programs) {
        this.programs = programs;
    }

    /**
     * Runs every input validator on every input; returns the validators that could not run here (a language
     * Proctor has no profile for, such as checktestdata), each with the reason: they are skipped, not failed.
     */
    public List<String> check(ProblemPackage pkg, Function<PackageFile, Path> locate) {
        List<String> skipped = new ArrayList<>();
        for (String v : pkg.inputValidators()) {
            Optional<PackagePrograms.Built> built = programs.build(v, pkg.filesUnder(v), locate, null);
            if (built.isEmpty()) {
                PackagePrograms.Language l = programs.language(pkg.filesUnder(v), locate);
                skipped.add(v + " ("
                        + (l.name() == null ? "no source file of a known language" : "no " + l.name() + " profile")
                        + ")");
                continue;
            }
            try (PackagePrograms.Built b = built.get()) {
                if (!b.ok()) {
                    throw Rejection.unprocessable(
                            v,
                            v + " does not compile: "
                                    + text(b.compile().stdout(), b.compile().stderr()));
                }
                for (TestNode.TestGroup g : pkg.data().groups()) {
                    for (TestNode n : g.children()) {
                        if (n instanceof TestNode.TestCase c && c.input() != null) {
                            run(b, c, g.grading().inputValidatorFlags(), locate);
                        }
                    }
                }
            }
        }
        return skipped;
    }

    private void run(
            PackagePrograms.Built b, TestNode.TestCase c, List<String> flags, Function<PackageFile, Path> locate) {
        RunResult r = programs.run(
                b,
                new ArrayList<>(flags),
                Stdin.of(locate.apply(c.input())),
                PackagePrograms.judgeLimits(b.profile()),
                Cancellation.none());
        if (r.status() == RunStatus.INTERNAL_ERROR) {
            throw new IllegalStateException("input validator " + b.path() + " failed to run: " + r.message());
        }
        Integer exit = r.exitCode();
        if (exit == null || exit != 42) {
            String why = r.status() == RunStatus.OK || r.status() == RunStatus.RUNTIME_ERROR
                    ? "exit " + exit
                    : r.status().wire();
            throw Rejection.unprocessable(
                    c.input().path(),
                    "input validator " + b.path() + " rejected " + c.input().path() + " (" + why + "): "
                            + text(r.stdout(), r.stderr()));
        }
    }

    static String text(byte[] out, byte[] err) {
        String s = (new String(out, StandardCharsets.UTF_8) + new String(err, StandardCharsets.UTF_8)).strip();
        return s.length() > MESSAGE_BYTES ? s.substring(0, MESSAGE_BYTES) : s;
    }
}
