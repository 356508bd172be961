package dev.proctor.compat.judge0;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.proctor.core.Rejection;
import dev.proctor.jobs.CheckerDto;
import dev.proctor.jobs.FileDto;
import dev.proctor.jobs.JobRequest;
import dev.proctor.jobs.TestDto;
import dev.proctor.profiles.LimitSet;
import dev.proctor.profiles.Profile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A Judge0 submission as a Proctor job: the source at the profile's file name, additional files beside it,
 * one test per run (number_of_runs) with the stdin and expected output, Judge0's limits in Proctor's units,
 * the trimmed checker (Judge0 compares right-stripped lines), and the Judge0-only fields in
 * {@code metadata.judge0} so the submission can be shown back as it was sent.
 */
final class Judge0Jobs {

    static final String META = "judge0";

    private Judge0Jobs() {}

    static JobRequest toJob(Judge0Request r, Judge0Languages.Entry language, Profile profile, ObjectMapper json) {
        List<FileDto> files = new ArrayList<>();
        files.add(new FileDto(profile.sourceFile(), b64(r.sourceCode()), "base64"));
        if (r.additionalFiles() != null) {
            files.addAll(unzip(r.additionalFiles(), profile.sourceFile()));
        }
        LimitSet max = profile.runLimits().maximum();
        BigDecimal cpuSeconds = r.cpuTimeLimit().add(r.cpuExtraTime());
        LimitSet limits = new LimitSet(
                clamp(Math.max(1, millis(cpuSeconds)), max.cpuTimeMs()),
                clamp(Math.max(1, millis(r.wallTimeLimit())), max.wallTimeMs()),
                clamp(Math.max(4, (r.memoryLimit() + 1023) / 1024), max.memoryMb()),
                (int) clamp(r.maxProcessesAndOrThreads(), max.pids().longValue()),
                clamp(r.maxFileSize(), max.outputKb()),
                null);
        List<TestDto> tests = new ArrayList<>();
        for (int i = 1; i <= r.numberOfRuns(); i++) {
            tests.add(new TestDto(
                    "run " + i,
                    r.stdin() == null ? null : b64(r.stdin()),
                    r.stdin() == null ? null : "base64",
                    r.expectedOutput() == null ? null : b64(r.expectedOutput()),
                    r.expectedOutput() == null ? null : "base64",
                    limits,
                    null));
        }
        ObjectNode meta = json.createObjectNode();
        ObjectNode j = meta.putObject(META);
        j.put("language_id", language.id());
        j.put("source_file", profile.sourceFile());
        j.put("compiler_options", r.compilerOptions());
        j.put("command_line_arguments", r.commandLineArguments());
        j.put("number_of_runs", r.numberOfRuns());
        j.put("cpu_time_limit", r.cpuTimeLimit().toPlainString());
        j.put("cpu_extra_time", r.cpuExtraTime().toPlainString());
        j.put("wall_time_limit", r.wallTimeLimit().toPlainString());
        j.put("memory_limit", r.memoryLimit());
        j.put("stack_limit", r.stackLimit());
        j.put("max_processes_and_or_threads", r.maxProcessesAndOrThreads());
        j.put("enable_per_process_and_thread_time_limit", r.perProcessTimeLimit());
        j.put("enable_per_process_and_thread_memory_limit", r.perProcessMemoryLimit());
        j.put("max_file_size", r.maxFileSize());
        j.put("redirect_stderr_to_stdout", r.redirectStderrToStdout());
        j.put("callback_url", r.callbackUrl());
        j.put("has_additional_files", r.additionalFiles() != null);
        j.put("enable_network", r.enableNetwork());
        return new JobRequest(
                profile.name(),
                files,
                tests,
                null,
                null,
                null,
                null,
                new CheckerDto("trimmed", null, null, null, null),
                false,
                null,
                meta,
                ShellWords.split(r.commandLineArguments()),
                null,
                null,
                null);
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    private static long millis(BigDecimal seconds) {
        return seconds.movePointRight(3).setScale(0, RoundingMode.CEILING).longValue();
    }

    private static long clamp(long v, Long max) {
        return max == null ? v : Math.min(v, max);
    }

    /** The files of a base64 zip archive, directories skipped; a bad archive is a 422 on additional_files. */
    static List<FileDto> unzip(String base64Zip, String sourceFile) {
        byte[] zip = Judge0Base64.decode(base64Zip);
        List<FileDto> out = new ArrayList<>();
        long total = 0;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (e.isDirectory()) {
                    continue;
                }
                byte[] content = readCapped(in, Judge0Limits.MAX_EXTRACT_SIZE_KB * 1024L - total);
                total += content.length;
                String name = e.getName();
                if (name.equals(sourceFile)) {
                    throw invalidFiles("additional_files must not hold " + sourceFile + ", the source file");
                }
                out.add(new FileDto(name, b64(content), "base64"));
            }
        } catch (IOException e) {
            throw invalidFiles("additional_files is not a zip archive: " + e.getMessage());
        }
        if (out.isEmpty() && zip.length > 0) {
            throw invalidFiles("additional_files is not a zip archive with files");
        }
        return out;
    }

    private static byte[] readCapped(InputStream in, long room) throws IOException {
        byte[] b = in.readNBytes((int) Math.max(0, Math.min(Integer.MAX_VALUE - 8, room + 1)));
        if (b.length > room) {
            throw invalidFiles("additional_files extracts to more than " + Judge0Limits.MAX_EXTRACT_SIZE_KB + " KB");
        }
        return b;
    }

    private static Rejection invalidFiles(String message) {
        return Rejection.unprocessable("additional_files", message);
    }

    /** Proctor's name of a request field, as the Judge0 field a client sent. */
    static String judge0Field(String field) {
        if (field == null) {
            return "base";
        }
        if (field.equals("profile")) {
            return "language_id";
        }
        if (field.startsWith("files[0]") || field.equals("files")) {
            return "source_code";
        }
        if (field.startsWith("files[") || field.equals("additional_files")) {
            return "additional_files";
        }
        if (field.equals("args") || field.startsWith("args[")) {
            return "command_line_arguments";
        }
        for (String[] m : new String[][] {
            {"expected_output", "expected_output"},
            {"stdin", "stdin"},
            {"cpu_time_ms", "cpu_time_limit"},
            {"wall_time_ms", "wall_time_limit"},
            {"memory_mb", "memory_limit"},
            {"pids", "max_processes_and_or_threads"},
            {"output_kb", "max_file_size"}
        }) {
            if (field.contains(m[0])) {
                return m[1];
            }
        }
        return field;
    }
}
