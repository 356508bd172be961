package dev.proctor.cli;

import dev.proctor.config.ProjectDirs;
import dev.proctor.core.Rejection;
import dev.proctor.grading.Verdict;
import dev.proctor.problems.AcceptedTimeLimit;
import dev.proctor.problems.ArchiveLimits;
import dev.proctor.problems.InputValidation;
import dev.proctor.problems.PackageFile;
import dev.proctor.problems.PackageImport;
import dev.proctor.problems.PackagePrograms;
import dev.proctor.problems.PackageSubmission;
import dev.proctor.problems.ProblemGrader;
import dev.proctor.problems.ProblemPackage;
import dev.proctor.problems.ProblemsConfig;
import dev.proctor.profiles.Profile;
import dev.proctor.profiles.ProfileRegistry;
import dev.proctor.sandbox.Cancellation;
import dev.proctor.sandbox.LinuxSandboxEngine;
import dev.proctor.sandbox.SandboxEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code ./proctor problem verify DIR|ARCHIVE}: imports the package into a throwaway store as the service's
 * upload does (the same unpacking and limits, reader, version digest, input validators, files stored once by
 * SHA-256, a verified file cache feeding each run's stdin; see {@link VerifyStore}), grades every submission under {@code
 * submissions/<category>/} in a language Proctor has, and checks it gets its folder's verdict. The time limit
 * is the package's, or derived from the accepted submissions as the format says. Prints a table; exit 1 on
 * any mismatch, 2 on a package that cannot be read, 0 otherwise.
 */
public final class ProblemVerifyCommand {

    private ProblemVerifyCommand() {}

    /** One submission's line of the table. */
    record Line(
            String category, String path, String language, String verdict, String score, long cpuMs, String result) {}

    public static int execute(String[] args, PrintStream out, PrintStream err) {
        return execute(args, ProjectDirs.fromEnvironment(), out, err);
    }

    /** As {@link #execute(String[], PrintStream, PrintStream)}, with the project and state directories given. */
    public static int execute(String[] args, ProjectDirs dirs, PrintStream out, PrintStream err) {
        if (args.length != 1 || args[0].startsWith("-")) {
            err.println("usage: proctor problem verify DIR|ARCHIVE");
            return 2;
        }
        Path given = Path.of(args[0]);
        if (!Files.exists(given)) {
            err.println("proctor problem verify: no such file or directory: " + given);
            return 2;
        }
        List<String> problems = new ArrayList<>();
        Map<String, Profile> profiles = ProfileRegistry.loadAll(dirs.profiles().resolve("languages"), problems).stream()
                .collect(Collectors.toMap(Profile::name, p -> p));
        if (!problems.isEmpty()) {
            err.println("proctor problem verify: " + String.join("; ", problems));
            return 2;
        }
        try (VerifyStore store = VerifyStore.create(dirs.state());
                SandboxEngine engine = LinuxSandboxEngine.start(dirs.engineConfig())) {
            store.closeOnInterrupt(engine);
            PackagePrograms programs =
                    new PackagePrograms(engine, name -> Optional.ofNullable(profiles.get(name)), Duration.ZERO);
            Optional<ProblemPackage> pkg = importInto(store, given, programs, out);
            if (pkg.isEmpty()) {
                return 1;
            }
            return new Verifier(pkg.get(), store.locator(), programs, store.cancellation(), out).run();
        } catch (Rejection e) {
            err.println("proctor problem verify: " + (e.field() != null ? e.field() + ": " : "") + e.getMessage());
            return 2;
        } catch (IOException | UncheckedIOException e) {
            err.println("proctor problem verify: " + e.getMessage());
            return 2;
        }
    }

