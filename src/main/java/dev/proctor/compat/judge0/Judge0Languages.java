package dev.proctor.compat.judge0;

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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Judge0 language ids and the profiles that run them, from {@code sandbox-profiles/compat/judge0-languages.json};
 * an id whose profile is missing is a start-up error, like a bad profile.
 */
@ApplicationScoped
@Startup
public class Judge0Languages {

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** One language of the file. */
    public record Entry(int id, String name, String profile) {}

    record MapFile(String description, List<Entry> languages) {}

    @Inject
    Judge0Config config;

    @Inject
    SandboxConfig sandbox;

    @Inject
    ProfileRegistry profiles;

    @Inject
    ProfileToolchains toolchains;

    private final Map<Integer, Entry> byId = new TreeMap<>();

    @PostConstruct
    void load() {
        Path file = sandbox.dirs().project().resolve(config.languagesFile());
        MapFile map;
        try {
            map = JSON.readValue(file.toFile(), MapFile.class);
        } catch (IOException e) {
            throw new IllegalStateException(file + ": " + e.getMessage(), e);
        }
        List<String> problems = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (Entry e : map.languages() == null ? List.<Entry>of() : map.languages()) {
            if (!seen.add(e.id())) {
                problems.add("id " + e.id() + " appears twice");
            }
            if (e.name() == null || e.name().isBlank()) {
                problems.add("id " + e.id() + ": name is required");
            }
            if (profiles.find(e.profile()).isEmpty()) {
                problems.add("id " + e.id() + ": no profile '" + e.profile() + "' in sandbox-profiles/languages");
            }
            byId.put(e.id(), e);
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(file + " is invalid:\n  " + String.join("\n  ", problems));
        }
    }

    public Optional<Entry> find(int id) {
        return Optional.ofNullable(byId.get(id));
    }

    public List<Entry> all() {
        return List.copyOf(byId.values());
    }

    public Profile profile(Entry e) {
        return profiles.find(e.profile()).orElseThrow();
    }

    /** The entry's name with the profile's detected toolchain version in place of {version}. */
    public String name(Entry e) {
        String v = Versions.semver(toolchains.version(profile(e)));
        return e.name().replace("{version}", v == null ? "unknown version" : v);
    }

    /** Whether the profile can run here (its image is built). */
    public boolean available(Entry e) {
        return toolchains.unavailable(profile(e)).isEmpty();
    }
}
