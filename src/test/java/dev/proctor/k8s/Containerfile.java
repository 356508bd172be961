package dev.proctor.k8s;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of a Containerfile the manifests depend on. Only the instructions k8s/Containerfile
 * uses are understood; an instruction this parser does not know fails the test, so a new one
 * gets a check before it gets merged.
 */
record Containerfile(
        String from,
        List<Copy> copies,
        String workdir,
        List<String> entrypoint,
        List<Integer> exposed,
        Map<String, String> env,
        Map<String, String> labels) {

    /** One COPY: sources relative to the build context (the repository root), one destination. */
    record Copy(List<String> sources, String destination) {}

    private static final Pattern KEY_VALUE = Pattern.compile("([A-Za-z0-9_.-]+)=(\"[^\"]*\"|\\S+)");

    static Containerfile parse(Path file) {
        List<String> instructions = instructions(file);
        String from = null;
        String workdir = null;
        List<Copy> copies = new ArrayList<>();
        List<String> entrypoint = List.of();
        List<Integer> exposed = new ArrayList<>();
        Map<String, String> env = new LinkedHashMap<>();
        Map<String, String> labels = new LinkedHashMap<>();
        for (String line : instructions) {
            String[] parts = line.split("\\s+", 2);
            String keyword = parts[0].toUpperCase();
            String args = parts.length > 1 ? parts[1].trim() : "";
            switch (keyword) {
                case "FROM" -> from = args;
                case "RUN" -> {
                    // executed at build time; nothing the manifests depend on
                }
                case "COPY" -> {
                    List<String> words = Arrays.asList(args.split("\\s+"));
                    if (words.stream().anyMatch(w -> w.startsWith("--"))) {
                        throw new IllegalStateException("COPY flags are not checked yet: " + line);
                    }
                    copies.add(new Copy(words.subList(0, words.size() - 1), words.get(words.size() - 1)));
                }
                case "WORKDIR" -> workdir = args;
                case "ENTRYPOINT" -> entrypoint = jsonArray(args, line);
                case "EXPOSE" ->
                    Arrays.stream(args.split("\\s+"))
                            .map(p -> Integer.valueOf(p.replace("/tcp", "")))
                            .forEach(exposed::add);
                case "ENV" -> env.putAll(keyValues(args));
                case "LABEL" -> labels.putAll(keyValues(args));
                default -> throw new IllegalStateException("instruction not understood by this test: " + line);
            }
        }
        return new Containerfile(from, copies, workdir, entrypoint, exposed, env, labels);
    }

    /** Joins continuation lines and drops comments and blank lines. */
    private static List<String> instructions(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> result = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : lines) {
            String line = raw.strip();
            if (line.startsWith("#") || (line.isEmpty() && current.length() == 0)) {
                continue;
            }
            boolean continued = line.endsWith("\\");
            current.append(continued ? line.substring(0, line.length() - 1) : line)
                    .append(' ');
            if (!continued) {
                result.add(current.toString().strip());
                current.setLength(0);
            }
        }
        return result;
    }

    private static List<String> jsonArray(String args, String line) {
        if (!args.startsWith("[")) {
            // the shell form would run through /bin/sh -c and never equal the Deployment's command
            throw new IllegalStateException("use the exec (JSON array) form: " + line);
        }
        try {
            return new ObjectMapper().readValue(args, new TypeReference<List<String>>() {});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> keyValues(String args) {
        Map<String, String> result = new LinkedHashMap<>();
        Matcher m = KEY_VALUE.matcher(args);
        while (m.find()) {
            result.put(m.group(1), m.group(2).replace("\"", ""));
        }
        return result;
    }
}
