package dev.proctor.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.proctor.auth.Quota;
import dev.proctor.core.ByteFields;
import dev.proctor.core.Rejection;
import dev.proctor.grading.CheckerType;
import dev.proctor.grading.InteractorProtocol;
import dev.proctor.grading.JobSpec;
import dev.proctor.profiles.LimitSet;
import dev.proctor.profiles.Profile;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Checks everything of a request and resolves it to a {@link JobSpec}, or throws a
 * {@link Rejection} naming the field. Touches no database: nothing is stored for bad input.
 */
public final class JobValidator {

    private static final Pattern PATH = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");
    private static final int MAX_NAME = 128;
    private static final int MAX_ARGS = 256;
    private static final int MAX_ARGS_CHARS = 65536;

    private final JobsConfig config;
    private final Function<String, Optional<Profile>> profiles;

    public JobValidator(JobsConfig config, Function<String, Optional<Profile>> profiles) {
        this.config = config;
        this.profiles = profiles;
    }

    public JobSpec validate(JobRequest r, Quota quota) {
        if (r == null) {
            throw Rejection.invalid("body", "a JSON object body is required");
        }
        if (r.profile() == null || r.profile().isBlank()) {
            throw Rejection.invalid("profile", "profile is required (GET /api/v1/profiles lists them)");
        }
        Profile profile = profiles.apply(r.profile())
                .orElseThrow(() -> Rejection.unprocessable(
                        "profile", "unknown profile '" + r.profile() + "' (GET /api/v1/profiles lists them)"));
        int[] total = {0};
        List<JobSpec.SpecFile> files = files(r.files(), "files", profile.sourceFile(), total, true);
        LimitSet serverMax = serverMaximum().min(quotaMaximum(quota));
        LimitSet runLimits = limits(r.limits(), "limits", profile.runLimits(), serverMax);
        LimitSet compileLimits = profile.compiles()
                ? limits(r.compileLimits(), "compile_limits", profile.compileLimits(), serverMax)
                : null;
        if (!profile.compiles() && r.compileLimits() != null) {
            throw Rejection.invalid("compile_limits", "profile " + profile.name() + " has no compile step");
        }
        List<JobSpec.SpecTest> tests = tests(r, runLimits, profile, serverMax);
        JobSpec.Checker checker = checker(r.checker(), total, serverMax);
        JobSpec.Interactor interactor = interactor(r.interactor(), total, serverMax);
        if (interactor != null && r.checker() != null) {
            throw Rejection.invalid("checker", "an interactive job is judged by its interactor: give no checker");
        }
        String callback = callback(r.callbackUrl());
        if (r.metadata() != null && !storableJson(r.metadata())) {
            throw Rejection.invalid(
                    "metadata",
                    "metadata must not hold NUL characters or lone surrogates"
                            + " (PostgreSQL cannot store them); encode such values yourself");
        }
        if (r.metadata() != null
                && r.metadata().toString().getBytes(StandardCharsets.UTF_8).length > config.maxMetadataBytes()) {
            throw Rejection.tooLarge("metadata", "metadata is over " + config.maxMetadataBytes() + " bytes");
        }
        return new JobSpec(
                profile.name(),
                files,
                tests,
                compileLimits,
                checker,
                Boolean.TRUE.equals(r.stopOnFirstFailure()),
                callback,
                r.metadata(),
                args(r.args()),
                interactor,
                null);
    }

    /** Command-line arguments: at most {@link #MAX_ARGS}, each well-formed text without NUL (execve's limit). */
    private static List<String> args(List<String> in) {
        if (in == null) {
            return List.of();
        }
        if (in.size() > MAX_ARGS) {
            throw Rejection.tooLarge("args", "at most " + MAX_ARGS + " arguments");
        }
        int total = 0;
        for (int i = 0; i < in.size(); i++) {
            String a = in.get(i);
            if (a == null || a.indexOf('\0') >= 0 || !ByteFields.wellFormed(a)) {
                throw Rejection.invalid("args[" + i + "]", "an argument is a string without NUL characters");
            }
            total += a.length();
        }
        if (total > MAX_ARGS_CHARS) {
            throw Rejection.tooLarge("args", "arguments together are over " + MAX_ARGS_CHARS + " characters");
        }
        return List.copyOf(in);
    }

