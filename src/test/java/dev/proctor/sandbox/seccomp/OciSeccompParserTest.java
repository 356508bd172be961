package dev.proctor.sandbox.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.seccomp.OciSeccompProfile.ArgCondition;
import dev.proctor.sandbox.seccomp.OciSeccompProfile.SyscallRule;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OciSeccompParserTest {

    private static OciSeccompProfile parse(String json) {
        return OciSeccompParser.parse("p.json", json);
    }

    /** Asserts the error names the source, the JSON path and the problem. */
    private static void assertError(String json, String path, String problem) {
        SeccompException e = assertThrows(SeccompException.class, () -> parse(json));
        assertTrue(e.getMessage().startsWith("p.json: " + path + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    @Test
    void parsesEveryField() {
        OciSeccompProfile p = parse("""
                {"description": "test", "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
                 "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
                 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
                 "syscalls": [
                   {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "comment": "io",
                    "includes": {}, "excludes": {}},
                   {"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
                    "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"},
                             {"index": 5, "value": 18446744073709551615, "op": "SCMP_CMP_GT"}]}]}""");
        assertEquals("p.json", p.source());
        assertEquals(Optional.of("test"), p.description());
        assertEquals(SeccompAction.SCMP_ACT_ERRNO, p.defaultAction());
        assertEquals(OptionalInt.of(38), p.defaultErrnoRet());
        assertEquals(0x00050026, p.defaultActionValue());
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"), p.architectures());
        assertEquals(
                new SyscallRule(
                        List.of("read", "write"),
                        SeccompAction.SCMP_ACT_ALLOW,
                        OptionalInt.empty(),
                        List.of(),
                        Optional.of("io")),
                p.syscalls().get(0));
        SyscallRule clone = p.syscalls().get(1);
        assertEquals(
                List.of(
                        new ArgCondition(0, 2114060288L, 0, ArgOp.SCMP_CMP_MASKED_EQ),
                        new ArgCondition(5, -1L, 0, ArgOp.SCMP_CMP_GT)),
                clone.args());
        assertEquals(0x00050001, clone.actionValue());
    }

    @Test
    void minimalProfileHasDefaults() {
        OciSeccompProfile p = parse("{\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\"}");
        assertEquals(List.of(), p.architectures());
        assertEquals(List.of(), p.syscalls());
        assertEquals(0x80000000, p.defaultActionValue());
    }

    @Test
    void errnoWithoutErrnoRetIsEpermLikeRunc() {
        OciSeccompProfile p = parse("""
                {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["x"], "action": "SCMP_ACT_TRACE"}]}""");
        assertEquals(0x00050001, p.defaultActionValue());
        assertEquals(0x7ff00001, p.syscalls().get(0).actionValue());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "[]                                                         | (top level)               | must be a JSON object",
                "{}                                                         | defaultAction             | is missing",
                "{'defaultAction': 'SCMP_ACT_NOPE'}                         | defaultAction             | unknown action 'SCMP_ACT_NOPE'",
                "{'defaultAction': 7}                                       | defaultAction             | must be a string",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'flags': []}           | flags                     | unknown field",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'defaultErrnoRet': 1}  | defaultErrnoRet           | only meaningful with SCMP_ACT_ERRNO",
                "{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': -1} | defaultErrnoRet           | is -1: must be 0 to 4095",
                "{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 4096} | defaultErrnoRet         | must be 0 to 4095",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': 'x'}  | architectures             | must be an array",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['x86_64']} | architectures[0]    | not an architecture name",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [3]}       | syscalls[0]               | must be an object",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'action': 'SCMP_ACT_LOG'}]} | syscalls[0].names | is missing",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': [], 'action': 'SCMP_ACT_LOG'}]} | syscalls[0].names | is empty",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': [' '], 'action': 'SCMP_ACT_LOG'}]} | syscalls[0].names[0] | is blank",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'], 'action': 'SCMP_ACT_LOG', 'name': 'b'}]} | syscalls[0].name | unknown field",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a']}]} | syscalls[0].action | is missing",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'], 'action': 'SCMP_ACT_ALLOW', 'errnoRet': 1}]} | syscalls[0].errnoRet | only meaningful",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'], 'action': 'SCMP_ACT_LOG', 'includes': {'caps': ['CAP_SYS_ADMIN']}}]} | syscalls[0].includes | not supported",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'], 'action': 'SCMP_ACT_LOG', 'excludes': {'arches': ['s390']}}]} | syscalls[0].excludes | not supported",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'], 'action': 'SCMP_ACT_LOG', 'args': [{'index': 6, 'value': 1, 'op': 'SCMP_CMP_EQ'}]}]} | syscalls[0].args[0].index | arguments 0 to 5",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'], 'action': 'SCMP_ACT_LOG', 'args': [{'index': 0, 'op': 'SCMP_CMP_EQ'}]}]} | syscalls[0].args[0].value | is missing",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'], 'action': 'SCMP_ACT_LOG', 'args': [{'index': 0, 'value': 1.5, 'op': 'SCMP_CMP_EQ'}]}]} | syscalls[0].args[0].value | non-negative integer, not number 1.5",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'], 'action': 'SCMP_ACT_LOG', 'args': [{'index': 0, 'value': 18446744073709551616, 'op': 'SCMP_CMP_EQ'}]}]} | syscalls[0].args[0].value | unsigned 64-bit",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'], 'action': 'SCMP_ACT_LOG', 'args': [{'index': 0, 'value': 1, 'valueTwo': -2, 'op': 'SCMP_CMP_EQ'}]}]} | syscalls[0].args[0].valueTwo | unsigned 64-bit",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'], 'action': 'SCMP_ACT_LOG', 'args': [{'index': 0, 'value': 1, 'op': 'SCMP_CMP_EQUAL'}]}]} | syscalls[0].args[0].op | unknown comparison 'SCMP_CMP_EQUAL'",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'], 'action': 'SCMP_ACT_LOG', 'args': [{'index': 0, 'value': 1, 'op': 'SCMP_CMP_EQ', 'mask': 1}]}]} | syscalls[0].args[0].mask | unknown field",
                "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['a'], 'action': 'SCMP_ACT_LOG'}, {'names': ['b'], 'action': 'SCMP_ACT_LOG', 'args': [{'index': 0, 'value': 1}]}]} | syscalls[1].args[0].op | is missing",
            })
    void rejectsWithPathAndReason(String json, String path, String problem) {
        assertError(json.replace('\'', '"'), path, problem);
    }

    @Test
    void invalidJsonNamesTheSourceAndLine() {
        SeccompException e = assertThrows(SeccompException.class, () -> parse("{\n\"defaultAction\": }"));
        assertTrue(e.getMessage().startsWith("p.json: not valid JSON"), e.getMessage());
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void duplicateKeysAreRejected() {
        SeccompException e = assertThrows(
                SeccompException.class,
                () -> parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultAction\": \"SCMP_ACT_KILL\"}"));
        assertTrue(e.getMessage().contains("Duplicate field 'defaultAction'"), e.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        Path missing = Path.of("/nonexistent/seccomp/x.json");
        SeccompException e = assertThrows(SeccompException.class, () -> OciSeccompParser.parse(missing));
        assertTrue(e.getMessage().startsWith(missing + ": cannot read"), e.getMessage());
    }

    @Test
    void argOpSemanticsAreUnsigned() {
        assertTrue(ArgOp.SCMP_CMP_GT.test(-1L, 10, 0), "0xffff_ffff_ffff_ffff > 10 unsigned");
        assertTrue(ArgOp.SCMP_CMP_MASKED_EQ.test(0x10020011L, 0x20000, 0x20000));
        assertTrue(!ArgOp.SCMP_CMP_MASKED_EQ.test(0x11L, 0x20000, 0x20000));
    }
}
