package dev.proctor.problems;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A package program's language, found the way the format's tools find it: by the extension of its source
 * files, and by the shebang line where an extension is shared ({@code .py} with {@code python2} is Python 2).
 * The answer is a language name; whether Proctor has a profile for it is the caller's question.
 */
public final class Languages {

    private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
            Map.entry("py", "python3"),
            Map.entry("c", "c"),
            Map.entry("cc", "cpp"),
            Map.entry("cpp", "cpp"),
            Map.entry("cxx", "cpp"),
            Map.entry("c++", "cpp"),
            Map.entry("java", "java"),
            Map.entry("go", "go"),
            Map.entry("rs", "rust"),
            Map.entry("js", "javascript"),
            Map.entry("sh", "bash"),
            Map.entry("kt", "kotlin"),
            Map.entry("rb", "ruby"),
            Map.entry("cs", "csharp"),
            Map.entry("hs", "haskell"),
            Map.entry("pas", "pascal"),
            Map.entry("php", "php"),
            Map.entry("pl", "perl"),
            Map.entry("scala", "scala"),
            Map.entry("ml", "ocaml"),
            Map.entry("lua", "lua"),
            Map.entry("swift", "swift"),
            Map.entry("f90", "fortran"));

    private Languages() {}

    /** A source file of a program: its name and its first bytes (for the shebang). */
    public record Source(String name, byte[] head) {}

    /** The program's language and its main source file, or empty when no file has a known extension. */
    public record Detected(String language, String mainFile) {}

    public static Optional<Detected> detect(List<Source> files) {
        Source main = null;
        String language = null;
        for (Source f : files) {
            String lang = BY_EXTENSION.get(extension(f.name()));
            if (lang == null) {
                continue;
            }
            if (lang.equals("python3") && shebang(f.head()).contains("python2")) {
                lang = "python2";
            }
            // a directory's main file: main.* / Main.* first, else the first in order
            boolean isMain = base(f.name()).equalsIgnoreCase("main");
            if (main == null || (isMain && !base(main.name()).equalsIgnoreCase("main"))) {
                main = f;
                language = lang;
            }
        }
        return main == null ? Optional.empty() : Optional.of(new Detected(language, main.name()));
    }

    static String extension(String name) {
        int slash = name.lastIndexOf('/');
        int dot = name.lastIndexOf('.');
        return dot <= slash + 1 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static String base(String name) {
        String file = name.substring(name.lastIndexOf('/') + 1);
        int dot = file.lastIndexOf('.');
        return dot <= 0 ? file : file.substring(0, dot);
    }

    private static String shebang(byte[] head) {
        String s = new String(head, 0, Math.min(head.length, 200), StandardCharsets.ISO_8859_1);
        if (!s.startsWith("#!")) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
