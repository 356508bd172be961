package dev.proctor.problems;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.proctor.core.Rejection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * The package's YAML files read into trees, with their refusals naming the file and key ({@code
 * problem.yaml:limits.memory}). Files are capped at 1 MiB and aliases at 50 (no "billion laughs").
 */
final class Yaml {

    static final long MAX_BYTES = 1024 * 1024;

    private static final ObjectMapper MAPPER;

    static {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(50);
        options.setCodePointLimit((int) MAX_BYTES);
        options.setNestingDepthLimit(50);
        MAPPER = new ObjectMapper(YAMLFactory.builder().loaderOptions(options).build());
    }

    private Yaml() {}

    /** The file's tree; an empty file or a missing one is an empty mapping. */
    static JsonNode read(Path file, String name) {
        if (!Files.isRegularFile(file)) {
            return MAPPER.createObjectNode();
        }
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw Rejection.unprocessable(name, name + " is over " + MAX_BYTES + " bytes");
            }
            try (InputStream in = Files.newInputStream(file)) {
                JsonNode n = MAPPER.readTree(in);
                if (n == null || n.isMissingNode() || n.isNull()) {
                    return MAPPER.createObjectNode();
                }
                if (!n.isObject()) {
                    throw Rejection.unprocessable(name, name + " must be a mapping of keys to values");
                }
                return n;
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            String m = e.getOriginalMessage();
            throw Rejection.unprocessable(
                    name,
                    name + " is not valid YAML: "
                            + (m == null ? "" : m.lines().findFirst().orElse("")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode at(JsonNode n, String key) {
        JsonNode v = n.get(key);
        return v == null || v.isNull() ? MissingNode.getInstance() : v;
    }

    static String text(JsonNode n, String field) {
        if (n.isMissingNode()) {
            return null;
        }
        if (!n.isValueNode()) {
            throw Rejection.unprocessable(field, field + " must be a single value");
        }
        return n.asText();
    }

    static Double number(JsonNode n, String field) {
        if (n.isMissingNode()) {
            return null;
        }
        if (n.isNumber()) {
            return check(n.asDouble(), field);
        }
        if (n.isTextual()) {
            try {
                return check(Double.parseDouble(n.asText().trim()), field);
            } catch (NumberFormatException e) {
                // fall through to the refusal below
            }
        }
        throw Rejection.unprocessable(field, field + " must be a number");
    }

    private static double check(double v, String field) {
        if (!Double.isFinite(v)) {
            throw Rejection.unprocessable(field, field + " must be a finite number");
        }
        return v;
    }

    static double positive(JsonNode n, String field, double fallback) {
        Double v = number(n, field);
        if (v == null) {
            return fallback;
        }
        if (v <= 0) {
            throw Rejection.unprocessable(field, field + " must be positive");
        }
        return v;
    }

    /** A list of words: a YAML list, or a string split on whitespace. */
    static List<String> words(JsonNode n, String field) {
        List<String> out = new ArrayList<>();
        if (n.isMissingNode()) {
            return out;
        }
        if (n.isArray()) {
            for (JsonNode e : n) {
                if (!e.isValueNode()) {
                    throw Rejection.unprocessable(field, field + " must be a list of words");
                }
                out.add(e.asText());
            }
            return out;
        }
        if (!n.isValueNode()) {
            throw Rejection.unprocessable(field, field + " must be a string or a list");
        }
        for (String w : n.asText().trim().split("\\s+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }
}