    private List<JobSpec.SpecFile> files(
            List<FileDto> in, String field, String defaultPath, int[] total, boolean required) {
        if (in == null || in.isEmpty()) {
            if (required) {
                throw Rejection.invalid(field, field + " must hold at least one file");
            }
            return List.of();
        }
        if (in.size() > config.maxFiles()) {
            throw Rejection.tooLarge(field, "at most " + config.maxFiles() + " files");
        }
        List<JobSpec.SpecFile> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Set<String> dirs = new HashSet<>();
        for (int i = 0; i < in.size(); i++) {
            String f = field + "[" + i + "]";
            FileDto d = in.get(i);
            if (d == null) {
                throw Rejection.invalid(f, "a file must be an object");
            }
            String path = d.path() == null && in.size() == 1 ? defaultPath : d.path();
            checkPath(path, f + ".path", seen, dirs);
            if (d.content() == null) {
                throw Rejection.invalid(f + ".content", "content is required");
            }
            byte[] bytes = decode(d.content(), d.encoding(), f + ".content", f + ".encoding");
            if (bytes.length > config.maxFileBytes()) {
                throw Rejection.tooLarge(f + ".content", "file is over " + config.maxFileBytes() + " bytes");
            }
            total[0] += bytes.length;
            if (total[0] > config.maxTotalFileBytes()) {
                throw Rejection.tooLarge(
                        f + ".content", "files together are over " + config.maxTotalFileBytes() + " bytes");
            }
            out.add(new JobSpec.SpecFile(path, bytes));
        }
        return out;
    }

