package dev.proctor.problems;

import dev.proctor.config.SandboxConfig;
import dev.proctor.profiles.LimitSet;
import dev.proctor.profiles.Profile;
import dev.proctor.profiles.ProfileRegistry;
import dev.proctor.sandbox.Cancellation;
import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunSpec;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.SandboxEngine;
import dev.proctor.sandbox.Stdin;
import dev.proctor.sandbox.Workdir;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Programs of a package (input validators, output validators, submissions) built and run in the sandbox,
 * each with a language profile found by {@link Languages}: the main source file becomes the profile's source
 * file (except in Java, see {@link #keepsName}), the others keep their names. Sources are small: they are read into memory, test data never is.
 */
@ApplicationScoped
public class PackagePrograms {

    /** Largest program (all its files) read into a sandbox. */
    static final long MAX_PROGRAM_BYTES = 16 * 1024 * 1024;

    private final SandboxEngine engine;
    private final Function<String, Optional<Profile>> profiles;
    private final Duration sampleInterval;

    @Inject
    public PackagePrograms(SandboxEngine engine, ProfileRegistry registry, SandboxConfig sandbox) {
        this(engine, registry::find, sandbox.sampleInterval());
    }

    /** Outside the service ({@code ./proctor problem verify}): an engine and the profiles read from disk. */
    public PackagePrograms(
            SandboxEngine engine, Function<String, Optional<Profile>> profiles, Duration sampleInterval) {
        this.engine = engine;
        this.profiles = profiles;
        this.sampleInterval = sampleInterval;
    }

    /** A built program in its own work directory; close it when done. */
    public record Built(String path, Profile profile, Workdir dir, RunResult compile) implements AutoCloseable {
        public boolean ok() {
            return compile == null || compile.status() == RunStatus.OK;
        }

        @Override
        public void close() {
            dir.close();
        }
    }

    /** The language of a program, and whether Proctor has it: empty language = no known source file. */
    public record Language(String name, String mainFile, Optional<Profile> profile) {}

    public Language language(List<PackageFile> files, Function<PackageFile, Path> locate) {
        List<Languages.Source> sources = new ArrayList<>();
        for (PackageFile f : files) {
            sources.add(new Languages.Source(f.path(), head(locate.apply(f))));
        }
        return Languages.detect(sources)
                .map(d -> new Language(d.language(), d.mainFile(), profiles.apply(d.language())))
                .orElse(new Language(null, null, Optional.empty()));
    }

    /** Builds the program below {@code root} ({@code files} are its files); empty when its language is not here. */
    public Optional<Built> build(
            String root, List<PackageFile> files, Function<PackageFile, Path> locate, LimitSet compileLimits) {
        Language lang = language(files, locate);
        if (lang.profile().isEmpty()) {
            return Optional.empty();
        }
        Profile p = lang.profile().get();
        long total = files.stream().mapToLong(PackageFile::size).sum();
        if (total > MAX_PROGRAM_BYTES) {
            throw new IllegalArgumentException(root + " is over " + MAX_PROGRAM_BYTES + " bytes");
        }
        LimitSet compile = compileLimits == null
                ? (p.compiles() ? p.compileLimits().defaults() : p.runLimits().defaults())
                : compileLimits;
        Workdir dir = engine.createWorkdir(Math.max(compile.diskMb(), 64) * Limits.MIB);
        try {
            // the main file's directory is the program's: output_validator/<name>/validate.cc finds its
            // "validate.h" next to it
            String mainDir = lang.mainFile().contains("/")
                    ? lang.mainFile().substring(0, lang.mainFile().lastIndexOf('/'))
                    : root;
            for (PackageFile f : files) {
                String rel = f.path().equals(root)
                        ? f.path().substring(f.path().lastIndexOf('/') + 1)
                        : f.path().startsWith(mainDir + "/") && mainDir.length() > root.length()
                                ? f.path().substring(mainDir.length() + 1)
                                : f.path().substring(root.length() + 1);
                String name = f.path().equals(lang.mainFile()) && !keepsName(lang) ? p.sourceFile() : rel;
                dir.writeFile(name, Files.readAllBytes(locate.apply(f)), false);
            }
            RunResult c = null;
            if (p.compiles()) {
                c = run(p, p.compileArgv(), List.of(), dir, Stdin.empty(), compile);
            }
            return Optional.of(new Built(root, p, dir, c));
        } catch (IOException e) {
            dir.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    /**
     * Whether the main file keeps its own name rather than becoming the profile's source file. Java does, as
     * the format's tools have it: {@code public class Hello} must stay in {@code Hello.java} for javac, and the
     * class to run is the one with {@code main} (the Java profile's compile step finds it).
     */
    static boolean keepsName(Language lang) {
        return "java".equals(lang.name());
    }

    /** Builds a job's own sources (a submission against a problem) with its profile and compile limits. */
    public Built buildSources(Profile p, List<dev.proctor.grading.JobSpec.SpecFile> files, LimitSet compileLimits) {
        LimitSet compile = compileLimits == null
                ? (p.compiles() ? p.compileLimits().defaults() : p.runLimits().defaults())
                : compileLimits;
        Workdir dir = engine.createWorkdir(Math.max(compile.diskMb() == null ? 64 : compile.diskMb(), 64) * Limits.MIB);
        try {
            for (dev.proctor.grading.JobSpec.SpecFile f : files) {
                dir.writeFile(f.path(), f.content(), false);
            }
            RunResult c = p.compiles() ? run(p, p.compileArgv(), List.of(), dir, Stdin.empty(), compile) : null;
            return new Built("submission", p, dir, c);
        } catch (RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    /** Runs a built program with {@code args} after its argv, on a copy-on-write view of its directory. */
    public RunResult run(Built b, List<String> args, Stdin stdin, LimitSet limits, Cancellation cancel) {
        return run(b, args, stdin, limits, false, cancel);
    }

    /**
     * Runs a built program with {@code args} after its argv: on a copy-on-write view of its directory, or, when
     * this is the last run {@code b}'s directory will ever have ({@code lastRun}: nothing runs on it or reads it
     * afterwards), on the directory itself, without the view's overlay mount.
     */
    public RunResult run(
            Built b, List<String> args, Stdin stdin, LimitSet limits, boolean lastRun, Cancellation cancel) {
        return run(b.profile(), b.profile().runArgv(), args, dirFor(b, lastRun), stdin, limits, cancel);
    }

    private static Workdir dirFor(Built b, boolean lastRun) {
        return lastRun ? b.dir() : b.dir().copyOnWrite();
    }

    /**
     * Runs a built program on its own directory (not a copy-on-write view): what it writes there stays, for
     * a validator's feedback directory. The caller clears what must not carry over. {@code hostFiles} are
     * shown read-only in place (test data from the node's cache).
     */
    public RunResult runInPlace(
            Built b,
            List<String> args,
            List<RunSpec.HostFile> hostFiles,
            Stdin stdin,
            LimitSet limits,
            Cancellation cancel) {
        return run(
                b.profile()
                        .runSpec(b.profile().runArgv(), args, limits.toLimits(), b.dir(), stdin, sampleInterval)
                        .withHostFiles(hostFiles),
                cancel);
    }

    /**
     * One interactive test: the built submission (a copy-on-write view of its directory, or the directory itself
     * on its {@code lastRun} as for {@link #run(Built, List, Stdin, LimitSet, boolean, Cancellation)};
     * {@code limits}) joined to {@code interactor} by two pipes, each in a sandbox of its own
     * ({@link dev.proctor.grading.Interaction}).
     */
    public dev.proctor.grading.Interaction.Outcome interact(
            Built submission,
            dev.proctor.grading.Interaction.Interactor interactor,
            dev.proctor.grading.Interaction.TestData test,
            LimitSet limits,
            boolean lastRun,
            Cancellation cancel) {
        return dev.proctor.grading.Interaction.run(
                engine,
                new dev.proctor.grading.Interaction.Submission(
                        submission.profile(), List.of(), dirFor(submission, lastRun), limits),
                interactor,
                test,
                sampleInterval,
                cancel);
    }

    private RunResult run(Profile p, List<String> argv, List<String> args, Workdir wd, Stdin stdin, LimitSet l) {
        return run(p, argv, args, wd, stdin, l, Cancellation.none());
    }

    RunResult run(
            Profile p, List<String> argv, List<String> args, Workdir wd, Stdin stdin, LimitSet l, Cancellation cancel) {
        return run(p.runSpec(argv, args, l.toLimits(), wd, stdin, sampleInterval), cancel);
    }

    private RunResult run(RunSpec rs, Cancellation cancel) {
        try {
            return engine.run(rs, cancel);
        } catch (RuntimeException e) {
            return RunResult.internalError(e.getMessage());
        }
    }

    /** The profile's run limits raised to its maximum: validators are the judge's own programs. */
    public static LimitSet judgeLimits(Profile p) {
        return p.runLimits().maximum().orElse(p.runLimits().defaults());
    }

    private static byte[] head(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            return in.readNBytes(200);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