    /**
     * Imports the package into the throwaway store the way the service's upload does ({@link PackageImport}): a
     * directory is packed as {@code problem import} packs it, the archive unpacked within the service's limits,
     * read, its inputs validated, its files stored by digest; the unpacked copy is then removed, so grading
     * reads the stored version only (its manifest, and its files through a {@link
     * dev.proctor.problems.TestFileCache} filled from the store). Empty when the input validators refuse.
     */
    private static Optional<ProblemPackage> importInto(
            VerifyStore store, Path given, PackagePrograms programs, PrintStream out) throws IOException {
        Path archive = given;
        if (Files.isDirectory(given)) {
            archive = store.dir().resolve("package.tar.gz");
            ProblemCommand.pack(
                    given, archive, given.toAbsolutePath().normalize().getFileName() + "/");
        }
        PackageImport.Unpacked unpacked;
        try (InputStream in = Files.newInputStream(archive)) {
            unpacked = PackageImport.unpack(in, store.upload(), ArchiveLimits.defaults());
        }
        ProblemPackage read = unpacked.pkg();
        out.printf(
                "%s (%s, %s, validation %s): %d tests in %d groups%n",
                read.name(),
                read.format().wire(),
                read.types().stream().map(t -> t.wire()).sorted().collect(Collectors.joining(" ")),
                read.validation().wire(),
                read.data().cases().size(),
                read.data().groups().size());
        try {
            List<String> skipped = new InputValidation(programs)
                    .check(read, f -> unpacked.root().resolve(f.path()));
            for (String v : skipped) {
                out.println("input validator skipped: " + v);
            }
            if (read.inputValidators().size() > skipped.size()) {
                out.println("input validators accept every input ("
                        + (read.inputValidators().size() - skipped.size()) + " run)");
            }
        } catch (Rejection e) {
            out.println("INPUT VALIDATION FAILED: " + e.getMessage());
            return Optional.empty();
        }
        long written = PackageImport.store(unpacked, store.blobs());
        store.dropUpload(archive.equals(given) ? null : archive);
        out.printf(
                "imported into a throwaway store: %d files, %d bytes (%d stored once by SHA-256), version digest %s%n",
                read.files().size(), read.totalBytes(), written, read.contentDigest());
        return Optional.of(PackageImport.asStored(read));
    }

    private static final class Verifier {
        final ProblemPackage pkg;
        final Function<PackageFile, Path> locate;
        final PackagePrograms programs;
        final PrintStream out;
        final Cancellation cancel;
        final ProblemGrader grader;
        final List<Line> lines = new ArrayList<>();

        Verifier(
                ProblemPackage pkg,
                Function<PackageFile, Path> locate,
                PackagePrograms programs,
                Cancellation cancel,
                PrintStream out) {
            this.pkg = pkg;
            this.cancel = cancel;
            this.locate = locate;
            this.programs = programs;
            this.out = out;
            this.grader = new ProblemGrader(programs);
        }

        int run() {
            PackagePrograms.Built validator = null;
            if (pkg.outputValidator() != null) {
                Optional<PackagePrograms.Built> v =
                        programs.build(pkg.outputValidator(), pkg.filesUnder(pkg.outputValidator()), locate, null);
                if (v.isEmpty() || !v.get().ok()) {
                    out.println("OUTPUT VALIDATOR " + pkg.outputValidator()
                            + (v.isEmpty() ? " is in a language Proctor does not have" : " does not compile"));
                    v.ifPresent(PackagePrograms.Built::close);
                    return 1;
                }
                validator = v.get();
            }
            try {
                return grade(validator);
            } finally {
                if (validator != null) {
                    validator.close();
                }
            }
        }

        private int grade(PackagePrograms.Built validator) {
            List<PackageSubmission> subs = pkg.submissions();
            Duration limit = pkg.limits().timeLimit().orElse(null);
            if (limit != null) {
                out.printf(
                        "time limit %.3f s (problem.yaml), widened %.3f s%n",
                        limit.toMillis() / 1000.0, pkg.limits().widened(limit).toMillis() / 1000.0);
            }
            long slowest = -1;
            // accepted ones first: without a written limit, the limit comes from them
            List<PackageSubmission> ordered = new ArrayList<>(subs);
            ordered.sort(Comparator.comparing(s -> s.category().equals("accepted") ? 0 : 1));
            for (PackageSubmission s : ordered) {
                if (cancel.isCancelled()) {
                    return 130;
                }
                boolean accepted = s.category().equals("accepted");
                if (!accepted && limit == null) {
                    limit = derived(slowest);
                }
                Duration at = accepted && limit == null
                        ? AcceptedTimeLimit.MEASURING_LIMIT
                        : switch (s.category()) {
                            case "time_limit_exceeded", "slow_accepted" ->
                                pkg.limits().widened(limit);
                            default -> limit;
                        };
                ProblemGrader.Result r = one(s, validator, at);
                if (accepted && r != null) {
                    slowest = Math.max(slowest, r.maxCpuTimeMs());
                }
            }
            if (limit == null) {
                derived(slowest);
            }
            print();
            return lines.stream().anyMatch(l -> l.result().startsWith("MISMATCH")) ? 1 : 0;
        }

