package dev.proctor.compat.piston;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.proctor.compat.common.StoredJob;
import dev.proctor.core.Rejection;
import dev.proctor.grading.JobResult;
import dev.proctor.grading.Verdict;
import dev.proctor.jobs.FileDto;
import dev.proctor.jobs.JobRequest;
import dev.proctor.jobs.TestDto;
import dev.proctor.profiles.LimitSet;
import dev.proctor.profiles.Profile;
import dev.proctor.sandbox.RunStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * A Piston /execute request as a Proctor job (the first file is the program, saved under the profile's
 * source name; stdin and args; the timeouts, CPU times and memory limits of both stages), and the finished
 * job as Piston's answer.
 */
record PistonExecution(
        PistonRuntimes.Runtime runtime,
        List<FileDto> files,
        String stdin,
        List<String> args,
        LimitSet run,
        LimitSet compile) {

    static final String META = "piston";
    private static final long MIB = 1024 * 1024;

    static PistonExecution parse(JsonNode req, PistonRuntimes runtimes) {
        String language = string(req, "language", true);
        String version = string(req, "version", false);
        PistonRuntimes.Runtime runtime = runtimes.find(language, version == null ? "*" : version)
                .orElseThrow(() -> bad(language + "-" + (version == null ? "*" : version) + " runtime is unknown"));
        Profile p = runtime.profile();
        JsonNode files = req.get("files");
        if (files == null || !files.isArray() || files.isEmpty()) {
            throw bad("files is required as an array");
        }
        List<FileDto> out = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            JsonNode f = files.get(i);
            if (f == null
                    || !f.isObject()
                    || f.get("content") == null
                    || !f.get("content").isTextual()) {
                throw bad("files[" + i + "].content is required as a string");
            }
            byte[] content = decode(f.get("content").asText(), text(f.get("encoding")), i);
            String name = i == 0
                    ? p.sourceFile()
                    : f.hasNonNull("name") ? f.get("name").asText() : "file" + i + ".code";
            out.add(new FileDto(name, Base64.getEncoder().encodeToString(content), "base64"));
        }
        String stdin = string(req, "stdin", false);
        List<String> args = new ArrayList<>();
        JsonNode a = req.get("args");
        if (a != null && !a.isNull()) {
            if (!a.isArray()) {
                throw bad("args must be an array of strings");
            }
            for (JsonNode x : a) {
                if (!x.isTextual() && !x.isNumber()) {
                    throw bad("args must be an array of strings");
                }
                args.add(x.asText());
            }
        }
        LimitSet run = stage(req, "run", p.runLimits());
        LimitSet compile = p.compiles() ? stage(req, "compile", p.compileLimits()) : null;
        return new PistonExecution(runtime, out, stdin, args, run, compile);
    }

    /** A stage's limits: timeout (wall, ms), CPU time (ms, defaults to the timeout) and memory (bytes, -1 = most). */
    private static LimitSet stage(JsonNode req, String stage, Profile.StepLimits limits) {
        LimitSet max = limits.maximum();
        Long timeout = number(req, stage + "_timeout", max.wallTimeMs());
        Long cpu = number(req, stage + "_cpu_time", max.cpuTimeMs());
        Long memory = number(req, stage + "_memory_limit", max.memoryMb() * MIB);
        Long memoryMb = memory == null ? null : memory == -1 ? max.memoryMb() : Math.max(4, (memory + MIB - 1) / MIB);
        if (cpu == null && timeout != null) {
            cpu = Math.min(timeout, max.cpuTimeMs());
        }
        return new LimitSet(cpu, timeout, memoryMb, null, null, null);
    }

    private static Long number(JsonNode req, String field, long max) {
        JsonNode v = req.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw bad(field + " must be a number");
        }
        long n = v.asLong();
        if (n == -1 && field.endsWith("_memory_limit")) {
            return -1L;
        }
        if (n <= 0) {
            throw bad(field + " must be a positive number");
        }
        if (n > max) {
            throw bad(field + " cannot exceed the configured limit of " + max);
        }
        return n;
    }

    private static byte[] decode(String content, String encoding, int i) {
        if (encoding == null || encoding.equals("utf8")) {
            return content.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return switch (encoding) {
                case "base64" -> Base64.getMimeDecoder().decode(content);
                case "hex" -> HexFormat.of().parseHex(content.strip());
                default -> throw bad("files[" + i + "].encoding must be one of utf8, base64, hex");
            };
        } catch (IllegalArgumentException e) {
            throw bad("files[" + i + "].content is not valid " + encoding);
        }
    }

    private static String string(JsonNode req, String field, boolean required) {
        JsonNode v = req.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw bad(field + " is required as a string");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw bad(field + " is required as a string");
        }
        return v.asText();
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    static Rejection bad(String message) {
        return new Rejection(Rejection.Reason.INVALID, "piston", message, null, null);
    }

    JobRequest toJob(ObjectMapper json) {
        ObjectNode meta = json.createObjectNode();
        meta.putObject(META).put("language", runtime.language()).put("version", runtime.version());
        TestDto test = new TestDto("run", stdin, null, null, null, null, null);
        return new JobRequest(
                runtime.profile().name(),
                files,
                List.of(test),
                null,
                null,
                run,
                compile,
                null,
                false,
                null,
                meta,
                args,
                null,
                null,
                null);
    }

    // --- the answer -----------------------------------------------------------------------------------

    static ObjectNode render(StoredJob s, PistonRuntimes.Runtime runtime, ObjectMapper json) {
        ObjectNode out = json.createObjectNode();
        out.put("language", runtime.language());
        out.put("version", runtime.version());
        JobResult.CompileStep compile = s.compile();
        boolean compileFailed = s.job().verdict == Verdict.COMPILE_ERROR;
        if (compile != null) {
            out.set("compile", compileStage(compile, json));
        }
        if (!compileFailed && !s.tests().isEmpty()) {
            out.set("run", runStage(s.tests().get(0), json));
        } else if (!compileFailed) {
            ObjectNode failed = empty(json);
            failed.put("message", s.job().error == null ? "the run did not happen" : s.job().error);
            failed.put("status", "XX");
            out.set("run", failed);
        }
        return out;
    }

    private static ObjectNode compileStage(JobResult.CompileStep c, ObjectMapper json) {
        ObjectNode n = empty(json);
        // Proctor keeps the compiler's stdout and stderr as one text; compilers write diagnostics to stderr
        String output = utf8(c.output());
        n.put("stderr", output);
        n.put("output", output);
        n.put("code", c.exitCode());
        stageStatus(n, c.status(), null, c.exitCode());
        n.put("memory", c.usage().memoryPeakBytes());
        n.put("cpu_time", c.usage().cpuTimeMs());
        n.put("wall_time", c.usage().wallTimeMs());
        return n;
    }

    private static ObjectNode runStage(JobResult.TestOutcome t, ObjectMapper json) {
        ObjectNode n = empty(json);
        String stdout = utf8(t.stdout());
        String stderr = utf8(t.stderr());
        n.put("stdout", stdout);
        n.put("stderr", stderr);
        n.put("output", stdout + stderr);
        n.put("code", t.exitCode());
        n.put("signal", t.signal());
        stageStatus(n, t.status(), t.signal(), t.exitCode());
        if (t.message() != null && n.get("message").isNull()) {
            n.put("message", t.message());
        }
        n.put("memory", t.memoryPeakBytes());
        n.put("cpu_time", t.cpuTimeMs());
        n.put("wall_time", t.wallTimeMs());
        return n;
    }

    /** Piston's status of a stage: null (ran and exited 0), RE, SG, TO, OL, EL or XX, and a message. */
    private static void stageStatus(ObjectNode n, RunStatus status, String signal, Integer exitCode) {
        switch (status) {
            case OK -> n.putNull("status");
            case RUNTIME_ERROR -> {
                n.put("status", signal != null ? "SG" : "RE");
                n.put(
                        "message",
                        signal != null
                                ? "Process killed by signal " + signal
                                : "Process exited with code " + (exitCode == null ? 0 : exitCode));
            }
            case TIME_LIMIT_EXCEEDED -> timeout(n, "CPU time limit exceeded");
            case WALL_TIME_LIMIT_EXCEEDED -> timeout(n, "Wall time limit exceeded");
            case MEMORY_LIMIT_EXCEEDED -> {
                n.put("status", "SG");
                n.put("signal", "SIGKILL");
                n.put("message", "Memory limit exceeded");
            }
            case OUTPUT_LIMIT_EXCEEDED -> {
                n.put("status", "OL");
                n.put("message", "Output limit exceeded");
            }
            default -> {
                n.put("status", "XX");
                n.put("message", "Proctor failed to run the stage (" + status.wire() + ")");
            }
        }
    }

    private static void timeout(ObjectNode n, String message) {
        n.put("status", "TO");
        n.put("signal", "SIGKILL");
        n.put("message", message);
    }

    private static ObjectNode empty(ObjectMapper json) {
        ObjectNode n = json.createObjectNode();
        n.put("stdout", "");
        n.put("stderr", "");
        n.put("output", "");
        n.putNull("code");
        n.putNull("signal");
        n.putNull("message");
        n.putNull("status");
        n.putNull("memory");
        n.putNull("cpu_time");
        n.putNull("wall_time");
        return n;
    }

    private static String utf8(byte[] b) {
        return b == null ? "" : new String(b, StandardCharsets.UTF_8);
    }

    /** A Proctor refusal in Piston's words: the detail, naming Piston's field where Proctor names its own. */
    static String pistonMessage(Rejection e) {
        String m = e.getMessage();
        if (e.field() == null || e.type().equals("piston")) {
            return m;
        }
        return m.replace("compile_limits.cpu_time_ms", "compile_cpu_time")
                .replace("compile_limits.wall_time_ms", "compile_timeout")
                .replace("compile_limits.memory_mb", "compile_memory_limit (MiB)")
                .replace("limits.cpu_time_ms", "run_cpu_time")
                .replace("limits.wall_time_ms", "run_timeout")
                .replace("limits.memory_mb", "run_memory_limit (MiB)");
    }
}
