package dev.proctor.compat.judge0;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Judge0 submission as a client sent it, parsed leniently as Judge0 does (numbers and booleans may come as
 * strings, as from a form) and checked against Judge0's bounds; every problem is collected per field.
 */
record Judge0Request(
        byte[] sourceCode,
        int languageId,
        String compilerOptions,
        String commandLineArguments,
        int numberOfRuns,
        byte[] stdin,
        byte[] expectedOutput,
        BigDecimal cpuTimeLimit,
        BigDecimal cpuExtraTime,
        BigDecimal wallTimeLimit,
        int memoryLimit,
        int stackLimit,
        int maxProcessesAndOrThreads,
        boolean perProcessTimeLimit,
        boolean perProcessMemoryLimit,
        int maxFileSize,
        boolean redirectStderrToStdout,
        String callbackUrl,
        String additionalFiles,
        boolean enableNetwork) {

    /** Thrown with Judge0's 422 body: field name to messages. */
    static final class Invalid extends RuntimeException {
        final Map<String, List<String>> errors;

        Invalid(Map<String, List<String>> errors) {
            super("invalid submission: " + errors);
            this.errors = errors;
        }
    }

    static Judge0Request parse(JsonNode body, boolean base64, Judge0Languages languages) {
        Reader r = new Reader(body == null || !body.isObject() ? null : body);
        if (r.body == null) {
            r.error("source_code", "can't be blank");
            r.error("language_id", "can't be blank");
            throw new Invalid(r.errors);
        }
        byte[] source = r.bytes("source_code", base64);
        if (source == null || source.length == 0) {
            r.error("source_code", "can't be blank");
        }
        Integer language = r.integer("language_id", null, null, null);
        if (language == null && !r.errors.containsKey("language_id")) {
            r.error("language_id", "can't be blank");
        } else if (language != null && languages.find(language).isEmpty()) {
            r.error("language_id", "language with id " + language + " doesn't exist");
        }
        String compilerOptions = r.text("compiler_options");
        if (compilerOptions != null && !compilerOptions.isBlank()) {
            r.error("compiler_options", "setting compiler options is not supported by this server");
        }
        String args = r.text("command_line_arguments");
        if (args != null && args.length() > 512) {
            r.error("command_line_arguments", "is too long (maximum is 512 characters)");
        }
        int runs = r.integer("number_of_runs", Judge0Limits.NUMBER_OF_RUNS, 1, Judge0Limits.MAX_NUMBER_OF_RUNS);
        byte[] stdin = r.bytes("stdin", base64);
        byte[] expected = r.bytes("expected_output", base64);
        BigDecimal cpu = r.decimal("cpu_time_limit", Judge0Limits.CPU_TIME_LIMIT, Judge0Limits.MAX_CPU_TIME_LIMIT);
        BigDecimal extra = r.decimal("cpu_extra_time", Judge0Limits.CPU_EXTRA_TIME, Judge0Limits.MAX_CPU_EXTRA_TIME);
        BigDecimal wall = r.decimal("wall_time_limit", Judge0Limits.WALL_TIME_LIMIT, Judge0Limits.MAX_WALL_TIME_LIMIT);
        int memory = r.integer(
                "memory_limit",
                Judge0Limits.MEMORY_LIMIT_KB,
                Judge0Limits.MIN_MEMORY_LIMIT_KB,
                Judge0Limits.MAX_MEMORY_LIMIT_KB);
        int stack = r.integer("stack_limit", Judge0Limits.STACK_LIMIT_KB, 0, Judge0Limits.MAX_STACK_LIMIT_KB);
        int procs = r.integer(
                "max_processes_and_or_threads", Judge0Limits.MAX_PROCESSES, 1, Judge0Limits.MAX_MAX_PROCESSES);
        boolean perTime = r.bool("enable_per_process_and_thread_time_limit", false);
        boolean perMemory = r.bool("enable_per_process_and_thread_memory_limit", false);
        int fileSize = r.integer("max_file_size", Judge0Limits.MAX_FILE_SIZE_KB, 1, Judge0Limits.MAX_MAX_FILE_SIZE_KB);
        boolean redirect = r.bool("redirect_stderr_to_stdout", false);
        String callback = r.text("callback_url");
        if (callback != null && !callback.isEmpty() && !httpUrl(callback)) {
            r.error("callback_url", "is not a valid URL");
        }
        String files = r.text("additional_files");
        boolean network = r.bool("enable_network", false);
        if (network) {
            r.error("enable_network", "enabling network is not allowed");
        }
        if (!r.errors.isEmpty()) {
            throw new Invalid(r.errors);
        }
        return new Judge0Request(
                source,
                language,
                compilerOptions,
                args == null || args.isEmpty() ? null : args,
                runs,
                stdin,
                expected,
                cpu,
                extra,
                wall,
                memory,
                stack,
                procs,
                perTime,
                perMemory,
                fileSize,
                redirect,
                callback == null || callback.isEmpty() ? null : callback,
                files == null || files.isEmpty() ? null : files,
                false);
    }

    private static boolean httpUrl(String s) {
        try {
            URI u = URI.create(s);
            return ("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
                    && u.getHost() != null
                    && s.length() <= 2048;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Reads fields of the body, recording a message per bad field. */
    private static final class Reader {
        final JsonNode body;
        final Map<String, List<String>> errors = new LinkedHashMap<>();

        Reader(JsonNode body) {
            this.body = body;
        }

        void error(String field, String message) {
            errors.computeIfAbsent(field, k -> new ArrayList<>()).add(message);
        }

        JsonNode value(String field) {
            JsonNode v = body.get(field);
            return v == null || v.isNull() ? null : v;
        }

        String text(String field) {
            JsonNode v = value(field);
            if (v == null) {
                return null;
            }
            if (v.isContainerNode()) {
                error(field, "must be a string");
                return null;
            }
            return v.asText();
        }

        byte[] bytes(String field, boolean base64) {
            String s = text(field);
            if (s == null) {
                return null;
            }
            return base64 ? Judge0Base64.decode(s) : s.getBytes(StandardCharsets.UTF_8);
        }

        Integer integer(String field, Integer fallback, Integer min, Integer max) {
            JsonNode v = value(field);
            if (v == null || v.isTextual() && v.asText().isBlank()) {
                return fallback;
            }
            BigDecimal d = number(field, v);
            if (d == null) {
                return fallback;
            }
            if (d.stripTrailingZeros().scale() > 0) {
                error(field, "must be an integer");
                return fallback;
            }
            int n = d.intValue();
            bounds(field, d, min == null ? null : new BigDecimal(min), max == null ? null : new BigDecimal(max));
            return n;
        }

        BigDecimal decimal(String field, BigDecimal fallback, BigDecimal max) {
            JsonNode v = value(field);
            if (v == null || v.isTextual() && v.asText().isBlank()) {
                return fallback;
            }
            BigDecimal d = number(field, v);
            if (d == null) {
                return fallback;
            }
            bounds(field, d, BigDecimal.ZERO, max);
            return d;
        }

        private BigDecimal number(String field, JsonNode v) {
            if (v.isNumber()) {
                return v.decimalValue();
            }
            if (v.isTextual()) {
                try {
                    return new BigDecimal(v.asText().strip());
                } catch (NumberFormatException e) {
                    // reported below
                }
            }
            error(field, "is not a number");
            return null;
        }

        private void bounds(String field, BigDecimal d, BigDecimal min, BigDecimal max) {
            if (min != null && d.compareTo(min) < 0) {
                error(field, "must be greater than or equal to " + min.toPlainString());
            }
            if (max != null && d.compareTo(max) > 0) {
                error(field, "must be less than or equal to " + max.toPlainString());
            }
        }

        boolean bool(String field, boolean fallback) {
            JsonNode v = value(field);
            if (v == null) {
                return fallback;
            }
            if (v.isBoolean()) {
                return v.booleanValue();
            }
            String s = v.asText().strip().toLowerCase(java.util.Locale.ROOT);
            return switch (s) {
                case "true", "1", "t", "yes", "on" -> true;
                case "false", "0", "f", "no", "off", "" -> false;
                default -> {
                    error(field, "is not a boolean");
                    yield fallback;
                }
            };
        }
    }
}
