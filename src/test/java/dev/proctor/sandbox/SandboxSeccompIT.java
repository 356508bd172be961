package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The default profile on the real kernel: src/test/c/syscall_probe.c makes the call inside the
 * sandbox and prints the errno it got. The permissive profile (a deny-list that lets these through)
 * is the control: there the same probe gets the kernel's own answer, so the default's errno is the
 * filter's.
 */
class SandboxSeccompIT extends SandboxRuns {

    private static final int ENOSYS = 38;

    @ParameterizedTest(name = "{0} -> errno {1}")
    @CsvSource({
        "ptrace, 1",
        "mount, 1",
        "unshare, 1",
        "keyctl, 1",
        "bpf, 1",
        // families other than unix/inet/inet6 fail as if the kernel lacked them
        "vsock, 97",
        // inet protocols and types a kernel may load as modules, on the host, for the job: not from here
        "sctp, 38",
        "inet_seqpacket, 38",
        "inet_socketpair, 38",
        // what a job needs of the network stays
        "tcp, 0",
        "udp, 0",
        // an allow-list: what it does not name is ENOSYS, newer kernels' calls included (item 6)
        "memfd_secret, 38",
        "process_madvise, 38",
        "statmount, 38",
        "listmount, 38",
        "mseal, 38",
        "file_getattr, 38",
        "file_setattr, 38",
        // locks and notifications on files every run shares: a channel between runs (item 4)
        "flock, 37",
        "fcntl_setlk, 37",
        "fcntl_getlk, 37",
        "fcntl_ofd_setlk, 37",
        "fcntl_setlease, 22",
        "fcntl_notify, 22",
    })
    void defaultProfileRefuses(String probe, int errno) {
        assertEquals(probe + " errno=" + errno + "\n", probe(probe, "default"));
    }

    /** The control for the refusals permissive also lets through: the kernel answers them itself. */
    @ParameterizedTest(name = "permissive: {0} -> errno 0")
    @ValueSource(strings = {"keyctl", "flock", "fcntl_setlk", "fcntl_ofd_setlk", "fcntl_notify"})
    void permissiveProfileLetsThemThrough(String probe) {
        assertEquals(probe + " errno=0\n", probe(probe, "permissive"));
    }

    /**
     * The control for the calls the default leaves out: under permissive the kernel refuses their
     * bad arguments (or a protocol it lacks) with something else than ENOSYS, or makes the socket (on a
     * kernel that lacks a call, the default's ENOSYS above proves nothing for it, and this fails to say so).
     */
    @ParameterizedTest(name = "permissive: {0} reaches the kernel")
    @ValueSource(
            strings = {
                "memfd_secret",
                "process_madvise",
                "statmount",
                "listmount",
                "mseal",
                "file_getattr",
                "file_setattr",
                "sctp"
            })
    void permissiveProfileLetsNewCallsReachTheKernel(String probe) {
        Matcher m = Pattern.compile(Pattern.quote(probe) + " errno=(\\d+)\n").matcher(probe(probe, "permissive"));
        assertTrue(m.matches(), probe);
        assertNotEquals(ENOSYS, Integer.parseInt(m.group(1)), probe + ": this kernel has no such call");
    }

    /**
     * A supervisor serves run after run and keeps the last seccomp program it read (seccomp.c): runs that
     * alternate between two profiles, one after another on the same engine (so on the same few
     * supervisors), each get their own profile's filter, never the one of the run before.
     */
    @Test
    void profilesAlternatingRunAfterRunEachGetTheirOwnFilter() {
        for (int i = 0; i < 6; i++) {
            assertEquals("flock errno=37\n", probe("flock", "default"), "run " + i + ", default");
            assertEquals("flock errno=0\n", probe("flock", "permissive"), "run " + i + ", permissive");
        }
    }

    /**
     * A job's core-dump limit is 1 byte, which it cannot change, whatever the profile: at 1 the kernel
     * writes no core file and starts no core_pattern pipe helper on the host (CoreLimitGuard, job.c); a
     * limit lowered to 0 would start that helper at every crash. A change succeeds without running (a
     * script's {@code ulimit -c 0} does not fail), but for one that asks for the old limit too (EPERM: it
     * would not be filled in). A crash still ends the child by its signal. src/test/c/core_probe.c reports
     * each step.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"default", "permissive"})
    void aJobCannotChangeItsCoreLimitAndItsCrashesDumpNothing(String profile) {
        assertEquals("""
                limit soft=1 hard=1
                setrlimit errno=0
                prlimit64 set errno=0
                prlimit64 high bits errno=0
                prlimit64 get errno=0
                prlimit64 set+get errno=1
                limit after soft=1 hard=1
                child signal=11 core_dumped=0 core_files=0
                """, run("core_probe", List.of(), profile));
    }

    /** Shell scripts that set the core limit (to none, or to get cores) run on; the shell shows 1 byte as 0 blocks. */
    @Test
    void aScriptsUlimitOfTheCoreLimitDoesNotFail() {
        assertEquals("0\nok\n", okOut(sh(workdir(), "ulimit -c 0 && ulimit -c unlimited && ulimit -c && echo ok")));
    }

    private String probe(String probe, String profile) {
        return run("syscall_probe", List.of(probe), profile);
    }

    private String run(String program, List<String> args, String profile) {
        Workdir w = workdir();
        installProbe(w, program);
        List<String> argv = new ArrayList<>();
        argv.add("./" + program);
        argv.addAll(args);
        RunSpec simple = RunSpec.simple(w, argv, ROOMY);
        RunSpec spec = new RunSpec(
                simple.image(),
                simple.argv(),
                simple.env(),
                w,
                simple.stdin(),
                simple.limits(),
                profile,
                simple.network(),
                simple.sampleInterval());
        return okOut(engine.run(spec));
    }
}
