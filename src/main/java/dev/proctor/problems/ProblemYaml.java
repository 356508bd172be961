package dev.proctor.problems;

import com.fasterxml.jackson.databind.JsonNode;
import dev.proctor.core.Rejection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** problem.yaml in either version of the format, read into name, types, validation and limits. */
record ProblemYaml(
        String name, FormatVersion format, Set<ProblemType> types, Validation validation, ProblemLimits limits) {

    static final String FILE = "problem.yaml";

    static ProblemYaml read(Path root, String fallbackName) {
        JsonNode y = Yaml.read(root.resolve(FILE), FILE);
        String version = Yaml.text(Yaml.at(y, "problem_format_version"), field("problem_format_version"));
        FormatVersion format;
        if (version == null || version.equals("legacy")) {
            format = FormatVersion.LEGACY;
        } else if (version.equals("2023-07-draft") || version.equals("2023-07")) {
            format = FormatVersion.V2023_07;
        } else {
            throw Rejection.unprocessable(
                    field("problem_format_version"),
                    "problem.yaml: problem_format_version " + version + " is not supported (legacy, 2023-07-draft)");
        }
        String name = name(Yaml.at(y, "name"), fallbackName);
        return format == FormatVersion.LEGACY ? legacy(y, name) : draft2023(y, name);
    }

    private static ProblemYaml legacy(JsonNode y, String name) {
        String type = Yaml.text(Yaml.at(y, "type"), field("type"));
        Set<ProblemType> types = EnumSet.noneOf(ProblemType.class);
        if (type == null || type.equals("pass-fail")) {
            types.add(ProblemType.PASS_FAIL);
        } else if (type.equals("scoring")) {
            types.add(ProblemType.SCORING);
        } else {
            throw Rejection.unprocessable(field("type"), "problem.yaml: type must be pass-fail or scoring");
        }
        List<String> words = Yaml.words(Yaml.at(y, "validation"), field("validation"));
        boolean custom = false;
        boolean interactive = false;
        boolean score = false;
        if (!words.isEmpty()) {
            if (words.get(0).equals("custom")) {
                custom = true;
            } else if (!words.get(0).equals("default") || words.size() > 1) {
                throw Rejection.unprocessable(
                        field("validation"),
                        "problem.yaml: validation must be default, or custom with interactive and/or score");
            }
            for (String w : words.subList(1, words.size())) {
                switch (w) {
                    case "interactive" -> interactive = true;
                    case "score" -> score = true;
                    default ->
                        throw Rejection.unprocessable(
                                field("validation"), "problem.yaml: validation option " + w + " is unknown");
                }
            }
        }
        if (interactive) {
            types.add(ProblemType.INTERACTIVE);
        }
        List<String> flags = Yaml.words(Yaml.at(y, "validator_flags"), field("validator_flags"));
        JsonNode l = Yaml.at(y, "limits");
        ProblemLimits limits = new ProblemLimits(
                timeLimit(l),
                Yaml.positive(Yaml.at(l, "time_multiplier"), field("limits.time_multiplier"), 5.0),
                Yaml.positive(Yaml.at(l, "time_safety_margin"), field("limits.time_safety_margin"), 2.0),
                Duration.ofSeconds(1),
                mib(l, "memory", 2048),
                mib(l, "output", 8),
                mib(l, "code", 128));
        return new ProblemYaml(
                name, FormatVersion.LEGACY, types, new Validation(custom, interactive, score, flags), limits);
    }

    private static ProblemYaml draft2023(JsonNode y, String name) {
        Set<ProblemType> types = EnumSet.noneOf(ProblemType.class);
        for (String w : Yaml.words(Yaml.at(y, "type"), field("type"))) {
            ProblemType t = ProblemType.of(w);
            if (t == null) {
                throw Rejection.unprocessable(
                        field("type"),
                        "problem.yaml: type " + w + " is not one of pass-fail, scoring, interactive, multi-pass");
            }
            types.add(t);
        }
        if (types.isEmpty()) {
            types.add(ProblemType.PASS_FAIL);
        }
        if (types.contains(ProblemType.PASS_FAIL) && types.contains(ProblemType.SCORING)) {
            throw Rejection.unprocessable(field("type"), "problem.yaml: type cannot be both pass-fail and scoring");
        }
        if (types.contains(ProblemType.MULTI_PASS)) {
            types.add(ProblemType.INTERACTIVE);
        }
        JsonNode l = Yaml.at(y, "limits");
        JsonNode m = Yaml.at(l, "time_multipliers");
        double resolution = Yaml.positive(Yaml.at(l, "time_resolution"), field("limits.time_resolution"), 1.0);
        ProblemLimits limits = new ProblemLimits(
                timeLimit(l),
                Yaml.positive(Yaml.at(m, "ac_to_time_limit"), field("limits.time_multipliers.ac_to_time_limit"), 2.0),
                Yaml.positive(Yaml.at(m, "time_limit_to_tle"), field("limits.time_multipliers.time_limit_to_tle"), 1.5),
                Duration.ofNanos((long) (resolution * 1e9)),
                mib(l, "memory", 2048),
                mib(l, "output", 8),
                mib(l, "code", 128));
        // 2023-07 names no "validation": the type decides, and a custom validator is one that exists
        boolean interactive = types.contains(ProblemType.INTERACTIVE);
        boolean score = types.contains(ProblemType.SCORING);
        List<String> flags = Yaml.words(Yaml.at(y, "validator_flags"), field("validator_flags"));
        return new ProblemYaml(
                name, FormatVersion.V2023_07, types, new Validation(interactive, interactive, score, flags), limits);
    }

    private static Optional<Duration> timeLimit(JsonNode l) {
        Double t = Yaml.number(Yaml.at(l, "time_limit"), field("limits.time_limit"));
        if (t == null) {
            return Optional.empty();
        }
        if (t <= 0 || t > 3600) {
            throw Rejection.unprocessable(
                    field("limits.time_limit"), "problem.yaml: limits.time_limit must be in (0, 3600] s");
        }
        return Optional.of(Duration.ofNanos((long) (t * 1e9)));
    }

    private static long mib(JsonNode l, String key, long fallback) {
        Double v = Yaml.number(Yaml.at(l, key), field("limits." + key));
        if (v == null) {
            return fallback;
        }
        if (v < 1 || v > 1024 * 1024) {
            throw Rejection.unprocessable(
                    field("limits." + key), "problem.yaml: limits." + key + " must be 1 to 1048576 MiB");
        }
        return v.longValue();
    }

    private static String name(JsonNode n, String fallback) {
        if (n.isMissingNode()) {
            return fallback;
        }
        if (n.isValueNode()) {
            return n.asText();
        }
        if (n.isObject()) {
            // a map of languages (2023-07): English first, else the first one written
            JsonNode en = n.get("en");
            if (en != null && en.isValueNode()) {
                return en.asText();
            }
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            if (it.hasNext()) {
                return it.next().getValue().asText();
            }
        }
        throw Rejection.unprocessable(field("name"), "problem.yaml: name must be a string or a map of languages");
    }

    static String field(String key) {
        return FILE + ":" + key;
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
