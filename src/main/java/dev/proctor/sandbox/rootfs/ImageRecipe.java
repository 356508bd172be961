package dev.proctor.sandbox.rootfs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A recipe of {@code sandbox-profiles/images/NAME.json}: a Debian suite and variant, the packages
 * debootstrap includes, and shell commands run in the new rootfs afterwards. The schema is in
 * {@code sandbox-profiles/images/README.md}.
 *
 * @param name        the image name, from the file name
 * @param description what the image is for (shown by {@code proctor image list})
 * @param comment     why the recipe is as it is
 * @param suite       the Debian suite (e.g. {@code bookworm})
 * @param variant     the debootstrap variant (e.g. {@code minbase})
 * @param packages    packages added with {@code --include}, in the recipe's order
 * @param run         shell commands run with chroot in the new rootfs, in order
 */
public record ImageRecipe(
        String name,
        String description,
        String comment,
        String suite,
        String variant,
        List<String> packages,
        List<String> run) {

    /** Bump when the build itself changes (cleanup, users, layout): every image gets a new digest. */
    public static final String BUILDER_VERSION = "debootstrap-builder-1";

    /** The suffix of a recipe file. */
    public static final String SUFFIX = ".json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Set<String> FIELDS = Set.of("description", "comment", "suite", "variant", "packages", "run");
    private static final Set<String> REQUIRED = Set.of("description", "comment", "suite", "variant", "packages");
    private static final Set<String> VARIANTS = Set.of("minbase", "buildd");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");
    private static final Pattern SUITE = Pattern.compile("[a-z][a-z0-9-]{1,39}");
    /** Debian policy 5.6.1, plus an optional ":arch" qualifier debootstrap passes to apt. */
    private static final Pattern PACKAGE = Pattern.compile("[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?");

    public ImageRecipe {
        packages = List.copyOf(packages);
        run = List.copyOf(run);
    }

    /** Whether {@code name} may name an image built from a recipe ({@code host} is reserved). */
    public static boolean validName(String name) {
        return NAME.matcher(name).matches() && !name.equals("host");
    }

    /** Reads and validates a recipe file; every error names the file, line and field. */
    public static ImageRecipe load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ImageRecipeException(file + ": cannot read the image recipe: " + e.getMessage(), e);
        }
        String fileName = file.getFileName().toString();
        String name = fileName.endsWith(SUFFIX) ? fileName.substring(0, fileName.length() - SUFFIX.length()) : fileName;
        return parse(file.toString(), name, text);
    }

    /** Parses a recipe from text; {@code source} names it in errors. */
    public static ImageRecipe parse(String source, String name, String text) {
        if (!validName(name)) {
            throw new ImageRecipeException(source + ": the image name '" + name + "' (the file name) must match "
                    + NAME.pattern() + " and must not be 'host' (the built-in image)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ImageRecipeException(
                    source + ":" + e.getLocation().getLineNr() + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ImageRecipeException(source + ": an image recipe must be a JSON object");
        }
        Fields f = new Fields(source, root, topLevelLines(text));
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                throw f.error(field, "unknown field (known fields: " + new TreeSet<>(FIELDS) + ")");
            }
        }
        for (String field : new TreeSet<>(REQUIRED)) {
            if (!root.has(field)) {
                throw f.error(field, "missing (required fields: " + new TreeSet<>(REQUIRED) + ")");
            }
        }
        String suite = f.text("suite");
        if (!SUITE.matcher(suite).matches()) {
            throw f.error("suite", "'" + suite + "' is not a Debian suite name (e.g. bookworm)");
        }
        String variant = f.text("variant");
        if (!VARIANTS.contains(variant)) {
            throw f.error(
                    "variant", "'" + variant + "' is not a supported debootstrap variant " + new TreeSet<>(VARIANTS));
        }
        List<String> packages = f.strings("packages");
        for (int i = 0; i < packages.size(); i++) {
            if (!PACKAGE.matcher(packages.get(i)).matches()) {
                throw f.error("packages", "[" + i + "] '" + packages.get(i) + "' is not a Debian package name");
            }
        }
        List<String> run = root.has("run") ? f.strings("run") : List.of();
        return new ImageRecipe(name, f.text("description"), f.text("comment"), suite, variant, packages, run);
    }

    /**
     * The recipe's build inputs as JSON with sorted keys and no spaces: what the digest covers.
     * {@code description} and {@code comment} are left out: rewording them changes no file.
     */
    public String canonicalJson() {
        Map<String, Object> content = new TreeMap<>();
        content.put("packages", packages);
        content.put("run", run);
        content.put("suite", suite);
        content.put("variant", variant);
        try {
            return JSON.writeValueAsString(content);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a recipe", e);
        }
    }

    /** sha256 (hex) of the canonical JSON and the builder version: names the build directory. */
    public String digest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(canonicalJson().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
            sha.update(BUILDER_VERSION.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /** Line of each top-level field name, so errors point into the file. */
    private static Map<String, Integer> topLevelLines(String text) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = JSON.getFactory().createParser(text)) {
            int depth = 0;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    depth++;
                } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    depth--;
                } else if (t == JsonToken.FIELD_NAME && depth == 1) {
                    lines.put(p.currentName(), p.currentTokenLocation().getLineNr());
                }
            }
        } catch (IOException e) {
            // already parsed once: cannot happen; errors then simply carry no line
        }
        return lines;
    }

    /** Typed access to the fields of one recipe, with errors naming file, line and field. */
    private record Fields(String source, JsonNode root, Map<String, Integer> lines) {

        ImageRecipeException error(String field, String what) {
            Integer line = lines.get(field);
            return new ImageRecipeException(
                    source + (line == null ? "" : ":" + line) + ": field '" + field + "': " + what, field);
        }

        String text(String field) {
            JsonNode v = root.get(field);
            if (!v.isTextual() || v.asText().isBlank()) {
                throw error(field, "must be a non-empty string");
            }
            return v.asText();
        }

        List<String> strings(String field) {
            JsonNode v = root.get(field);
            if (!v.isArray()) {
                throw error(field, "must be a list of strings");
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                JsonNode item = v.get(i);
                if (!item.isTextual() || item.asText().isBlank()) {
                    throw error(field, "[" + i + "] must be a non-empty string");
                }
                out.add(item.asText());
            }
            return out;
        }
    }
}
