package dev.proctor.k8s;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a kustomization.yaml the way `kubectl apply -k` would fail on it, without kustomize:
 * every file it names exists, every manifest next to it is named, inline patches point at
 * resources and paths that exist in what they patch.
 */
final class Kustomizations {

    private static final Set<String> TOP_LEVEL = Set.of(
            "apiVersion",
            "kind",
            "namespace",
            "resources",
            "components",
            "configMapGenerator",
            "secretGenerator",
            "generatorOptions",
            "patches",
            "images",
            "labels",
            "replicas");
    private static final Set<String> GENERATOR = Set.of("name", "behavior", "files", "envs", "literals", "options");
    private static final Set<String> PATCH = Set.of("path", "patch", "target", "options");
    private static final Set<String> TARGET =
            Set.of("group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector");

    private Kustomizations() {}

    /** The manifest files a kustomization lists under resources (directories excluded). */
    static List<Path> resourceFiles(Path kustomization) {
        Path dir = kustomization.getParent();
        return strings(Manifests.kustomization(kustomization).get("resources")).stream()
                .map(dir::resolve)
                .filter(Files::isRegularFile)
                .toList();
    }

    /** The strategic-merge patch files a kustomization lists under patches. */
    static List<Path> patchFiles(Path kustomization) {
        Path dir = kustomization.getParent();
        return maps(Manifests.kustomization(kustomization).get("patches")).stream()
                .filter(p -> p.get("path") != null)
                .map(p -> dir.resolve(String.valueOf(p.get("path"))))
                .toList();
    }

    /** The operations of the inline JSON 6902 patches a kustomization applies to resources of one kind. */
    static List<JsonNode> jsonPatchOps(Path kustomization, String kind) {
        List<JsonNode> ops = new ArrayList<>();
        for (Map<String, Object> patch :
                maps(Manifests.kustomization(kustomization).get("patches"))) {
            Object target = patch.get("target");
            if (patch.get("patch") != null && target instanceof Map<?, ?> t && kind.equals(t.get("kind"))) {
                try {
                    Manifests.YAML.readTree(String.valueOf(patch.get("patch"))).forEach(ops::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return ops;
    }

    /**
     * Everything wrong with one kustomization; {@code known} are the documents its resources
     * (recursively) produce, for checking inline patches.
     */
    static List<String> problems(Path kustomization, List<Manifests.Document> known) {
        List<String> problems = new ArrayList<>();
        Path dir = kustomization.getParent();
        Map<String, Object> k = Manifests.kustomization(kustomization);
        k.keySet().stream().filter(key -> !TOP_LEVEL.contains(key)).forEach(key -> problems.add("unknown key " + key));
        for (String resource : strings(k.get("resources"))) {
            Path p = dir.resolve(resource);
            if (!Files.isRegularFile(p) && !Files.isRegularFile(p.resolve("kustomization.yaml"))) {
                problems.add("resource " + resource + " is neither a file nor a kustomization directory");
            }
        }
        for (String key : List.of("configMapGenerator", "secretGenerator")) {
            for (Map<String, Object> generator : maps(k.get(key))) {
                generator.keySet().stream()
                        .filter(g -> !GENERATOR.contains(g))
                        .forEach(g -> problems.add(key + ": unknown key " + g));
                List<String> files = new ArrayList<>(strings(generator.get("envs")));
                // files: entries may be "key=path"
                strings(generator.get("files")).forEach(f -> files.add(f.substring(f.indexOf('=') + 1)));
                files.stream()
                        .filter(f -> !Files.isRegularFile(dir.resolve(f)))
                        .forEach(f -> problems.add(key + ": missing file " + f));
            }
        }
        for (Map<String, Object> patch : maps(k.get("patches"))) {
            patch.keySet().stream()
                    .filter(p -> !PATCH.contains(p))
                    .forEach(p -> problems.add("patch: unknown key " + p));
            if (patch.get("path") != null && !Files.isRegularFile(dir.resolve(String.valueOf(patch.get("path"))))) {
                problems.add("patch: missing file " + patch.get("path"));
            }
            if (patch.get("patch") != null) {
                checkInlinePatch(patch, known, problems);
            }
        }
        problems.addAll(unlisted(kustomization));
        return problems;
    }

    /** Manifests next to the kustomization that it does not use: dead files that look deployed. */
    private static List<String> unlisted(Path kustomization) {
        List<Path> used = new ArrayList<>(resourceFiles(kustomization));
        used.addAll(patchFiles(kustomization));
        return Manifests.yamlFiles(kustomization.getParent()).stream()
                .filter(f -> f.getParent().equals(kustomization.getParent()))
                .filter(f -> !Manifests.isKustomization(f))
                .filter(f -> used.stream().noneMatch(u -> u.normalize().equals(f.normalize())))
                .map(f -> "not referenced: " + f.getFileName())
                .toList();
    }

    @SuppressWarnings("unchecked")
    private static void checkInlinePatch(
            Map<String, Object> patch, List<Manifests.Document> known, List<String> problems) {
        JsonNode body;
        try {
            body = Manifests.YAML.readTree(String.valueOf(patch.get("patch")));
        } catch (IOException e) {
            problems.add("inline patch is not YAML: " + e.getMessage());
            return;
        }
        if (body.isArray()) {
            // JSON 6902: needs a target, and every path it replaces or removes must exist there
            Map<String, Object> target = (Map<String, Object>) patch.get("target");
            if (target == null) {
                problems.add("JSON patch without target");
                return;
            }
            target.keySet().stream()
                    .filter(t -> !TARGET.contains(t))
                    .forEach(t -> problems.add("target: unknown key " + t));
            JsonNode tree = find(known, String.valueOf(target.get("kind")), String.valueOf(target.get("name")));
            if (tree == null) {
                problems.add("JSON patch target not found: " + target);
                return;
            }
            for (JsonNode op : body) {
                String kind = op.path("op").asText();
                JsonPointer path = JsonPointer.compile(op.path("path").asText());
                JsonNode at = kind.equals("add") ? tree.at(path.head()) : tree.at(path);
                if (at.isMissingNode()) {
                    problems.add("JSON patch " + kind + " " + path + ": no such path in " + target.get("kind"));
                }
            }
        } else if (find(
                        known,
                        body.path("kind").asText(),
                        body.path("metadata").path("name").asText())
                == null) {
            problems.add(
                    "inline patch matches no resource: " + body.path("kind").asText() + " "
                            + body.path("metadata").path("name").asText());
        }
    }

    private static JsonNode find(List<Manifests.Document> known, String kind, String name) {
        return known.stream()
                .filter(d -> d.resource().getKind().equals(kind)
                        && d.resource().getMetadata().getName().equals(name))
                .map(Manifests.Document::tree)
                .findFirst()
                .orElse(null);
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object value) {
        return value == null
                ? List.of()
                : ((List<Object>) value).stream().map(String::valueOf).toList();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> maps(Object value) {
        return value == null ? List.of() : (List<Map<String, Object>>) value;
    }
}