    /**
     * A file's path: relative, plain segments (no '.', '..' or empty ones), unique, and never both a file
     * and a directory of another file ("a" and "a/b").
     */
    private static void checkPath(String path, String field, Set<String> files, Set<String> dirs) {
        if (path == null
                || path.isEmpty()
                || path.length() > 255
                || !PATH.matcher(path).matches()) {
            throw Rejection.unprocessable(
                    field, "path must be relative, 1 to 255 of letters, digits, '.', '_', '-' and '/', without '..'");
        }
        for (String seg : path.split("/")) {
            if (seg.equals(".") || seg.equals("..")) {
                throw Rejection.unprocessable(field, "path must not contain '.' or '..' segments");
            }
        }
        if (files.contains(path)) {
            throw Rejection.unprocessable(field, "duplicate path " + path);
        }
        if (dirs.contains(path)) {
            throw Rejection.unprocessable(field, "path " + path + " is also a directory of another file");
        }
        List<String> parents = new ArrayList<>();
        for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
            parents.add(path.substring(0, slash));
        }
        for (String parent : parents) {
            if (files.contains(parent)) {
                throw Rejection.unprocessable(field, "path " + path + " is below the file " + parent);
            }
        }
        files.add(path);
        dirs.addAll(parents);
    }

    /**
     * The bytes of a request field: its text as UTF-8 (encoding absent or utf8), or its base64. Text must be
     * well-formed Unicode: a lone surrogate has no UTF-8 form, so it would be silently changed.
     */
    static byte[] decode(String content, String encoding, String field, String encodingField) {
        if (encoding == null || encoding.equals("utf8") || encoding.equals("utf-8")) {
            if (!ByteFields.wellFormed(content)) {
                throw Rejection.invalid(
                        field,
                        field + " is not well-formed Unicode text (a lone surrogate);" + " send bytes as base64 with "
                                + encodingField + ": \"base64\"");
            }
            return content.getBytes(StandardCharsets.UTF_8);
        }
        if (encoding.equals("base64")) {
            try {
                return Base64.getMimeDecoder().decode(strictBase64(content, field));
            } catch (IllegalArgumentException e) {
                throw Rejection.invalid(field, field + " is not valid base64: " + e.getMessage());
            }
        }
        throw Rejection.invalid(encodingField, encodingField + " must be utf8 or base64");
    }

    /** Whitespace (line breaks of MIME base64) is allowed; any other character outside the alphabet is not. */
    private static String strictBase64(String s, String field) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                continue;
            }
            if (!(c >= 'A' && c <= 'Z'
                    || c >= 'a' && c <= 'z'
                    || c >= '0' && c <= '9'
                    || c == '+'
                    || c == '/'
                    || c == '=')) {
                throw Rejection.invalid(field, field + " is not valid base64: character at " + i);
            }
            b.append(c);
        }
        if (b.length() % 4 == 1) {
            throw Rejection.invalid(field, field + " is not valid base64: truncated");
        }
        return b.toString();
    }

    private List<JobSpec.SpecTest> tests(JobRequest r, LimitSet runLimits, Profile profile, LimitSet serverMax) {
        List<TestDto> in = r.tests();
        if (in == null || in.isEmpty()) {
            byte[] stdin = data(r.stdin(), r.stdinEncoding(), "stdin");
            return List.of(new JobSpec.SpecTest("main", stdin, null, runLimits, 1.0));
        }
        if (r.stdin() != null || r.stdinEncoding() != null) {
            throw Rejection.invalid(
                    r.stdin() != null ? "stdin" : "stdin_encoding", "give stdin per test when tests are given");
        }
        if (in.size() > config.maxTests()) {
            throw Rejection.tooLarge("tests", "at most " + config.maxTests() + " tests");
        }
        List<JobSpec.SpecTest> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < in.size(); i++) {
            String f = "tests[" + i + "]";
            TestDto t = in.get(i);
            if (t == null) {
                throw Rejection.invalid(f, "a test must be an object");
            }
            String name = t.name() == null ? String.valueOf(i + 1) : t.name();
            if (name.isBlank() || name.length() > MAX_NAME || !printable(name) || !names.add(name)) {
                throw Rejection.invalid(
                        f + ".name", "names must be unique, 1 to " + MAX_NAME + " printable characters");
            }
            if (t.weight() != null && !(t.weight() >= 0 && t.weight() <= 1e6)) {
                throw Rejection.invalid(f + ".weight", "weight must be between 0 and 1000000");
            }
            LimitSet limits = t.limits() == null
                    ? runLimits
                    : limits(t.limits().orElse(runLimits), f + ".limits", profile.runLimits(), serverMax);
            if (t.expectedOutput() == null && t.expectedOutputEncoding() != null) {
                throw Rejection.invalid(f + ".expected_output_encoding", "there is no expected_output");
            }
            out.add(new JobSpec.SpecTest(
                    name,
                    data(t.stdin(), t.stdinEncoding(), f + ".stdin"),
                    t.expectedOutput() == null
                            ? null
                            : data(t.expectedOutput(), t.expectedOutputEncoding(), f + ".expected_output"),
                    limits,
                    t.weight() == null ? 1.0 : t.weight()));
        }
        return out;
    }

    private byte[] data(String s, String encoding, String field) {
        if (s == null && encoding != null) {
            throw Rejection.invalid(field + "_encoding", "there is no " + field);
        }
        byte[] b = s == null ? new byte[0] : decode(s, encoding, field, field + "_encoding");
        if (b.length > config.maxTestDataBytes()) {
            throw Rejection.tooLarge(field, field + " is over " + config.maxTestDataBytes() + " bytes");
        }
        return b;
    }

    /** Request values over profile defaults, each checked positive and within the lowest maximum. */
    LimitSet limits(LimitSet asked, String field, Profile.StepLimits profile, LimitSet serverMax) {
        LimitSet given = asked == null ? LimitSet.NONE : asked;
        LimitSet max = profile.maximum().min(serverMax);
        checkItem(given.cpuTimeMs(), max.cpuTimeMs(), field + ".cpu_time_ms");
        checkItem(given.wallTimeMs(), max.wallTimeMs(), field + ".wall_time_ms");
        checkItem(given.memoryMb(), max.memoryMb(), field + ".memory_mb");
        checkItem(
                given.pids() == null ? null : given.pids().longValue(),
                max.pids() == null ? null : max.pids().longValue(),
                field + ".pids");
        checkItem(given.outputKb(), max.outputKb(), field + ".output_kb");
        checkItem(given.diskMb(), max.diskMb(), field + ".disk_mb");
        if (given.memoryMb() != null && given.memoryMb() < 4) {
            throw Rejection.invalid(field + ".memory_mb", "memory_mb must be at least 4");
        }
        // defaults above a (lowered) maximum are lowered to it
        return given.orElse(profile.defaults().min(max));
    }

    private static void checkItem(Long value, Long max, String field) {
        if (value == null) {
            return;
        }
        if (value <= 0) {
            throw Rejection.invalid(field, field + " must be positive");
        }
        if (max != null && value > max) {
            throw Rejection.unprocessable(
                    field,
                    field + " is over the maximum of " + max
                            + " (the lowest of the profile's, your quota's and the server's)");
        }
    }

    private JobSpec.Checker checker(CheckerDto c, int[] total, LimitSet serverMax) {
        if (c == null) {
            return new JobSpec.Checker(CheckerType.TRIMMED, 0, 0, null, List.of(), null);
        }
        CheckerType type = c.type() == null
                ? CheckerType.TRIMMED
                : CheckerType.parse(c.type())
                        .orElseThrow(() -> Rejection.invalid(
                                "checker.type", "checker.type must be one of " + CheckerType.names()));
        double abs = c.absError() == null ? 0 : c.absError();
        double rel = c.relError() == null ? 0 : c.relError();
        if (abs < 0 || rel < 0 || Double.isNaN(abs) || Double.isNaN(rel)) {
            throw Rejection.invalid(
                    c.absError() != null && (abs < 0 || Double.isNaN(abs)) ? "checker.abs_error" : "checker.rel_error",
                    "errors must not be negative");
        }
        if (type == CheckerType.FLOAT && c.absError() == null && c.relError() == null) {
            abs = 1e-6;
        }
        if (type != CheckerType.PROGRAM) {
            if (c.files() != null || c.profile() != null) {
                throw Rejection.invalid("checker.files", "only a program checker has files and a profile");
            }
            return new JobSpec.Checker(type, abs, rel, null, List.of(), null);
        }
        if (c.profile() == null) {
            throw Rejection.invalid("checker.profile", "a program checker needs a profile");
        }
        Profile p = profiles.apply(c.profile())
                .orElseThrow(() -> Rejection.unprocessable("checker.profile", "unknown profile '" + c.profile() + "'"));
        List<JobSpec.SpecFile> files = files(c.files(), "checker.files", p.sourceFile(), total, true);
        return new JobSpec.Checker(
                type, 0, 0, p.name(), files, p.runLimits().defaults().min(serverMax));
    }

    /**
     * The interactor: a protocol, a known profile, at least one file (counted with the job's), limits within
     * the interactor profile's run maximums and the server's.
     */
    private JobSpec.Interactor interactor(InteractorDto d, int[] total, LimitSet serverMax) {
        if (d == null) {
            return null;
        }
        if (d.protocol() == null) {
            throw Rejection.invalid(
                    "interactor.protocol", "interactor.protocol is required: one of " + InteractorProtocol.names());
        }
        InteractorProtocol protocol = InteractorProtocol.parse(d.protocol())
                .orElseThrow(() -> Rejection.invalid(
                        "interactor.protocol", "interactor.protocol must be one of " + InteractorProtocol.names()));
        if (d.profile() == null || d.profile().isBlank()) {
            throw Rejection.invalid("interactor.profile", "an interactor needs a profile");
        }
        Profile p = profiles.apply(d.profile())
                .orElseThrow(
                        () -> Rejection.unprocessable("interactor.profile", "unknown profile '" + d.profile() + "'"));
        List<JobSpec.SpecFile> files = files(d.files(), "interactor.files", p.sourceFile(), total, true);
        LimitSet limits = limits(d.limits(), "interactor.limits", p.runLimits(), serverMax);
        return new JobSpec.Interactor(
                protocol, p.name(), files, limits, p.runLimits().maximum().min(serverMax));
    }

    /** Names of tests: no control characters, well-formed. */
    private static boolean printable(String s) {
        return ByteFields.wellFormed(s) && s.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
    }

    /** jsonb holds every JSON value except strings (or keys) with a NUL or a lone surrogate. */
    static boolean storableJson(JsonNode n) {
        if (n.isTextual()) {
            return storableText(n.textValue());
        }
        var fields = n.fields();
        while (fields.hasNext()) {
            var e = fields.next();
            if (!storableText(e.getKey()) || !storableJson(e.getValue())) {
                return false;
            }
        }
        if (n.isArray()) {
            for (JsonNode x : n) {
                if (!storableJson(x)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean storableText(String s) {
        return s.indexOf('\0') < 0 && ByteFields.wellFormed(s);
    }

    private static String callback(String url) {
        if (url == null) {
            return null;
        }
        try {
            URI u = URI.create(url);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
                    || u.getHost() == null
                    || url.length() > 2048) {
                throw Rejection.invalid("callback_url", "callback_url must be an absolute http(s) URL");
            }
            return url;
        } catch (IllegalArgumentException e) {
            throw Rejection.invalid("callback_url", "callback_url is not a URL");
        }
    }

    private LimitSet serverMaximum() {
        JobsConfig.Maximums m = config.limits();
        return new LimitSet(m.cpuTimeMs(), m.wallTimeMs(), m.memoryMb(), m.pids(), m.outputKb(), m.diskMb());
    }

    private static LimitSet quotaMaximum(Quota q) {
        if (q == null) {
            return LimitSet.NONE;
        }
        return new LimitSet(
                q.maxCpuTimeMs(), q.maxWallTimeMs(), q.maxMemoryMb(), q.maxPids(), q.maxOutputKb(), q.maxDiskMb());
    }
}
