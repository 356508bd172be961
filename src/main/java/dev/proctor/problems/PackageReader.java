package dev.proctor.problems;

import dev.proctor.core.Rejection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads a problem package from its directory (unpacked by {@link PackageArchive}, or a setter's own folder):
 * every file hashed once, problem.yaml, the test data tree with each group's grading, the validators and the
 * submissions. Refuses what cannot be graded: a {@code .in} without its {@code .ans}, no test data, a custom
 * validation without a validator, links.
 */
public final class PackageReader {

    private static final String DATA = "data";

    private PackageReader() {}

    public static ProblemPackage read(Path root, String fallbackName) {
        Map<String, PackageFile> files = hashAll(root);
        ProblemYaml yaml = ProblemYaml.read(root, fallbackName);
        String outputValidator = validator(files, yaml.format());
        Validation v = yaml.validation();
        if (yaml.format() == FormatVersion.V2023_07 && outputValidator != null && !v.custom()) {
            v = new Validation(true, v.interactive(), v.score(), v.flags());
        }
        if (v.custom() && outputValidator == null) {
            throw Rejection.unprocessable(
                    "output_validators", "problem.yaml asks for a custom validator, but output_validators/ has none");
        }
        if (!v.custom()) {
            outputValidator = null;
        }
        if (!Files.isDirectory(root.resolve(DATA), LinkOption.NOFOLLOW_LINKS)) {
            throw Rejection.unprocessable(DATA, "the package has no data/ directory");
        }
        TestNode.TestGroup data = group(root.resolve(DATA), DATA, "", GroupGrading.defaults(), files);
        if (data.cases().isEmpty()) {
            throw Rejection.unprocessable(DATA, "the package has no test cases below data/");
        }
        long total = files.values().stream().mapToLong(PackageFile::size).sum();
        List<PackageFile> list = List.copyOf(files.values());
        return new ProblemPackage(
                yaml.name(),
                yaml.format(),
                yaml.types(),
                v,
                yaml.limits(),
                data,
                outputValidator,
                programs(files, "input_validators", "input_format_validators"),
                submissions(files),
                list,
                total,
                digest(list));
    }

    private static Map<String, PackageFile> hashAll(Path root) {
        Map<String, PackageFile> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
                String rel = root.relativize(p).toString().replace('\\', '/');
                if (Files.isSymbolicLink(p)) {
                    // a setter's folder may reuse a file by a link; one leading out of the package is refused
                    // (archives never get here with links: PackageArchive refuses them by name)
                    Path real = p.toRealPath();
                    if (!real.startsWith(root.toRealPath()) || !Files.isRegularFile(real)) {
                        throw Rejection.unprocessable(
                                rel, rel + " is a symbolic link to something other than a file of the package");
                    }
                    out.put(rel, hash(real, rel));
                    continue;
                }
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel, hash(p, rel));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** SHA-256 of a file, read in 64 KiB steps. */
    public static PackageFile hash(Path p, String rel) {
        MessageDigest md = sha256();
        long size = 0;
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(p)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
                size += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new PackageFile(rel, size, HexFormat.of().formatHex(md.digest()));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The package's digest: independent of archive order, timestamps and wrapping folders. */
    static String digest(List<PackageFile> files) {
        MessageDigest md = sha256();
        files.stream()
                .sorted(Comparator.comparing(PackageFile::path))
                .forEach(f -> md.update(
                        (f.path() + "\0" + f.size() + "\0" + f.sha256() + "\n").getBytes(StandardCharsets.UTF_8)));
        return HexFormat.of().formatHex(md.digest());
    }

    private static TestNode.TestGroup group(
            Path dir, String rel, String name, GroupGrading inherited, Map<String, PackageFile> files) {
        GroupGrading grading = TestdataYaml.apply(dir, rel, inherited);
        TreeMap<String, Object> children = new TreeMap<>();
        List<Path> entries;
        try (Stream<Path> list = Files.list(dir)) {
            entries = list.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path p : entries) {
            String file = p.getFileName().toString();
            String childName = name.isEmpty() ? file : name + "/" + file;
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                children.put(file, group(p, rel + "/" + file, childName, grading, files));
                continue;
            }
            int dot = file.lastIndexOf('.');
            if (dot <= 0) {
                continue;
            }
            String ext = file.substring(dot + 1);
            if (ext.equals("in") || ext.equals("ans") || ext.equals("interaction")) {
                children.putIfAbsent(file.substring(0, dot), new String[3]);
                Object slot = children.get(file.substring(0, dot));
                if (slot instanceof String[] parts) {
                    parts[ext.equals("in") ? 0 : ext.equals("ans") ? 1 : 2] = rel + "/" + file;
                } else {
                    throw Rejection.unprocessable(
                            rel + "/" + file, rel + "/" + file + " has the name of a directory beside it");
                }
            }
        }
        List<TestNode> nodes = new ArrayList<>();
        for (Map.Entry<String, Object> e : children.entrySet()) {
            if (e.getValue() instanceof TestNode.TestGroup g) {
                if (!g.children().isEmpty()) {
                    nodes.add(g);
                }
                continue;
            }
            String[] parts = (String[]) e.getValue();
            String base = rel + "/" + e.getKey();
            if (parts[0] != null && parts[1] == null) {
                throw Rejection.unprocessable(base + ".in", base + ".in has no " + base + ".ans");
            }
            if (parts[0] == null && parts[2] == null) {
                throw Rejection.unprocessable(base + ".ans", base + ".ans has no " + base + ".in");
            }
            String caseName = name.isEmpty() ? e.getKey() : name + "/" + e.getKey();
            nodes.add(new TestNode.TestCase(
                    caseName, file(files, parts[0]), file(files, parts[1]), file(files, parts[2])));
        }
        return new TestNode.TestGroup(name, grading, nodes);
    }

    private static PackageFile file(Map<String, PackageFile> files, String path) {
        return path == null ? null : files.get(path);
    }

    private static String validator(Map<String, PackageFile> files, FormatVersion format) {
        List<String> found = new ArrayList<>(programs(files, "output_validators"));
        if (found.isEmpty()) {
            // 2023-07: output_validator/ is the program itself
            if (files.keySet().stream().anyMatch(p -> p.startsWith("output_validator/"))) {
                return "output_validator";
            }
            return null;
        }
        if (found.size() > 1) {
            throw Rejection.unprocessable(
                    "output_validators", "the package has " + found.size() + " output validators; one is allowed");
        }
        return found.get(0);
    }

    /** The programs in the first of {@code dirs} that exists: each a file or a directory directly below it. */
    private static List<String> programs(Map<String, PackageFile> files, String... dirs) {
        for (String dir : dirs) {
            TreeMap<String, Boolean> progs = new TreeMap<>();
            for (String p : files.keySet()) {
                if (p.startsWith(dir + "/")) {
                    String rest = p.substring(dir.length() + 1);
                    int slash = rest.indexOf('/');
                    progs.put(dir + "/" + (slash < 0 ? rest : rest.substring(0, slash)), true);
                }
            }
            if (!progs.isEmpty()) {
                return List.copyOf(progs.keySet());
            }
        }
        return List.of();
    }

    private static List<PackageSubmission> submissions(Map<String, PackageFile> files) {
        TreeMap<String, List<PackageFile>> byPath = new TreeMap<>();
        TreeMap<String, String> category = new TreeMap<>();
        for (PackageFile f : files.values()) {
            String[] parts = f.path().split("/");
            if (parts.length < 3 || !parts[0].equals("submissions")) {
                continue;
            }
            String path = parts[0] + "/" + parts[1] + "/" + parts[2];
            byPath.computeIfAbsent(path, k -> new ArrayList<>()).add(f);
            category.put(path, parts[1]);
        }
        List<PackageSubmission> out = new ArrayList<>();
        byPath.forEach((path, fs) -> out.add(new PackageSubmission(category.get(path), path, List.copyOf(fs))));
        return out;
    }
}
