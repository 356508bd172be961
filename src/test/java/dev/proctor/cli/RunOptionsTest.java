package dev.proctor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.NetworkMode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunOptionsTest {

    @Test
    void parsesEveryOption() throws Exception {
        RunOptions o = RunOptions.parse(new String[] {
            "--cpu-time-ms",
            "500",
            "--wall-time-ms",
            "900",
            "--memory-mb",
            "128",
            "--pids",
            "8",
            "--output-kb",
            "10",
            "--disk-mb",
            "5",
            "--network",
            "loopback",
            "--env",
            "A=b=c",
            "--seccomp",
            "permissive",
            "--",
            "python3",
            "-c",
            "print(1)"
        });
        assertEquals(Duration.ofMillis(500), o.limits().cpuTime());
        assertEquals(Duration.ofMillis(900), o.limits().wallTime());
        assertEquals(128L << 20, o.limits().memoryBytes());
        assertEquals(8, o.limits().maxPids());
        assertEquals(10 * 1024, o.limits().outputBytes());
        assertEquals(5L << 20, o.limits().diskBytes());
        assertEquals(NetworkMode.LOOPBACK, o.network());
        assertEquals("b=c", o.env().get("A"));
        assertTrue(o.env().containsKey("PATH"));
        assertEquals("permissive", o.seccomp());
        assertEquals(List.of("python3", "-c", "print(1)"), o.command());
    }

    @Test
    void wallDefaultsToThreeTimesCpu() throws Exception {
        RunOptions o = RunOptions.parse(new String[] {"--cpu-time-ms", "2000", "--", "true"});
        assertEquals(Duration.ofMillis(6000), o.limits().wallTime());
    }

    @Test
    void badOptionsNameTheOption() {
        assertMessage("--memory-mb must be between", "--memory-mb", "0", "--", "true");
        assertMessage("--cpu-time-ms must be a whole number", "--cpu-time-ms", "x", "--", "true");
        assertMessage("--network must be none or loopback", "--network", "host", "--", "true");
        assertMessage("unknown option --bogus", "--bogus", "1", "--", "true");
        assertMessage("missing -- COMMAND", "--pids", "3");
        assertMessage("--env must be KEY=VALUE", "--env", "novalue", "--", "true");
        assertMessage("--pids needs a value", "--pids", "--", "true");
    }

    private static void assertMessage(String expected, String... args) {
        RunOptions.UsageException e = assertThrows(RunOptions.UsageException.class, () -> RunOptions.parse(args));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
