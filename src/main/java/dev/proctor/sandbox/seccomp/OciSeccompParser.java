package dev.proctor.sandbox.seccomp;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.proctor.sandbox.seccomp.OciSeccompProfile.ArgCondition;
import dev.proctor.sandbox.seccomp.OciSeccompProfile.SyscallRule;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the OCI / Docker seccomp JSON format into an {@link OciSeccompProfile}.
 * Strict on purpose: a misspelt field in a security profile must not be silently ignored,
 * so unknown fields and duplicate keys are errors. Every error names the source, the JSON
 * path ({@code syscalls[3].args[0].op}) and what is wrong.
 */
public final class OciSeccompParser {

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** {@code archMap} is Docker's per-host arch selection; Proctor ignores it (see {@link #parseTop}). */
    private static final Set<String> TOP_FIELDS =
            Set.of("defaultAction", "defaultErrnoRet", "architectures", "syscalls", "archMap", "description");

    private static final Set<String> RULE_FIELDS =
            Set.of("names", "action", "errnoRet", "args", "comment", "includes", "excludes");
    private static final Set<String> ARG_FIELDS = Set.of("index", "value", "valueTwo", "op");
    private static final Pattern ARCH = Pattern.compile("SCMP_ARCH_[A-Z0-9_]+");
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    /** Linux errno values stop at 4095 (MAX_ERRNO); a larger "error" is not seen as one by libc. */
    private static final int MAX_ERRNO = 4095;

    private static final int MAX_ARG_INDEX = 5;

    private final String source;

    private OciSeccompParser(String source) {
        this.source = source;
    }

