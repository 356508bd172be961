package dev.proctor.sandbox.seccomp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Every seccomp profile of a directory ({@code sandbox-profiles/seccomp}), compiled once at
 * construction. A profile is named by its file name without {@code .json}. Construction
 * fails if any file is bad, with one message listing every bad file, so an operator fixes
 * them all in one pass; nothing is skipped silently.
 */
public final class SeccompProfiles {

    private static final String SUFFIX = ".json";

    private final Map<String, SeccompCompiler.Compiled> compiled;

    public SeccompProfiles(Path directory) {
        this(directory, new SeccompCompiler());
    }

    public SeccompProfiles(Path directory, SeccompCompiler compiler) {
        List<Path> files = listProfiles(directory);
        Map<String, SeccompCompiler.Compiled> result = new TreeMap<>();
        List<String> errors = new ArrayList<>();
        for (Path file : files) {
            try {
                result.put(nameOf(file), compiler.compile(OciSeccompParser.parse(file)));
            } catch (SeccompException e) {
                errors.add(e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new SeccompException(errors.size() + " of " + files.size() + " seccomp profiles in " + directory
                    + " are invalid:\n  " + String.join("\n  ", errors));
        }
        this.compiled = Map.copyOf(result);
    }

    private static List<Path> listProfiles(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new SeccompException(directory + ": seccomp profile directory not found:"
                    + " point the service at sandbox-profiles/seccomp");
        }
        List<Path> files;
        try (Stream<Path> entries = Files.list(directory)) {
            files = entries.filter(p -> p.getFileName().toString().endsWith(SUFFIX))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new SeccompException(directory + ": cannot list seccomp profiles: " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new SeccompException(directory + ": no *.json seccomp profiles: add at least default.json");
        }
        return files;
    }

    private static String nameOf(Path file) {
        String fileName = file.getFileName().toString();
        return fileName.substring(0, fileName.length() - SUFFIX.length());
    }

    /** The BPF program of a profile (a fresh copy: callers cannot alter the shared one). */
    public byte[] program(String name) {
        SeccompCompiler.Compiled entry = compiled.get(name);
        if (entry == null) {
            throw new SeccompException("unknown seccomp profile '" + name + "': known are " + names());
        }
        return entry.program();
    }

    /** The profile names, sorted. */
    public List<String> names() {
        return compiled.keySet().stream().sorted().toList();
    }

    /** Syscall names skipped while compiling (unknown to libseccomp), one line each, to log at start-up. */
    public List<String> warnings() {
        return compiled.keySet().stream()
                .sorted()
                .flatMap(name -> compiled.get(name).warnings().stream())
                .toList();
    }
}
