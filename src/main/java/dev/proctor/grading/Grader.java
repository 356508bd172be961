package dev.proctor.grading;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.proctor.config.SandboxConfig;
import dev.proctor.core.ByteFields;
import dev.proctor.profiles.ArgvTemplate;
import dev.proctor.profiles.LimitSet;
import dev.proctor.profiles.Profile;
import dev.proctor.profiles.ProfileRegistry;
import dev.proctor.sandbox.Cancellation;
import dev.proctor.sandbox.Limits;
import dev.proctor.sandbox.NetworkMode;
import dev.proctor.sandbox.RunResult;
import dev.proctor.sandbox.RunSpec;
import dev.proctor.sandbox.RunStatus;
import dev.proctor.sandbox.SandboxEngine;
import dev.proctor.sandbox.Stdin;
import dev.proctor.sandbox.Workdir;
import dev.proctor.sandbox.accounting.Usage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Grades one job: optional compile step, then each test in a fresh run with the compiled files, each
 * output judged by the checker. One work directory per job (and one for a program checker, so the
 * job's program cannot touch the checker), closed at the end.
 */
@ApplicationScoped
public class Grader {

    /** Files of a program checker's run: testlib order is input, output, answer. */
    static final String CHECK_INPUT = "input.txt";

    static final String CHECK_OUTPUT = "output.txt";
    static final String CHECK_ANSWER = "answer.txt";

    @Inject
    SandboxEngine engine;

    @Inject
    ProfileRegistry profiles;

    @Inject
    OutputCaps caps;

    @Inject
    SandboxConfig sandboxConfig;

    @Inject
    ObjectMapper json;

    public GradeResult grade(JobSpec spec, Cancellation cancel) {
        Profile profile = profiles.find(spec.profile()).orElse(null);
        if (profile == null) {
            return failed("profile " + spec.profile() + " is no longer configured");
        }
        long diskMb =
                spec.tests().stream().mapToLong(t -> t.limits().diskMb()).max().orElse(64);
        if (spec.compileLimits() != null) {
            diskMb = Math.max(diskMb, spec.compileLimits().diskMb());
        }
        Job job = new Job(spec, profile, cancel);
        try (Workdir wd = engine.createWorkdir(diskMb * Limits.MIB)) {
            for (JobSpec.SpecFile f : spec.files()) {
                wd.writeFile(f.path(), f.content(), false);
            }
            return job.run(wd);
        } catch (RuntimeException e) {
            return failed("sandbox failed: " + e.getMessage());
        }
    }

    private GradeResult failed(String message) {
        ObjectNode result = json.createObjectNode();
        result.putNull("compile");
        result.putArray("tests");
        return new GradeResult(Verdict.INTERNAL_ERROR, 0, result, List.of(), message);
    }

    /** The state of grading one job. */
    private final class Job {
        final JobSpec spec;
        final Profile profile;
        final Cancellation cancel;
        final List<RunRecord> runs = new ArrayList<>();
        final ObjectNode result = json.createObjectNode();
        final long[] totals = new long[4];

        Job(JobSpec spec, Profile profile, Cancellation cancel) {
            this.spec = spec;
            this.profile = profile;
            this.cancel = cancel;
        }

        GradeResult run(Workdir wd) {
            if (profile.compiles()) {
                RunResult c = sandbox(profile, profile.compileArgv(), wd, Stdin.empty(), spec.compileLimits());
                record(
                        "compile",
                        0,
                        null,
                        c,
                        c.status() == RunStatus.OK
                                ? null
                                : c.status() == RunStatus.INTERNAL_ERROR
                                        ? Verdict.INTERNAL_ERROR
                                        : Verdict.COMPILE_ERROR);
                ObjectNode cn = result.putObject("compile");
                cn.put("status", c.status().wireName());
                cn.put("exit_code", c.exitCode());
                ByteFields.store(cn, "output", capped(concat(c.stdout(), c.stderr()), caps.compileBytes()));
                cn.set("usage", usage(c.usage()));
                if (c.status() != RunStatus.OK) {
                    result.putArray("tests");
                    Verdict v = c.status() == RunStatus.INTERNAL_ERROR ? Verdict.INTERNAL_ERROR : Verdict.COMPILE_ERROR;
                    return done(v, 0, v == Verdict.INTERNAL_ERROR ? "compile step: " + c.message() : null);
                }
            } else {
                result.putNull("compile");
            }
            Workdir checkerDir = null;
            try {
                if (spec.checker().type() == CheckerType.PROGRAM) {
                    checkerDir = prepareChecker();
                    if (checkerDir == null) {
                        return done(Verdict.INTERNAL_ERROR, 0, "the checker program did not compile");
                    }
                }
                return tests(wd, checkerDir);
            } finally {
                if (checkerDir != null) {
                    checkerDir.close();
                }
            }
        }

        private GradeResult tests(Workdir wd, Workdir checkerDir) {
            ArrayNode tests = result.putArray("tests");
            List<VerdictRules.Graded> graded = new ArrayList<>();
            double totalWeight =
                    spec.tests().stream().mapToDouble(JobSpec.SpecTest::weight).sum();
            for (int i = 0; i < spec.tests().size(); i++) {
                if (cancel.isCancelled()) {
                    break;
                }
                JobSpec.SpecTest t = spec.tests().get(i);
                // each test sees the compile step's files afresh: it cannot rewrite ./main or leave state
                RunResult r = sandbox(
                        profile, profile.runArgv(), spec.args(), wd.copyOnWrite(), Stdin.of(t.stdin()), t.limits());
                Verdict v = VerdictRules.runVerdict(profile, r);
                if (v == null) {
                    v = t.expectedOutput() == null ? Verdict.ACCEPTED : judge(t, r.stdout(), checkerDir, i);
                }
                record("test", i, t.name(), r, v);
                graded.add(new VerdictRules.Graded(v, t.weight()));
                tests.add(testNode(t, r, v));
                if (v != Verdict.ACCEPTED && spec.stopOnFirstFailure()) {
                    break;
                }
            }
            Verdict verdict = VerdictRules.jobVerdict(graded);
            String error = verdict == Verdict.INTERNAL_ERROR ? "a run failed inside Proctor (see the tests)" : null;
            return done(verdict, VerdictRules.score(graded, totalWeight), error);
        }

        private Verdict judge(JobSpec.SpecTest t, byte[] actual, Workdir checkerDir, int seq) {
            JobSpec.Checker c = spec.checker();
            if (c.type() != CheckerType.PROGRAM) {
                return Checkers.check(c.type(), t.expectedOutput(), actual, c.absError(), c.relError());
            }
            Profile cp = profiles.find(c.profile()).orElseThrow();
            checkerDir.writeFile(CHECK_INPUT, t.stdin(), false);
            checkerDir.writeFile(CHECK_OUTPUT, actual, false);
            checkerDir.writeFile(CHECK_ANSWER, t.expectedOutput(), false);
            List<String> argv = new ArrayList<>(cp.runArgv());
            argv.addAll(List.of(CHECK_INPUT, CHECK_OUTPUT, CHECK_ANSWER));
            RunResult r = sandbox(cp, argv, checkerDir, Stdin.empty(), c.limits());
            Verdict v = r.status() == RunStatus.OK || r.status() == RunStatus.RUNTIME_ERROR && r.exitCode() != null
                    ? Checkers.ofCheckerExit(r.exitCode())
                    : Verdict.INTERNAL_ERROR;
            record("checker", seq, t.name(), r, v);
            return v;
        }

        private Workdir prepareChecker() {
            JobSpec.Checker c = spec.checker();
            Profile cp = profiles.find(c.profile()).orElseThrow();
            Workdir dir = engine.createWorkdir(c.limits().diskMb() * Limits.MIB);
            for (JobSpec.SpecFile f : c.files()) {
                dir.writeFile(f.path(), f.content(), false);
            }
            if (cp.compiles()) {
                RunResult r = sandbox(
                        cp,
                        cp.compileArgv(),
                        dir,
                        Stdin.empty(),
                        cp.compileLimits().defaults());
                record("checker", -1, "compile", r, r.status() == RunStatus.OK ? null : Verdict.INTERNAL_ERROR);
                if (r.status() != RunStatus.OK) {
                    dir.close();
                    return null;
                }
            }
            return dir;
        }

        private ObjectNode testNode(JobSpec.SpecTest t, RunResult r, Verdict v) {
            ObjectNode n = json.createObjectNode();
            n.put("name", t.name());
            n.put("verdict", v.wire());
            n.put("status", r.status().wireName());
            n.put("exit_code", r.exitCode());
            n.put("signal", r.signal());
            ByteFields.store(n, "stdout", capped(r.stdout(), caps.capturedBytes()));
            ByteFields.store(n, "stderr", capped(r.stderr(), caps.capturedBytes()));
            Usage u = r.usage();
            n.put("cpu_time_ms", u.cpuTimeMillis());
            n.put("wall_time_ms", u.wallTimeMillis());
            n.put("memory_peak_bytes", u.memoryPeakBytes());
            n.put("pids_peak", u.pidsPeak());
            n.put("oom_kills", u.oomKills());
            n.put("stdout_bytes", u.stdoutBytes());
            n.put("stderr_bytes", u.stderrBytes());
            n.put("weight", t.weight());
            if (r.message() != null) {
                n.put("message", r.message());
            }
            return n;
        }

        private void record(String kind, int seq, String name, RunResult r, Verdict v) {
            runs.add(new RunRecord(
                    kind,
                    seq,
                    name,
                    r.status().wireName(),
                    v == null ? null : v.wire(),
                    r.exitCode(),
                    r.signal(),
                    r.usage(),
                    r.timeline()));
            totals[0] += r.usage().cpuTimeMicros();
            totals[1] += r.usage().wallTimeMicros();
            totals[2] = Math.max(totals[2], r.usage().memoryPeakBytes());
            totals[3]++;
        }

        private GradeResult done(Verdict v, double score, String error) {
            ObjectNode u = result.putObject("usage");
            u.put("cpu_time_ms", totals[0] / 1000);
            u.put("wall_time_ms", totals[1] / 1000);
            u.put("memory_peak_bytes", totals[2]);
            u.put("runs", totals[3]);
            return new GradeResult(v, score, result, runs, error);
        }

        private RunResult sandbox(Profile p, List<String> argv, Workdir wd, Stdin stdin, LimitSet l) {
            return sandbox(p, argv, List.of(), wd, stdin, l);
        }

        /** {@code args} (the job's command-line arguments) follow the expanded argv, never expanded themselves. */
        private RunResult sandbox(
                Profile p, List<String> argv, List<String> args, Workdir wd, Stdin stdin, LimitSet l) {
            Map<String, String> env = new HashMap<>();
            env.put("PATH", RunSpec.DEFAULT_PATH);
            env.put("HOME", "/box");
            env.put("LANG", "C.UTF-8");
            env.putAll(p.env());
            Limits limits = new Limits(
                    Duration.ofMillis(l.cpuTimeMs()),
                    Duration.ofMillis(l.wallTimeMs()),
                    l.memoryMb() * Limits.MIB,
                    l.pids(),
                    l.outputKb() * 1024,
                    l.diskMb() * Limits.MIB,
                    1.0);
            List<String> command = new ArrayList<>(ArgvTemplate.expand(argv, l.memoryMb()));
            command.addAll(args);
            RunSpec rs = new RunSpec(
                    p.image(),
                    command,
                    env,
                    wd,
                    stdin,
                    limits,
                    p.seccomp(),
                    NetworkMode.NONE,
                    sandboxConfig.sampleInterval());
            try {
                return engine.run(rs, cancel);
            } catch (RuntimeException e) {
                return RunResult.internalError(e.getMessage());
            }
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The first {@code max} bytes, as written: a cut inside a UTF-8 sequence stays as it is. */
    static byte[] capped(byte[] b, int max) {
        return b.length <= max ? b : Arrays.copyOf(b, max);
    }

    private ObjectNode usage(Usage u) {
        ObjectNode n = json.createObjectNode();
        n.put("cpu_time_ms", u.cpuTimeMillis());
        n.put("wall_time_ms", u.wallTimeMillis());
        n.put("memory_peak_bytes", u.memoryPeakBytes());
        return n;
    }
}
