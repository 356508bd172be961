package dev.proctor.sandbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LaunchFailureTest {

    @Test
    void parsesTheLaunchersLines() {
        LaunchFailure f = LaunchFailure.parse("step=pivot_root errno=22 detail=/x y");
        assertEquals(LaunchStep.PIVOT_ROOT, f.step());
        assertEquals(22, f.errno());
        assertEquals("/x y", f.detail());
        LaunchFailure s = LaunchFailure.parse("step=cgroup errno=13 (Permission denied) detail=/sys/fs/cgroup/x");
        assertEquals(LaunchStep.CGROUP, s.step());
        assertEquals(13, s.errno());
        assertEquals("/sys/fs/cgroup/x", s.detail());
        assertTrue(LaunchFailure.parse("step=exec errno=2 detail=./main").atExec());
        assertFalse(LaunchFailure.parse("step=execve errno=2").atExec());
    }

    @Test
    void unknownTextIsKeptWhole() {
        LaunchFailure f = LaunchFailure.parse("something else");
        assertEquals(LaunchStep.UNKNOWN, f.step());
        assertEquals("something else", f.toString());
        assertEquals(
                LaunchStep.UNKNOWN, LaunchFailure.parse("step=warp errno=1").step());
    }
}
