package dev.proctor.testsupport;

import dev.proctor.sandbox.Cancellation;
import dev.proctor.sandbox.EngineInfo;
import dev.proctor.sandbox.JoinedRuns;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunSpec;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.SandboxEngine;
import dev.proctor.sandbox.Stdin;
import dev.proctor.sandbox.Workdir;
import dev.proctor.sandbox.accounting.Usage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A sandbox for HTTP-level tests of what jobs produce, enabled by {@link ScriptedSandboxProfile}: no kernel,
 * the job's source file is a script of one command per line that says what the "program" does.
 * <ul>
 *   <li>{@code out TEXT} / {@code err TEXT}: a line on stdout / stderr; {@code hex HEX}: raw stdout bytes;</li>
 *   <li>{@code cat}: stdin to stdout; {@code file NAME}: a file of the work directory to stdout; {@code args}: each argument on a line of stdout;</li>
 *   <li>{@code cpu MS}, {@code memory KB}: the usage reported;</li>
 *   <li>{@code exit N}, {@code signal NAME}, {@code status NAME} (a RunStatus): how the run ends;</li>
 *   <li>{@code compile-error TEXT}: the compile step fails with TEXT on stderr;</li>
 *   <li>{@code await PATH}: the run goes on only once PATH exists on the host (at most 2 minutes) or it is
 *   cancelled: a run that lasts exactly as long as a test wants.</li>
 * </ul>
 * Version queries print "fake 1.2.3".
 */
@Alternative
@ApplicationScoped
public class ScriptedSandboxEngine implements SandboxEngine {

    private static final List<String> SOURCES =
            List.of("main.py", "main.cpp", "main.c", "main.sh", "main.js", "Main.java", "main.go", "main.rs");
    private static final List<String> COMPILERS = List.of("gcc", "g++", "go", "rustc", "sh");

    @Override
    public Workdir createWorkdir(long sizeBytes) {
        try {
            return new DirWorkdir(Files.createTempDirectory("scripted-box-"), sizeBytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public RunResult run(RunSpec spec, Cancellation cancellation) {
        List<String> argv = spec.argv();
        if (argv.stream().anyMatch(a -> a.equals("--version") || a.equals("-version"))) {
            return result(RunStatus.OK, 0, null, "fake 1.2.3\n".getBytes(), new byte[0], 1, 1024);
        }
        Path dir = spec.workdir().path();
        String source = SOURCES.stream()
                .map(dir::resolve)
                .filter(Files::exists)
                .findFirst()
                .map(p -> {
                    try {
                        return Files.readString(p, StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })
                .orElse("");
        boolean compile = COMPILERS.contains(argv.get(0))
                && (!argv.get(0).equals("sh") || argv.size() > 2 && argv.get(2).contains("javac"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        if (compile) {
            for (String line : source.split("\n")) {
                if (line.startsWith("compile-error ")) {
                    err.writeBytes((line.substring(14) + "\n").getBytes(StandardCharsets.UTF_8));
                    return result(RunStatus.RUNTIME_ERROR, 1, null, out.toByteArray(), err.toByteArray(), 5, 2048);
                }
            }
            return result(RunStatus.OK, 0, null, new byte[0], new byte[0], 5, 2048);
        }
        int firstArg = argv.indexOf("main.py") >= 0
                ? argv.indexOf("main.py") + 1
                : argv.indexOf("./main") >= 0 ? argv.indexOf("./main") + 1 : argv.size();
        RunStatus status = RunStatus.OK;
        Integer exit = 0;
        String signal = null;
        long cpu = 1;
        long memoryKb = 1024;
        for (String line : source.split("\n")) {
            String[] w = line.split(" ", 2);
            String rest = w.length > 1 ? w[1] : "";
            switch (w[0]) {
                case "out" -> out.writeBytes((rest + "\n").getBytes(StandardCharsets.UTF_8));
                case "err" -> err.writeBytes((rest + "\n").getBytes(StandardCharsets.UTF_8));
                case "hex" -> out.writeBytes(HexFormat.of().parseHex(rest));
                case "cat" -> out.writeBytes(spec.stdin() instanceof Stdin.FromBytes b ? b.bytes() : new byte[0]);
                case "args" ->
                    argv.subList(firstArg, argv.size())
                            .forEach(a -> out.writeBytes((a + "\n").getBytes(StandardCharsets.UTF_8)));
                case "file" -> {
                    try {
                        out.writeBytes(Files.readAllBytes(dir.resolve(rest)));
                    } catch (IOException e) {
                        err.writeBytes(("no file " + rest + "\n").getBytes(StandardCharsets.UTF_8));
                    }
                }
                case "cpu" -> cpu = Long.parseLong(rest);
                case "memory" -> memoryKb = Long.parseLong(rest);
                case "exit" -> {
                    exit = Integer.parseInt(rest);
                    status = exit == 0 ? RunStatus.OK : RunStatus.RUNTIME_ERROR;
                }
                case "signal" -> {
                    signal = rest;
                    exit = null;
                    status = RunStatus.RUNTIME_ERROR;
                }
                case "status" -> status = RunStatus.valueOf(rest);
                case "await" -> await(Path.of(rest), cancellation);
                default -> {}
            }
        }
        return result(status, exit, signal, out.toByteArray(), err.toByteArray(), cpu, memoryKb);
    }

    private static void await(Path path, Cancellation cancellation) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!Files.exists(path) && !cancellation.isCancelled() && System.nanoTime() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static RunResult result(
            RunStatus status, Integer exit, String signal, byte[] out, byte[] err, long cpuMs, long memoryKb) {
        Usage u = new Usage(
                cpuMs * 1000,
                cpuMs * 1000,
                0,
                cpuMs * 1000 + 500,
                memoryKb * 1024,
                0,
                0,
                1,
                0,
                0,
                -1,
                -1,
                out.length,
                err.length);
        return new RunResult(status, exit, signal, u, out, err, List.of(), null);
    }

    /** Joined runs need a kernel: both are internal errors here. */
    @Override
    public JoinedRuns runJoined(RunSpec first, RunSpec second, Cancellation cancellation) {
        return JoinedRuns.internalError("no joined runs in the scripted sandbox");
    }

    @Override
    public EngineInfo info() {
        return new EngineInfo("scripted", List.of("host"), List.of("default"));
    }

    @Override
    public void close() {}

    /** A plain temporary directory standing in for the tmpfs workdir. */
    public record DirWorkdir(Path path, long sizeBytes) implements Workdir {

        @Override
        public void writeFile(String relativePath, byte[] content, boolean executable) {
            try {
                Path p = path.resolve(relativePath);
                Files.createDirectories(p.getParent());
                Files.write(p, content);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** No kernel here: the scripted runs share the directory (nothing they do writes to it). */
        @Override
        public Workdir copyOnWrite() {
            DirWorkdir base = this;
            return new Workdir() {
                @Override
                public Path path() {
                    return base.path();
                }

                @Override
                public long sizeBytes() {
                    return base.sizeBytes();
                }

                @Override
                public void writeFile(String relativePath, byte[] content, boolean executable) {
                    base.writeFile(relativePath, content, executable);
                }

                @Override
                public byte[] readFile(String relativePath, int maxBytes) {
                    return base.readFile(relativePath, maxBytes);
                }

                @Override
                public Workdir copyOnWrite() {
                    return this;
                }

                @Override
                public void close() {
                    // a view: the directory belongs to its base
                }
            };
        }

        @Override
        public byte[] readFile(String relativePath, int maxBytes) {
            try {
                return Files.readAllBytes(path.resolve(relativePath));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try (Stream<Path> s = Files.walk(path)) {
                s.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