        /** The limit derived as the format says (and as the service does at upload), printed. */
        private Duration derived(long slowestMs) {
            if (slowestMs < 0) {
                out.println("time limit: no accepted submission ran, none can be derived; the"
                        + " service would use its default (proctor.problems.default-time-limit)");
                return Duration.parse(ProblemsConfig.DEFAULT_TIME_LIMIT);
            }
            Duration limit = pkg.limits().derive(Duration.ofMillis(slowestMs));
            out.printf(
                    Locale.ROOT,
                    "time limit %.3f s derived: slowest accepted %d ms × ac_to_time_limit %s, rounded up to"
                            + " time_resolution %s s; widened %.3f s%n",
                    limit.toMillis() / 1000.0,
                    slowestMs,
                    fmt(pkg.limits().acToTimeLimit()),
                    fmt(pkg.limits().timeResolution().toNanos() / 1e9),
                    pkg.limits().widened(limit).toMillis() / 1000.0);
            return limit;
        }

        private ProblemGrader.Result one(PackageSubmission s, PackagePrograms.Built validator, Duration limit) {
            PackagePrograms.Language lang = programs.language(s.files(), locate);
            if (lang.profile().isEmpty()) {
                lines.add(new Line(
                        s.category(),
                        s.path(),
                        lang.name() == null ? "?" : lang.name(),
                        "-",
                        "-",
                        0,
                        "skipped (no " + (lang.name() == null ? "known language" : lang.name() + " profile") + ")"));
                return null;
            }
            Optional<PackagePrograms.Built> built = programs.build(s.path(), s.files(), locate, null);
            try (PackagePrograms.Built b = built.orElseThrow()) {
                if (!b.ok()) {
                    lines.add(new Line(
                            s.category(),
                            s.path(),
                            lang.name(),
                            "compile_error",
                            "-",
                            0,
                            "MISMATCH (does not compile)"));
                    return null;
                }
                ProblemGrader.Result r = grader.grade(
                        pkg, locate, b, validator, new ProblemGrader.Settings(limit, !pkg.scoring()), cancel);
                String verdict = r.verdict() == null ? "-" : r.verdict().wire();
                String score = pkg.scoring() ? fmt(r.score()) + "/" + fmt(r.maxScore()) : "-";
                lines.add(new Line(
                        s.category(),
                        s.path(),
                        lang.name(),
                        verdict,
                        score,
                        r.maxCpuTimeMs(),
                        expected(s.category(), r) ? "ok" : "MISMATCH"));
                return r;
            }
        }

        private boolean expected(String category, ProblemGrader.Result r) {
            Verdict v = r.verdict();
            return switch (category) {
                case "accepted" -> v == Verdict.ACCEPTED && (!pkg.scoring() || r.score() >= r.maxScore());
                case "slow_accepted" -> v == Verdict.ACCEPTED;
                case "wrong_answer" -> v == Verdict.WRONG_ANSWER;
                case "time_limit_exceeded" -> v == Verdict.TIME_LIMIT_EXCEEDED || v == Verdict.WALL_TIME_LIMIT_EXCEEDED;
                // Kattis counts a memory-limit kill as a run-time error here
                case "run_time_error" -> v == Verdict.RUNTIME_ERROR || v == Verdict.MEMORY_LIMIT_EXCEEDED;
                case "partially_accepted" -> r.score() > 0 && r.score() < r.maxScore();
                default -> false;
            };
        }

        private void print() {
            String fmt = "%-20s %-50s %-10s %-22s %-10s %8s  %s%n";
            out.printf(fmt, "category", "submission", "language", "verdict", "score", "max cpu", "result");
            for (Line l : lines) {
                out.printf(
                        fmt,
                        l.category(),
                        l.path(),
                        l.language(),
                        l.verdict(),
                        l.score(),
                        l.cpuMs() + " ms",
                        l.result());
            }
            long bad = lines.stream()
                    .filter(l -> l.result().startsWith("MISMATCH"))
                    .count();
            long skipped =
                    lines.stream().filter(l -> l.result().startsWith("skipped")).count();
            out.printf(
                    "%d submissions: %d as expected, %d mismatched, %d skipped%n",
                    lines.size(), lines.size() - bad - skipped, bad, skipped);
        }
    }

    static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.format(Locale.ROOT, "%.2f", d);
    }
}
