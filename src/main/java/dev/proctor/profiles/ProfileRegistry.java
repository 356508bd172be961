package dev.proctor.profiles;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.proctor.config.SandboxConfig;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The language profiles of {@code sandbox-profiles/languages/*.json}, read and checked at start-up.
 * Every problem of every file is reported (file, line, field), then start-up stops.
 */
@ApplicationScoped
@Startup
public class ProfileRegistry {

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    @Inject
    SandboxConfig config;

    private final Map<String, Profile> profiles = new TreeMap<>();

    record StepFile(List<String> argv, LimitsFile limits) {}

    record LimitsFile(@JsonProperty("default") LimitSet defaults, LimitSet maximum) {}

    record ProfileFile(
            String name,
            String description,
            String sourceFile,
            StepFile compile,
            StepFile run,
            Map<String, String> env,
            String image,
            String seccomp,
            List<String> versionArgv,
            List<String> oomMarkers) {}

    @PostConstruct
    void load() {
        Path dir = config.dirs().profiles().resolve("languages");
        List<String> problems = new ArrayList<>();
        loadAll(dir, problems).forEach(p -> profiles.put(p.name(), p));
        if (!problems.isEmpty()) {
            throw new IllegalStateException("language profiles are invalid:\n  " + String.join("\n  ", problems));
        }
    }

    /** Reads every profile of {@code dir}, adding one line per problem to {@code problems}. */
    public static List<Profile> loadAll(Path dir, List<String> problems) {
        List<Profile> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            problems.add(dir + ": no such directory (set proctor.sandbox.project-dir to the checkout)");
            return out;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".json"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            problems.add(dir + ": " + e.getMessage());
            return out;
        }
        for (Path f : files) {
            parse(f, problems).ifPresent(out::add);
        }
        return out;
    }

    static Optional<Profile> parse(Path file, List<String> problems) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            problems.add(file + ": " + e.getMessage());
            return Optional.empty();
        }
        ProfileFile pf;
        try {
            pf = JSON.readValue(text, ProfileFile.class);
        } catch (JsonMappingException e) {
            // Jackson's location is the token after the bad value; the field's own line is clearer
            String field = e.getPath().isEmpty()
                    ? null
                    : e.getPath().get(e.getPath().size() - 1).getFieldName();
            int line = field != null && text.contains("\"" + field + "\"")
                    ? lineOf(text, field)
                    : e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            String message = e.getOriginalMessage().replaceAll(" \\(class [^)]*\\)", "");
            problems.add(file + ":" + line + ": field " + pathOf(e) + ": " + message);
            return Optional.empty();
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            problems.add(file + ":" + line + ": " + e.getOriginalMessage());
            return Optional.empty();
        }
        int before = problems.size();
        String expected = file.getFileName().toString().replaceFirst("\\.json$", "");
        check(
                pf.name() != null && pf.name().equals(expected),
                file,
                text,
                "name",
                "must equal the file name (" + expected + ")",
                problems);
        check(
                pf.sourceFile() != null && pf.sourceFile().matches("[A-Za-z0-9._-]+"),
                file,
                text,
                "source_file",
                "required, a plain file name",
                problems);
        check(
                pf.run() != null && pf.run().argv() != null && !pf.run().argv().isEmpty(),
                file,
                text,
                "run",
                "run.argv is required",
                problems);
        if (pf.compile() != null) {
            check(
                    pf.compile().argv() != null && !pf.compile().argv().isEmpty(),
                    file,
                    text,
                    "compile",
                    "compile.argv must not be empty (omit compile for none)",
                    problems);
            checkLimits(pf.compile().limits(), "compile", file, text, problems);
        }
        if (pf.run() != null) {
            checkLimits(pf.run().limits(), "run", file, text, problems);
        }
        checkPlaceholders(pf.compile() == null ? null : pf.compile().argv(), "compile", file, text, problems);
        checkPlaceholders(pf.run() == null ? null : pf.run().argv(), "run", file, text, problems);
        check(
                pf.oomMarkers() == null || pf.oomMarkers().stream().noneMatch(m -> m == null || m.isBlank()),
                file,
                text,
                "oom_markers",
                "markers must be non-empty strings",
                problems);
        if (problems.size() > before) {
            return Optional.empty();
        }
        Profile.StepLimits noCompile = new Profile.StepLimits(LimitSet.NONE, LimitSet.NONE);
        return Optional.of(new Profile(
                pf.name(),
                pf.description() == null ? "" : pf.description(),
                pf.sourceFile(),
                pf.compile() == null ? List.of() : List.copyOf(pf.compile().argv()),
                List.copyOf(pf.run().argv()),
                pf.env() == null ? Map.of() : Map.copyOf(pf.env()),
                pf.image() == null ? "host" : pf.image(),
                pf.seccomp() == null ? "default" : pf.seccomp(),
                pf.compile() == null ? noCompile : stepLimits(pf.compile().limits()),
                stepLimits(pf.run().limits()),
                pf.versionArgv() == null ? List.of() : List.copyOf(pf.versionArgv()),
                pf.oomMarkers() == null ? List.of() : List.copyOf(pf.oomMarkers())));
    }

    private static Profile.StepLimits stepLimits(LimitsFile l) {
        return new Profile.StepLimits(l.defaults(), l.maximum());
    }

    private static void checkLimits(LimitsFile l, String step, Path file, String text, List<String> problems) {
        if (l == null || l.defaults() == null || l.maximum() == null) {
            check(false, file, text, "limits", step + ".limits needs \"default\" and \"maximum\"", problems);
            return;
        }
        check(
                l.defaults().complete(),
                file,
                text,
                "default",
                step + ".limits.default must set all of "
                        + "cpu_time_ms, wall_time_ms, memory_mb, pids, output_kb, disk_mb",
                problems);
        check(
                l.maximum().complete(),
                file,
                text,
                "maximum",
                step + ".limits.maximum must set all of "
                        + "cpu_time_ms, wall_time_ms, memory_mb, pids, output_kb, disk_mb",
                problems);
    }

    private static void checkPlaceholders(
            List<String> argv, String step, Path file, String text, List<String> problems) {
        List<String> bad = argv == null ? List.of() : ArgvTemplate.unknown(argv);
        if (!bad.isEmpty()) {
            int line = 1
                    + (int) text.substring(0, Math.max(0, text.indexOf(bad.get(0))))
                            .chars()
                            .filter(c -> c == '\n')
                            .count();
            problems.add(file + ":" + line + ": field " + step + ".argv: unknown placeholder " + String.join(", ", bad)
                    + " (known: {" + String.join("}, {", ArgvTemplate.PLACEHOLDERS) + "})");
        }
    }

    private static void check(boolean ok, Path file, String text, String field, String message, List<String> problems) {
        if (!ok) {
            problems.add(file + ":" + lineOf(text, field) + ": field " + field + ": " + message);
        }
    }

    /** First line naming the field, or 1: semantic checks run after parsing, when locations are gone. */
    static int lineOf(String text, String field) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains("\"" + field + "\"")) {
                return i + 1;
            }
        }
        return 1;
    }

    private static String pathOf(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                b.append(b.length() > 0 ? "." : "").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.length() == 0 ? "(root)" : b.toString();
    }

    public Optional<Profile> find(String name) {
        return Optional.ofNullable(name == null ? null : profiles.get(name));
    }

    public Collection<Profile> all() {
        return profiles.values();
    }
}
