package dev.proctor.compat.piston;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.proctor.compat.common.Versions;
import dev.proctor.config.SandboxConfig;
import dev.proctor.profiles.Profile;
import dev.proctor.profiles.ProfileRegistry;
import dev.proctor.profiles.ProfileToolchains;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Piston's runtimes (language, aliases, runtime) and the profiles that run them, from
 * {@code sandbox-profiles/compat/piston-runtimes.json}; versions are the profiles' real toolchain versions.
 */
@ApplicationScoped
@Startup
public class PistonRuntimes {

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** One runtime of the file. */
    public record Entry(String language, List<String> aliases, String runtime, String profile) {}

    record MapFile(String description, List<Entry> runtimes) {}

    /** A runtime as GET /runtimes shows it, with the profile behind it. */
    public record Runtime(String language, String version, List<String> aliases, String runtime, Profile profile) {}

    @Inject
    SandboxConfig sandbox;

    @Inject
    ProfileRegistry profiles;

    @Inject
    ProfileToolchains toolchains;

    private final List<Entry> entries = new ArrayList<>();

    @PostConstruct
    void load() {
        Path file = sandbox.dirs().project().resolve("sandbox-profiles/compat/piston-runtimes.json");
        MapFile map;
        try {
            map = JSON.readValue(file.toFile(), MapFile.class);
        } catch (IOException e) {
            throw new IllegalStateException(file + ": " + e.getMessage(), e);
        }
        List<String> problems = new ArrayList<>();
        for (Entry e : map.runtimes() == null ? List.<Entry>of() : map.runtimes()) {
            if (e.language() == null || e.language().isBlank()) {
                problems.add("a runtime without a language");
            } else if (profiles.find(e.profile()).isEmpty()) {
                problems.add(e.language() + ": no profile '" + e.profile() + "' in sandbox-profiles/languages");
            }
            entries.add(new Entry(
                    e.language(),
                    e.aliases() == null ? List.of() : List.copyOf(e.aliases()),
                    e.runtime(),
                    e.profile()));
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(file + " is invalid:\n  " + String.join("\n  ", problems));
        }
    }

    /** The runtimes this node can run (image built, version known). */
    public List<Runtime> available() {
        List<Runtime> out = new ArrayList<>();
        for (Entry e : entries) {
            Profile p = profiles.find(e.profile()).orElseThrow();
            if (toolchains.unavailable(p).isPresent()) {
                continue;
            }
            String v = Versions.semver(toolchains.version(p));
            out.add(new Runtime(e.language(), v == null ? "0.0.0" : v, e.aliases(), e.runtime(), p));
        }
        return out;
    }

    /** The runtime named {@code language} (a name or an alias, any case) whose version satisfies {@code range}. */
    public Optional<Runtime> find(String language, String range) {
        String l = language.toLowerCase(Locale.ROOT);
        return available().stream()
                .filter(r -> r.language().equals(l) || r.aliases().contains(l))
                .filter(r -> SemverRange.satisfies(r.version(), range))
                .findFirst();
    }
}