    /** Parses a profile file; errors name the file. */
    public static OciSeccompProfile parse(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new SeccompException(file + ": cannot read the seccomp profile: " + e.getMessage(), e);
        }
        return parse(file.toString(), text);
    }

    /** Parses profile text; {@code source} names it in error messages. */
    public static OciSeccompProfile parse(String source, String json) {
        OciSeccompParser parser = new OciSeccompParser(source);
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SeccompException(
                    source + ": not valid JSON: " + e.getOriginalMessage() + " (line "
                            + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr() + ")",
                    e);
        }
        return parser.parseTop(root);
    }

    private OciSeccompProfile parseTop(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw error("(top level)", "must be a JSON object with at least defaultAction");
        }
        checkFields(root, "", TOP_FIELDS);
        SeccompAction defaultAction = action(required(root, "defaultAction", ""), "defaultAction");
        OptionalInt defaultErrno = errno(root.get("defaultErrnoRet"), "defaultErrnoRet", defaultAction);
        List<String> arches = new ArrayList<>();
        forEach(root.get("architectures"), "architectures", (node, path) -> arches.add(arch(node, path)));
        List<SyscallRule> rules = new ArrayList<>();
        forEach(root.get("syscalls"), "syscalls", (node, path) -> rules.add(rule(node, path)));
        return new OciSeccompProfile(
                source,
                optionalText(root.get("description"), "description"),
                defaultAction,
                defaultErrno,
                arches,
                rules);
    }

    private SyscallRule rule(JsonNode node, String path) {
        if (!node.isObject()) {
            throw error(path, "must be an object {names, action, ...}");
        }
        checkFields(node, path + ".", RULE_FIELDS);
        rejectConditional(node, path, "includes");
        rejectConditional(node, path, "excludes");
        List<String> names = new ArrayList<>();
        JsonNode namesNode = required(node, "names", path + ".");
        forEach(namesNode, path + ".names", (n, p) -> names.add(syscallName(n, p)));
        if (names.isEmpty()) {
            throw error(path + ".names", "is empty: list at least one syscall");
        }
        SeccompAction action = action(required(node, "action", path + "."), path + ".action");
        OptionalInt errnoRet = errno(node.get("errnoRet"), path + ".errnoRet", action);
        List<ArgCondition> args = new ArrayList<>();
        forEach(node.get("args"), path + ".args", (n, p) -> args.add(arg(n, p)));
        Optional<String> comment = optionalText(node.get("comment"), path + ".comment");
        return new SyscallRule(names, action, errnoRet, args, comment);
    }

    private ArgCondition arg(JsonNode node, String path) {
        if (!node.isObject()) {
            throw error(path, "must be an object {index, value, valueTwo, op}");
        }
        checkFields(node, path + ".", ARG_FIELDS);
        long index = uint64(required(node, "index", path + "."), path + ".index");
        if (index < 0 || index > MAX_ARG_INDEX) {
            throw error(
                    path + ".index",
                    "is " + Long.toUnsignedString(index) + ": a syscall has arguments 0 to " + MAX_ARG_INDEX);
        }
        long value = uint64(required(node, "value", path + "."), path + ".value");
        JsonNode two = node.get("valueTwo");
        long valueTwo = two == null ? 0 : uint64(two, path + ".valueTwo");
        JsonNode opNode = required(node, "op", path + ".");
        String opName = text(opNode, path + ".op");
        ArgOp op = ArgOp.byName(opName)
                .orElseThrow(() ->
                        error(path + ".op", "unknown comparison '" + opName + "': use one of " + ArgOp.allNames()));
        return new ArgCondition((int) index, value, valueTwo, op);
    }

    /** Docker's includes/excludes select rules by capability, arch or kernel version: not supported. */
    private void rejectConditional(JsonNode rule, String path, String field) {
        JsonNode node = rule.get(field);
        if (node != null && !(node.isObject() && node.isEmpty())) {
            throw error(
                    path + "." + field,
                    "conditional rules (Docker's includes/excludes) are not supported:"
                            + " remove the field and write the rule for the sandbox as it runs (no capabilities, native arch)");
        }
    }

    private SeccompAction action(JsonNode node, String path) {
        String name = text(node, path);
        return SeccompAction.byName(name)
                .orElseThrow(
                        () -> error(path, "unknown action '" + name + "': use one of " + SeccompAction.allNames()));
    }

    private OptionalInt errno(JsonNode node, String path, SeccompAction action) {
        if (node == null) {
            return OptionalInt.empty();
        }
        if (!action.takesData()) {
            throw error(
                    path,
                    "is only meaningful with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not " + action
                            + ": remove it or change the action");
        }
        int max = action == SeccompAction.SCMP_ACT_ERRNO ? MAX_ERRNO : 0xffff;
        BigInteger value = integer(node, path);
        if (value.signum() < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            throw error(path, "is " + value + ": must be 0 to " + max);
        }
        return OptionalInt.of(value.intValue());
    }

    private String arch(JsonNode node, String path) {
        String name = text(node, path);
        if (!ARCH.matcher(name).matches()) {
            throw error(path, "'" + name + "' is not an architecture name: write e.g. SCMP_ARCH_X86_64");
        }
        return name;
    }

    private String syscallName(JsonNode node, String path) {
        String name = text(node, path);
        if (name.isBlank()) {
            throw error(path, "is blank: write a syscall name such as \"ptrace\"");
        }
        return name;
    }

    private BigInteger integer(JsonNode node, String path) {
        if (!node.isIntegralNumber()) {
            throw error(
                    path,
                    "must be a non-negative integer, not "
                            + node.getNodeType().name().toLowerCase() + (node.isNumber() ? " " + node.asText() : ""));
        }
        return node.bigIntegerValue();
    }

    private long uint64(JsonNode node, String path) {
        BigInteger value = integer(node, path);
        if (value.signum() < 0 || value.compareTo(UINT64_MAX) > 0) {
            throw error(path, "is " + value + ": must be an unsigned 64-bit integer (0 to " + UINT64_MAX + ")");
        }
        return value.longValue();
    }

    private String text(JsonNode node, String path) {
        if (!node.isTextual()) {
            throw error(
                    path, "must be a string, not " + node.getNodeType().name().toLowerCase());
        }
        return node.textValue();
    }

    private Optional<String> optionalText(JsonNode node, String path) {
        return node == null || node.isNull() ? Optional.empty() : Optional.of(text(node, path));
    }

    private JsonNode required(JsonNode parent, String field, String prefix) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            throw error(prefix + field, "is missing");
        }
        return node;
    }

    private void checkFields(JsonNode node, String prefix, Set<String> allowed) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw error(
                        prefix + name,
                        "unknown field: supported here are "
                                + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
    }

    private interface ElementReader {
        void read(JsonNode element, String path);
    }

    /** Visits an optional array; null or absent means empty. */
    private void forEach(JsonNode array, String path, ElementReader reader) {
        if (array == null || array.isNull()) {
            return;
        }
        if (!array.isArray()) {
            throw error(
                    path, "must be an array, not " + array.getNodeType().name().toLowerCase());
        }
        for (int i = 0; i < array.size(); i++) {
            reader.read(array.get(i), path + "[" + i + "]");
        }
    }

    private SeccompException error(String path, String problem) {
        return new SeccompException(source + ": " + path + ": " + problem);
    }
}
