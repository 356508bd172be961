package dev.proctor.compat.judge0;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.proctor.compat.common.StoredJob;
import dev.proctor.core.ByteFields;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A submission as Judge0 shows it: the fields asked for, byte fields as text or (base64_encoded) MIME base64. */
final class Judge0View {

    static final List<String> DEFAULT_FIELDS =
            List.of("token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status");

    static final List<String> ALL_FIELDS = List.of(
            "source_code",
            "language_id",
            "stdin",
            "expected_output",
            "stdout",
            "status_id",
            "created_at",
            "finished_at",
            "time",
            "memory",
            "stderr",
            "token",
            "number_of_runs",
            "cpu_time_limit",
            "cpu_extra_time",
            "wall_time_limit",
            "memory_limit",
            "stack_limit",
            "max_processes_and_or_threads",
            "enable_per_process_and_thread_time_limit",
            "enable_per_process_and_thread_memory_limit",
            "max_file_size",
            "compile_output",
            "exit_code",
            "exit_signal",
            "message",
            "wall_time",
            "compiler_options",
            "command_line_arguments",
            "redirect_stderr_to_stdout",
            "callback_url",
            "additional_files",
            "enable_network",
            "status",
            "language");

    static final String NOT_UTF8 = "some attributes for this submission cannot be converted to UTF-8, use "
            + "base64_encoded=true query parameter";

    /** Unknown names in ?fields=. */
    static final class BadFields extends RuntimeException {
        BadFields(List<String> unknown) {
            super("invalid fields: ["
                    + String.join(
                            ", ", unknown.stream().map(f -> "\"" + f + "\"").toList()) + "]");
        }
    }

    /** Output that is not UTF-8 asked for as text. */
    static final class NotUtf8 extends RuntimeException {
        NotUtf8() {
            super(NOT_UTF8);
        }
    }

    private Judge0View() {}

    /** The fields of ?fields= (default list when absent, all for *), in the order given. */
    static List<String> fields(String param) {
        if (param == null || param.isBlank()) {
            return DEFAULT_FIELDS;
        }
        Set<String> out = new LinkedHashSet<>();
        List<String> unknown = new ArrayList<>();
        for (String f : param.split(",")) {
            String name = f.strip();
            if (name.isEmpty()) {
                continue;
            }
            if (name.equals("*")) {
                out.addAll(ALL_FIELDS);
            } else if (ALL_FIELDS.contains(name)) {
                out.add(name);
            } else {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new BadFields(unknown);
        }
        return List.copyOf(out);
    }

    static ObjectNode render(StoredJob s, Judge0Languages languages, List<String> fields, boolean base64) {
        Judge0Outcome o = Judge0Outcome.of(s);
        JsonNode j = s.facade(Judge0Jobs.META);
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        JsonNode firstTest = s.request().path("tests").path(0);
        for (String f : fields) {
            switch (f) {
                case "token" -> n.put(f, s.job().id.toString());
                case "source_code" -> bytes(n, f, s.file(j.path("source_file").asText()), base64);
                case "stdin" -> bytes(n, f, StoredJob.bytes(firstTest.get("stdin")), base64);
                case "expected_output" -> bytes(n, f, StoredJob.bytes(firstTest.get("expected_output")), base64);
                case "stdout" -> bytes(n, f, o.stdout(), base64);
                case "stderr" -> bytes(n, f, o.stderr(), base64);
                case "compile_output" -> bytes(n, f, o.compileOutput(), base64);
                case "message" ->
                    bytes(n, f, o.message() == null ? null : o.message().getBytes(StandardCharsets.UTF_8), base64);
                case "status" -> {
                    ObjectNode st = n.putObject(f);
                    st.put("id", o.status().id);
                    st.put("description", o.status().description);
                }
                case "status_id" -> n.put(f, o.status().id);
                case "language_id" -> n.set(f, j.get("language_id"));
                case "language" -> {
                    int id = j.path("language_id").asInt();
                    ObjectNode l = n.putObject(f);
                    l.put("id", id);
                    l.put("name", languages.find(id).map(languages::name).orElse(null));
                }
                case "created_at" ->
                    n.put(
                            f,
                            s.job().createdAt == null ? null : s.job().createdAt.toString());
                case "finished_at" ->
                    n.put(
                            f,
                            s.job().finishedAt == null
                                    ? null
                                    : s.job().finishedAt.toString());
                case "time" -> n.put(f, o.time());
                case "wall_time" -> n.put(f, o.wallTime());
                case "memory" -> n.put(f, o.memoryKb());
                case "exit_code" -> n.put(f, o.exitCode());
                case "exit_signal" -> n.put(f, o.exitSignal());
                case "cpu_time_limit", "cpu_extra_time", "wall_time_limit" ->
                    n.put(
                            f,
                            j.hasNonNull(f)
                                    ? Judge0Outcome.decimal(
                                            new BigDecimal(j.get(f).asText()))
                                    : null);
                case "additional_files" -> n.putNull(f);
                default -> n.set(f, j.hasNonNull(f) ? j.get(f) : null);
            }
        }
        return n;
    }

    private static void bytes(ObjectNode n, String field, byte[] value, boolean base64) {
        if (value == null) {
            n.putNull(field);
        } else if (base64) {
            n.put(field, Judge0Base64.encode(value));
        } else {
            String text = ByteFields.utf8OrNull(value);
            if (text == null) {
                throw new NotUtf8();
            }
            n.put(field, text);
        }
    }
}
