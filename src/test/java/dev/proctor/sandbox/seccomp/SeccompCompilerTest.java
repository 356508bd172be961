package dev.proctor.sandbox.seccomp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SeccompCompilerTest {

    private static final int ALLOW = 0x7fff0000;
    private static final int ERRNO = 0x00050000;

    private final SeccompCompiler compiler = new SeccompCompiler();
    private final LibSeccomp lib = LibSeccomp.get();

    private static OciSeccompProfile profile(String json) {
        return OciSeccompParser.parse("test.json", json);
    }

    private int nr(String name) {
        return lib.resolveSyscall(name).orElseThrow();
    }

    @Test
    void compilesToWholeInstructionsAndIsDeterministic() {
        OciSeccompProfile p = profile("""
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}""");
        byte[] first = compiler.compile(p).program();
        byte[] second = compiler.compile(p).program();
        assertTrue(first.length > 0);
        assertEquals(0, first.length % SeccompCompiler.SOCK_FILTER_SIZE);
        assertArrayEquals(first, second);
    }

    @Test
    void errnoRuleReturnsItsErrnoAndOthersAreAllowed() {
        BpfInterpreter bpf = new BpfInterpreter(compiler.compile(profile("""
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["ptrace", "mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}""")).program());
        assertEquals(ERRNO | 13, bpf.call(nr("ptrace")));
        assertEquals(ERRNO | 13, bpf.call(nr("mount")));
        assertEquals(ALLOW, bpf.call(nr("read")));
    }

    @Test
    void argsOnDistinctIndicesAreAnded() {
        BpfInterpreter bpf = new BpfInterpreter(compiler.compile(profile("""
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97,
                   "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_EQ"},
                            {"index": 1, "value": 3, "op": "SCMP_CMP_EQ"}]}]}""")).program());
        assertEquals(ERRNO | 97, bpf.call(nr("socket"), 16, 3));
        assertEquals(ALLOW, bpf.call(nr("socket"), 16, 2));
        assertEquals(ALLOW, bpf.call(nr("socket"), 2, 3));
    }

    @Test
    void argsOnTheSameIndexAreOredLikeRunc() {
        BpfInterpreter bpf = new BpfInterpreter(compiler.compile(profile("""
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["clone"], "action": "SCMP_ACT_ERRNO",
                   "args": [{"index": 0, "value": 131072, "valueTwo": 131072, "op": "SCMP_CMP_MASKED_EQ"},
                            {"index": 0, "value": 268435456, "valueTwo": 268435456, "op": "SCMP_CMP_MASKED_EQ"}]}]}""")).program());
        assertEquals(ERRNO | 1, bpf.call(nr("clone"), 0x20000L | 0x11));
        assertEquals(ERRNO | 1, bpf.call(nr("clone"), 0x10000000L));
        assertEquals(ALLOW, bpf.call(nr("clone"), 0x11));
    }

    @Test
    void unknownSyscallNamesAreSkippedWithAWarning() {
        SeccompCompiler.Compiled compiled = compiler.compile(profile("""
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["no_such_syscall", "ptrace"], "action": "SCMP_ACT_ERRNO"}]}"""));
        assertEquals(1, compiled.warnings().size());
        assertTrue(
                compiled.warnings().get(0).contains("syscalls[0].names[0]"),
                compiled.warnings().get(0));
        assertEquals(ERRNO | 1, new BpfInterpreter(compiled.program()).call(nr("ptrace")));
    }

    @Test
    void ruleWithTheDefaultActionIsSkipped() {
        SeccompCompiler.Compiled compiled = compiler.compile(profile("""
                {"defaultAction": "SCMP_ACT_ERRNO",
                 "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"},
                              {"names": ["ptrace"], "action": "SCMP_ACT_ERRNO"}]}"""));
        BpfInterpreter bpf = new BpfInterpreter(compiled.program());
        assertEquals(ALLOW, bpf.call(nr("read")));
        assertEquals(ERRNO | 1, bpf.call(nr("ptrace")));
    }

    @Test
    void nativeOnlyFilterKillsForeignAbis() {
        BpfInterpreter bpf = new BpfInterpreter(compiler.compile(profile("""
                {"defaultAction": "SCMP_ACT_ALLOW"}""")).program());
        int killProcess = 0x80000000;
        int auditArchI386 = 0x40000003;
        assertEquals(killProcess, bpf.callOnArch(auditArchI386, 1));
        assertEquals(killProcess, bpf.call(0x40000000 | nr("read")), "x32 syscall numbers");
        assertEquals(ALLOW, bpf.call(nr("read")));
    }

    @Test
    void unknownArchitectureIsAnErrorNamingTheField() {
        SeccompException e = assertThrows(SeccompException.class, () -> compiler.compile(profile("""
                        {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]}""")));
        assertTrue(e.getMessage().contains("test.json: architectures[0]: SCMP_ARCH_VAX"), e.getMessage());
    }
}
