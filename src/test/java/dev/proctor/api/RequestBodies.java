package dev.proctor.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.List;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Generated bodies for POST /api/v1/jobs: a valid job, then a few random mutations of it — wrong types,
 * missing and unknown fields, huge and negative numbers, NUL and lone surrogates in strings, hostile paths,
 * thousands of files or tests, deep nesting — plus bodies that are not a JSON object at all.
 */
final class RequestBodies {

    /** Stands for a lone surrogate in generated text; the JSON text gets the escape {@code \ud800}. */
    static final String LONE_SURROGATE = "@@LONE@@";

    /** Stands for deeply nested arrays: {@code "@@DEEP<n>@@"} becomes n nested arrays in the JSON text. */
    static final String DEEP = "@@DEEP";

    private static final Pattern DEEP_VALUE = Pattern.compile("\"" + DEEP + "(\\d+)@@\"");

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final List<String> ROOT_FIELDS = List.of(
            "profile",
            "files",
            "tests",
            "stdin",
            "stdin_encoding",
            "limits",
            "compile_limits",
            "checker",
            "stop_on_first_failure",
            "callback_url",
            "metadata");
    private static final List<String> FILE_FIELDS = List.of("path", "content", "encoding");
    private static final List<String> TEST_FIELDS = List.of(
            "name", "stdin", "stdin_encoding", "expected_output", "expected_output_encoding", "limits", "weight");
    private static final List<String> LIMIT_FIELDS =
            List.of("cpu_time_ms", "wall_time_ms", "memory_mb", "pids", "output_kb", "disk_mb");
    private static final List<String> CHECKER_FIELDS = List.of("type", "abs_error", "rel_error", "profile", "files");

    private RequestBodies() {}

