package dev.proctor.sandbox.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.accounting.Sample;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LaunchReportTest {

    @Test
    void parsesAFinishedRun() {
        LaunchReport r = LaunchReport.parse("exit_code=3\nwall_us=1500\nkilled_by=none\nend_mono_us=123456789\n"
                + "stdout_bytes=12\nstderr_bytes=4\ncpu_us=900\nsample=10,5,4096\nsample=20,9,8192\nend\n");
        assertNull(r.error());
        assertEquals(3, r.exitCode());
        assertNull(r.signal());
        assertEquals(1500, r.wallMicros());
        assertEquals(123456789, r.endMonoMicros());
        assertEquals(LaunchReport.KilledBy.NONE, r.killedBy());
        assertEquals(12, r.stdoutBytes());
        assertEquals(4, r.stderrBytes());
        assertEquals(new Sample(20, 9, 8192), r.samples().get(1));
    }

    @Test
    void parsesAKilledRunAndAStepFailure() {
        LaunchReport killed = LaunchReport.parse("signal=9\nkilled_by=cpu\npid1_killed=1\nend\n");
        assertEquals(9, killed.signal());
        assertEquals(LaunchReport.KilledBy.CPU, killed.killedBy());
        assertTrue(killed.pid1Killed());
        assertFalse(LaunchReport.parse("signal=9\nkilled_by=none\nend\n").pid1Killed());
        LaunchReport failed = LaunchReport.parse("error=step=pivot_root errno=22 detail=x\nend\n");
        assertEquals("step=pivot_root errno=22 detail=x", failed.error());
    }

    @Test
    void everyKilledByValueAndTheLastLineWithoutNewline() {
        for (LaunchReport.KilledBy k : LaunchReport.KilledBy.values()) {
            String name = k.name().toLowerCase(java.util.Locale.ROOT);
            LaunchReport r = LaunchReport.parse("exit_code=0\nkilled_by=" + name + "\nend");
            assertEquals(k, r.killedBy());
            assertNull(r.error());
            assertEquals(0, r.samples().size());
        }
        assertThrows(IllegalArgumentException.class, () -> LaunchReport.parse("killed_by=nobody\nend\n"));
        assertNotNull(LaunchReport.parse("exit_code=0\nend=1\n").error());
    }

    @Test
    void aTruncatedReportIsAnError() {
        assertNotNull(LaunchReport.parse("exit_code=0\n").error());
    }

    @Test
    void requestIsNulSeparatedAndRefusesNul() {
        byte[] bytes =
                new LaunchRequest().put("arg", "a b").put("wall_limit_us", 5).toBytes();
        assertArrayEquals("arg=a b\0wall_limit_us=5\0\0".getBytes(StandardCharsets.UTF_8), bytes);
        assertThrows(IllegalArgumentException.class, () -> new LaunchRequest().put("arg", "a\0b"));
    }
}
