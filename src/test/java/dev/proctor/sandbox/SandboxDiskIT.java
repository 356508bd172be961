package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.accounting.Usage;
import dev.proctor.testsupport.TestStateDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A run's reads from the host's disks: throttled to the engine's limit in bytes and in read requests a second
 * (its cgroup's block throttling), whatever it reads (a host file shown to it, with {@code O_DIRECT} so that no
 * page cache answers), and counted exactly in its accounting; reads the page cache answers are neither slowed
 * nor counted. A second engine with low limits (4 MiB/s, 100 requests/s) shows the throttling in seconds; the
 * suite's engine runs with the defaults.
 */
class SandboxDiskIT extends SandboxRuns {

    private static final long SLOW_BYTES = 4 * MIB;
    private static final long SLOW_OPS = 100;
    /** What O_DIRECT reads of this many bytes take at {@link #SLOW_BYTES} a second, less a second of burst. */
    private static final int FILE_MIB = 12;

    private static Path slowState;
    private static LinuxSandboxEngine slow;
    private static Path file;

    @BeforeAll
    static void startSlowEngine() throws IOException {
        byte[] bytes = new byte[FILE_MIB << 20];
        new java.util.Random(11).nextBytes(bytes);
        file = hostFile("disk-", bytes);
        Assumptions.assumeTrue(
                Files.exists(blockDevice(file)),
                () -> file + " is on no block device: no disk reads to throttle or count");
        slowState = TestStateDirs.create("engine-slow-disk-");
        slow = LinuxSandboxEngine.start(
                EngineConfig.forProject(PROJECT, slowState).withDiskReads(SLOW_BYTES, SLOW_OPS));
    }

    @AfterAll
    static void stopSlowEngine() throws IOException {
        if (slow != null) {
            slow.close();
            slow = null;
        }
        if (slowState != null) {
            TestStateDirs.removeAfterEngines(slowState);
        }
    }

    /** dd of the shown file with O_DIRECT (every block from the disk), in blocks of {@code block}. */
    private static RunSpec directRead(Workdir w, String block, int count) {
        return RunSpec.simple(
                        w,
                        List.of(
                                "/usr/bin/dd",
                                "if=/data",
                                "of=/dev/null",
                                "bs=" + block,
                                "count=" + count,
                                "iflag=direct",
                                "status=none"),
                        ROOMY)
                .withHostFiles(List.of(new RunSpec.HostFile(file, "/data")));
    }

    private static Usage ok(RunResult r) {
        assertEquals(RunStatus.OK, r.status(), () -> describe(r));
        return r.usage();
    }

    @Test
    void directReadsAreThrottledToTheEnginesBytesASecond() {
        Usage u = ok(slow.run(directRead(workdir(), "1M", FILE_MIB)));
        // 12 MiB at 4 MiB/s: 3 s less what the kernel lets through at once (a slice's worth); a busy machine
        // only makes it slower. Unthrottled, the same read takes ~10 ms here.
        assertTrue(
                u.wallTimeMicros() >= 2_000_000,
                "read " + FILE_MIB + " MiB in " + u.wallTimeMicros() + " us at " + SLOW_BYTES + " B/s");
        assertTrue(u.ioReadBytes() >= (long) FILE_MIB << 20, "read counted: " + u.ioReadBytes());
    }

    @Test
    void directReadsAreThrottledToTheEnginesRequestsASecond() {
        // 400 reads of 4 KiB (1.6 MiB: far under the byte limit) at 100 a second: 4 s less a slice's burst
        Usage u = ok(slow.run(directRead(workdir(), "4k", 400)));
        assertTrue(
                u.wallTimeMicros() >= 2_500_000,
                "400 reads in " + u.wallTimeMicros() + " us at " + SLOW_OPS + " requests/s");
        assertTrue(u.ioReadBytes() >= 400 * 4096, "read counted: " + u.ioReadBytes());
    }

    /** The suite's engine (default limits): a run's disk reads counted as what it read, run after run. */
    @Test
    void diskReadsAreCountedAsTheRunsOwn() {
        Workdir w = workdir();
        for (int i = 1; i <= 3; i++) {
            Usage u = ok(engine.run(directRead(w, "64k", i * 16)));
            long expected = i * 16 * 65536L;
            // the cgroup is reused run after run: each run's count is its own, not the sum so far
            assertTrue(
                    u.ioReadBytes() >= expected && u.ioReadBytes() <= expected + 4 * MIB,
                    "run " + i + " read " + expected + " bytes with O_DIRECT, counted " + u.ioReadBytes());
        }
    }

    @Test
    void readsThePageCacheAnswersAreNotCounted() throws IOException {
        Files.readAllBytes(file); // in the page cache now
        Usage u = ok(slow.run(RunSpec.simple(
                        workdir(), List.of("/usr/bin/dd", "if=/data", "of=/dev/null", "bs=1M", "status=none"), ROOMY)
                .withHostFiles(List.of(new RunSpec.HostFile(file, "/data")))));
        assertTrue(
                u.ioReadBytes() < (FILE_MIB << 20) / 4,
                "a cached " + FILE_MIB + " MiB file read: " + u.ioReadBytes() + " bytes counted from the disk");
    }
}