    /** A body as the bytes of its JSON text. */
    static Arbitrary<String> bodies() {
        Arbitrary<String> mutated = Combinators.combine(
                        Arbitraries.of("bash", "python3", "c"),
                        mutation().list().ofMinSize(1).ofMaxSize(4))
                .as((profile, ms) -> {
                    ObjectNode job = valid(profile);
                    for (Mutation m : ms) {
                        m.apply(job);
                    }
                    return text(job);
                });
        Arbitrary<String> notObjects = Arbitraries.of(
                "",
                "null",
                "[]",
                "[{}]",
                "1",
                "-1e999",
                "\"job\"",
                "true",
                "{",
                "{\"profile\":",
                "{\"profile\": \"bash\",}",
                "{'profile': 'bash'}",
                "\u0000",
                "{\"profile\":\"bash\",\"profile\":\"c\"}",
                "{\"files\": [" + "[".repeat(3000) + "]}");
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(9, mutated), net.jqwik.api.Tuple.of(1, notObjects));
    }

    static ObjectNode valid(String profile) {
        ObjectNode job = F.objectNode();
        job.put("profile", profile);
        String source = switch (profile) {
            case "python3" -> "print(input())";
            case "c" -> "int main(void){return 0;}";
            default -> "read x; echo \"$x\"";
        };
        ArrayNode files = job.putArray("files");
        files.addObject()
                .put(
                        "path",
                        switch (profile) {
                            case "python3" -> "main.py";
                            case "c" -> "main.c";
                            default -> "main.sh";
                        })
                .put("content", source);
        ArrayNode tests = job.putArray("tests");
        tests.addObject().put("name", "one").put("stdin", "1\n").put("expected_output", "1\n");
        job.putObject("limits").put("cpu_time_ms", 1000).put("memory_mb", 64);
        return job;
    }

    static String text(JsonNode n) {
        try {
            String text = JSON.writeValueAsString(n).replace(LONE_SURROGATE, "\\ud800");
            return DEEP_VALUE.matcher(text).replaceAll(m -> nested(Integer.parseInt(m.group(1))));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    interface Mutation {
        void apply(ObjectNode job);
    }

    static Arbitrary<Mutation> mutation() {
        Arbitrary<JsonNode> value = values();
        Arbitrary<Mutation> setRoot =
                Combinators.combine(Arbitraries.of(ROOT_FIELDS), value).as((f, v) -> job -> job.set(f, v));
        Arbitrary<Mutation> setFile = Combinators.combine(Arbitraries.of(FILE_FIELDS), value)
                .as((f, v) -> job -> firstObject(job, "files").set(f, v));
        Arbitrary<Mutation> setTest = Combinators.combine(Arbitraries.of(TEST_FIELDS), value)
                .as((f, v) -> job -> firstObject(job, "tests").set(f, v));
        Arbitrary<Mutation> setLimit = Combinators.combine(
                        Arbitraries.of("limits", "compile_limits", "tests"), Arbitraries.of(LIMIT_FIELDS), value)
                .as((where, f, v) -> job -> {
                    ObjectNode limits =
                            where.equals("tests") ? child(firstObject(job, "tests"), "limits") : child(job, where);
                    limits.set(f, v);
                });
        Arbitrary<Mutation> setChecker = Combinators.combine(Arbitraries.of(CHECKER_FIELDS), value)
                .as((f, v) -> job -> child(job, "checker").set(f, v));
        Arbitrary<Mutation> remove = Arbitraries.of(ROOT_FIELDS).map(f -> job -> job.remove(f));
        Arbitrary<Mutation> unknown =
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12).map(f -> job -> job.put("x_" + f, 1));
        Arbitrary<Mutation> path =
                paths().map(p -> job -> firstObject(job, "files").put("path", p));
        Arbitrary<Mutation> morePaths = paths().list().ofMinSize(2).ofMaxSize(5).map(ps -> job -> {
            ArrayNode files = job.putArray("files");
            for (String p : ps) {
                files.addObject().put("path", p).put("content", "x");
            }
        });
        Arbitrary<Mutation> manyFiles = Arbitraries.integers().between(60, 3000).map(n -> job -> {
            ArrayNode files = job.putArray("files");
            for (int i = 0; i < n; i++) {
                files.addObject().put("path", "f" + i).put("content", "");
            }
        });
        Arbitrary<Mutation> manyTests = Arbitraries.integers()
                .between(200, 3000)
                .map(n -> job -> {
                    ArrayNode tests = job.putArray("tests");
                    for (int i = 0; i < n; i++) {
                        tests.addObject().put("stdin", "");
                    }
                });
        Arbitrary<Mutation> sameNames = Arbitraries.just(job -> {
            ArrayNode tests = job.putArray("tests");
            tests.addObject().put("name", "a");
            tests.addObject().put("name", "a");
        });
        return Arbitraries.oneOf(
                setRoot,
                setFile,
                setTest,
                setLimit,
                setChecker,
                remove,
                unknown,
                path,
                morePaths,
                manyFiles,
                manyTests,
                sameNames);
    }

    static Arbitrary<String> paths() {
        return Arbitraries.oneOf(
                Arbitraries.of(
                        "../../etc/passwd",
                        "..",
                        ".",
                        "/etc/passwd",
                        "",
                        "a//b",
                        "a/./b",
                        "a/../b",
                        "a/",
                        "/",
                        "main.sh/x",
                        "é",
                        "a\u0000b",
                        "a b",
                        "~",
                        "-",
                        ".hidden",
                        "a/b/c/d/e/f",
                        "CON",
                        "x".repeat(256),
                        "a/" + "b".repeat(300),
                        LONE_SURROGATE),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(20),
                Arbitraries.strings().all().ofMaxLength(8));
    }

    static Arbitrary<JsonNode> values() {
        return Arbitraries.oneOf(
                Arbitraries.just(F.nullNode()),
                Arbitraries.of(F.booleanNode(true), F.booleanNode(false)),
                Arbitraries.longs().map(F::numberNode),
                Arbitraries.of(0L, -1L, 1L, Long.MAX_VALUE, Long.MIN_VALUE, (long) Integer.MAX_VALUE + 1)
                        .map(F::numberNode),
                Arbitraries.of(new BigInteger("9223372036854775808"), new BigInteger("-1" + "0".repeat(40)))
                        .map(F::numberNode),
                Arbitraries.doubles().map(F::numberNode),
                Arbitraries.of(1e308, -0.0, 1.5, 4.9e-324).map(F::numberNode),
                Arbitraries.strings().all().ofMaxLength(40).map(F::textNode),
                Arbitraries.of(
                                "",
                                "\u0000",
                                "a\u0000b",
                                LONE_SURROGATE,
                                "base64",
                                "utf8",
                                "hex",
                                "program",
                                "exact",
                                "float",
                                "bash",
                                "c",
                                "http://127.0.0.1/x",
                                "ftp://x",
                                "https://",
                                "%%%",
                                "=",
                                "AAAA",
                                "#!",
                                "\uFEFF",
                                "\u202Eevil")
                        .map(F::textNode),
                Arbitraries.of(1_000, 70_000, 1_100_000, 4_300_000).map(n -> F.textNode("x".repeat(n))),
                // created for each sample: mutations write into what they set, so a node handed out
                // twice would be shared between samples (and could end up inside itself)
                Arbitraries.create(F::arrayNode),
                Arbitraries.create(F::objectNode),
                Arbitraries.integers().between(1, 1500).map(d -> F.textNode(DEEP + d + "@@")),
                Arbitraries.strings().all().ofMaxLength(10).map(s -> {
                    ObjectNode o = F.objectNode();
                    o.put(s, LONE_SURROGATE);
                    o.put("k\u0000", 1);
                    return o;
                }));
    }

    /** Arrays nested {@code depth} deep, as JSON text (Jackson's writer stops at 1000). */
    static String nested(int depth) {
        return "[".repeat(depth) + "1" + "]".repeat(depth);
    }

    private static ObjectNode firstObject(ObjectNode job, String array) {
        JsonNode a = job.get(array);
        if (a == null || !a.isArray()) {
            a = job.putArray(array);
        }
        ArrayNode arr = (ArrayNode) a;
        if (arr.isEmpty() || !arr.get(0).isObject()) {
            arr.insertObject(0);
        }
        return (ObjectNode) arr.get(0);
    }

    private static ObjectNode child(ObjectNode parent, String name) {
        JsonNode c = parent.get(name);
        if (c == null || !c.isObject()) {
            return parent.putObject(name);
        }
        return (ObjectNode) c;
    }
}
