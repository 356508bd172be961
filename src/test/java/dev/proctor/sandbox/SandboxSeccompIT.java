package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The default profile on the real kernel: src/test/c/syscall_probe.c makes the call inside the
 * sandbox and prints the errno it got. keyctl, which the permissive profile allows, succeeds there:
 * the probe itself works, and EPERM under the default profile is the filter's answer.
 */
class SandboxSeccompIT extends SandboxRuns {

    @ParameterizedTest(name = "{0} -> errno {1}")
    @CsvSource({
        "ptrace, 1",
        "mount, 1",
        "unshare, 1",
        "keyctl, 1",
        "bpf, 1",
        // families other than unix/inet/inet6 fail as if the kernel lacked them
        "vsock, 97",
    })
    void defaultProfileRefuses(String probe, int errno) {
        Workdir w = workdir();
        installProbe(w, "syscall_probe");
        RunResult r = run(w, ROOMY, "./syscall_probe", probe);
        assertEquals(probe + " errno=" + errno + "\n", okOut(r));
    }

    /** The control (permissive refuses ptrace, mount, unshare and bpf too, but not keyctl). */
    @ParameterizedTest(name = "permissive: {0} -> errno 0")
    @CsvSource({"keyctl"})
    void permissiveProfileLetsKeyctlThrough(String probe) {
        Workdir w = workdir();
        installProbe(w, "syscall_probe");
        RunSpec simple = RunSpec.simple(w, java.util.List.of("./syscall_probe", probe), ROOMY);
        RunSpec spec = new RunSpec(simple.image(), simple.argv(), simple.env(), w, simple.stdin(), simple.limits(),
                "permissive", simple.network(), simple.sampleInterval());
        assertEquals(probe + " errno=0\n", okOut(engine.run(spec)));
    }
}
