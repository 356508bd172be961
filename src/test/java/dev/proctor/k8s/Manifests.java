package dev.proctor.k8s;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Reads k8s/: every YAML document as a fabric8 object, kustomizations as plain maps. */
final class Manifests {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /** One document of one file, parsed; {@code file} is relative to k8s/. */
    record Document(Path file, int index, JsonNode tree, HasMetadata resource) {

        String where() {
            return file + "#" + index + " (" + resource.getKind() + " "
                    + resource.getMetadata().getName() + ")";
        }
    }

    private Manifests() {}

    static List<Path> yamlFiles(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean isKustomization(Path file) {
        return file.getFileName().toString().equals("kustomization.yaml");
    }

    /** Every non-empty document of a multi-document YAML file, as a tree. */
    static List<JsonNode> trees(Path file) {
        List<JsonNode> result = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode node = it.next();
                if (node != null && !node.isNull() && !node.isMissingNode()) {
                    result.add(node);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file.toString(), e);
        }
        return result;
    }

    /** Every document of a Kubernetes manifest file, typed by apiVersion and kind. */
    static List<Document> documents(Path root, Path file) {
        List<Document> result = new ArrayList<>();
        List<JsonNode> trees = trees(file);
        for (int i = 0; i < trees.size(); i++) {
            Object parsed = parse(trees.get(i));
            if (!(parsed instanceof HasMetadata resource)) {
                throw new AssertionError(root.relativize(file) + "#" + i + " is not a Kubernetes object: " + parsed);
            }
            result.add(new Document(root.relativize(file), i, trees.get(i), resource));
        }
        return result;
    }

    private static Object parse(JsonNode tree) {
        try {
            return SERIALIZATION.unmarshal(JSON.writeValueAsString(tree));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> kustomization(Path file) {
        try {
            return YAML.readValue(file.toFile(), Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException(file.toString(), e);
        }
    }

    /**
     * Paths of every field fabric8 did not recognise: a typo, a field of a newer API version, or
     * one at the wrong level all land in some object's additionalProperties. Custom resources come
     * back as GenericKubernetesResource (everything but metadata is "additional"); their content
     * is checked against {@link CustomResourceSchemas} instead.
     */
    static List<String> unknownFields(HasMetadata resource) {
        List<String> problems = new ArrayList<>();
        if (resource instanceof GenericKubernetesResource generic) {
            scan(generic.getMetadata(), "metadata", problems, 0);
            CustomResourceSchemas.check(generic, problems);
        } else {
            scan(resource, "", problems, 0);
        }
        return problems;
    }

    private static void scan(Object value, String path, List<String> problems, int depth) {
        if (value == null || depth > 64) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                scan(item, path + "[" + i++ + "]", problems, depth + 1);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> scan(v, path + "." + k, problems, depth + 1));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Class<?> c = value.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers())) {
                    continue;
                }
                Object child = read(field, value);
                if (field.getName().equals("additionalProperties")) {
                    if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        extra.keySet().forEach(k -> problems.add(join(path, String.valueOf(k))));
                    }
                } else if (field.isAnnotationPresent(JsonProperty.class)) {
                    scan(
                            child,
                            join(path, field.getAnnotation(JsonProperty.class).value()),
                            problems,
                            depth + 1);
                }
            }
        }
    }

    private static Object read(Field field, Object owner) {
        try {
            field.setAccessible(true);
            return field.get(owner);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
