package dev.proctor.sandbox.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.Limits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pool's recycling of v1 cgroups without a kernel: memory still charged right after a run is
 * checked again after rests, reclaimed (memory.force_empty) only if it is still there at the last, and
 * a cgroup that stays charged is replaced. The charge the fake kernel reports is scripted, read by read.
 */
class CgroupPoolTest {

    private static final long KIB = 1024;
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Limits LIMITS =
            new Limits(Duration.ofSeconds(1), Duration.ofSeconds(2), 64 * Limits.MIB, 10, Limits.MIB, Limits.MIB, 1.0);

    @TempDir
    Path root;

    private CgroupPool pool;

    @AfterEach
    void closePool() {
        if (pool != null) {
            pool.close();
        }
    }

    @Test
    void aResidueTheKernelFreesALittleLaterIsNotReclaimedAndTheCgroupIsReused() throws IOException {
        ScriptedKernel kernel = new ScriptedKernel(root);
        RunCgroup cgroup = firstTake(kernel);
        Files.writeString(kernel.dir(cgroup, "cpuacct").resolve("cpuacct.usage"), "12345\n");
        // right after the run 600 KiB are charged; when checked again, 100 KiB
        kernel.usageReads.addAll(List.of(600 * KIB, 100 * KIB));

        pool.release(cgroup);

        assertTrue(recycledUntil(() -> pool.isIdle(cgroup)), "the cgroup was not recycled");
        assertEquals(List.of(), kernel.forceEmptyWrites, "memory.force_empty was written");
        assertEquals(
                "0",
                Files.readString(kernel.dir(cgroup, "cpuacct").resolve("cpuacct.usage"))
                        .trim(),
                "cpuacct.usage was not reset");
        assertSame(cgroup, takeSpecific(cgroup), "the recycled cgroup was not handed out again");
    }

    /** A busy machine's grace period outlasts the first rests: the cgroup waits for it, unreclaimed. */
    @Test
    void aResidueTheKernelFreesOnlyAfterSeveralRestsIsWaitedForNotReclaimed() throws IOException {
        ScriptedKernel kernel = new ScriptedKernel(root);
        RunCgroup cgroup = firstTake(kernel);
        // right after the run and at the next three checks 4 MiB (page tables awaiting their grace period)
        kernel.usageReads.addAll(List.of(4096 * KIB, 4096 * KIB, 4096 * KIB, 4096 * KIB, 100 * KIB));

        pool.release(cgroup);

        assertTrue(recycledUntil(() -> pool.isIdle(cgroup)), "the cgroup was not recycled");
        assertEquals(List.of(), kernel.forceEmptyWrites, "memory.force_empty was written");
        assertEquals(0, kernel.cgroupsRemoved(), "a cgroup was removed");
    }

    @Test
    void aResidueStillThereAtTheLastCheckIsReclaimedOnce() throws IOException {
        ScriptedKernel kernel = new ScriptedKernel(root);
        RunCgroup cgroup = firstTake(kernel);
        // 600 KiB right after the run and at every check; at the last, memory.force_empty brings it to 64 KiB
        List<Long> reads = new ArrayList<>(Collections.nCopies(1 + CgroupPool.RECHECKS, 600 * KIB));
        reads.add(64 * KIB);
        kernel.usageReads.addAll(reads);

        pool.release(cgroup);

        assertTrue(recycledUntil(() -> pool.isIdle(cgroup)), "the cgroup was not recycled");
        assertEquals(1, kernel.forceEmptyWrites.size());
        assertTrue(kernel.usageReads.isEmpty(), "not every check was made: " + kernel.usageReads);
    }

    @Test
    void aCgroupThatStaysChargedIsReplacedNotReused() throws IOException {
        ScriptedKernel kernel = new ScriptedKernel(root);
        RunCgroup cgroup = firstTake(kernel);
        Path memory = kernel.dir(cgroup, "memory");
        kernel.usageReads.addAll(Collections.nCopies(2 + CgroupPool.RECHECKS, 600 * KIB));

        pool.release(cgroup);

        assertTrue(recycledUntil(() -> !Files.exists(memory)), "the charged cgroup was not removed");
        assertTrue(kernel.usageReads.isEmpty(), "not every check was made: " + kernel.usageReads);
        assertEquals(1, kernel.forceEmptyWrites.size());
        assertFalse(pool.isIdle(cgroup));
        assertTrue(
                // the first, the spare made with it, and one in place of the first
                CgroupFs.pollUntil(() -> kernel.cgroupsMade() >= 3, DEADLINE), "no cgroup was made in its place");
        assertNotSame(cgroup, pool.take(LIMITS));
    }

    @Test
    void aReleasedCgroupRestsThenALaterRunRecyclesItOnItsOwnThreadWithNoOtherWoken() throws IOException {
        ScriptedKernel kernel = new ScriptedKernel(root);
        RunCgroup cgroup = firstTake(kernel);
        Files.writeString(kernel.dir(cgroup, "cpuacct").resolve("cpuacct.usage"), "777\n");
        long released = System.nanoTime();

        pool.release(cgroup);
        pool.recycleDue();

        boolean early = System.nanoTime() - released < CgroupPool.RELEASE_DELAY.toNanos();
        if (early) { // a machine too busy to call it within the rest says nothing here
            assertFalse(pool.isIdle(cgroup), "recycled before its rest");
            assertEquals(List.of(), kernel.usageReaders(), "read before its rest");
        }
        assertFalse(
                CgroupFs.pollUntil(() -> pool.isIdle(cgroup), CgroupPool.RELEASE_DELAY.multipliedBy(5)),
                "recycled with no later run to do it");
        assertEquals(List.of(), kernel.usageReaders(), "another thread looked at the released cgroup");

        pool.recycleDue();

        assertTrue(pool.isIdle(cgroup), "a later run did not recycle the rested cgroup");
        assertEquals(List.of(Thread.currentThread().getName()), kernel.usageReaders());
        assertEquals(
                "0",
                Files.readString(kernel.dir(cgroup, "cpuacct").resolve("cpuacct.usage"))
                        .trim());
    }

    @Test
    void aCgroupReleasedAfterThePoolClosedIsRemoved() throws IOException {
        ScriptedKernel kernel = new ScriptedKernel(root);
        RunCgroup cgroup = firstTake(kernel);
        Path memory = kernel.dir(cgroup, "memory");
        pool.close();

        pool.release(cgroup);

        assertFalse(Files.exists(memory), "a cgroup released after close was left behind");
    }

    /** A pool on {@code kernel} (rechecks 1 ms after a first look) and the cgroup its first take makes. */
    private RunCgroup firstTake(ScriptedKernel kernel) throws IOException {
        pool = new CgroupPool(kernel.driver(), "pool-test", Duration.ofMillis(1));
        return pool.take(LIMITS);
    }

    /** What the threads of later runs do: recycle what has rested, until {@code done}. */
    private boolean recycledUntil(BooleanSupplier done) {
        return CgroupFs.pollUntil(
                () -> {
                    pool.recycleDue();
                    return done.getAsBoolean();
                },
                DEADLINE);
    }

    /** Takes cgroups until {@code wanted} comes out (the spares made ahead come first or after it). */
    private RunCgroup takeSpecific(RunCgroup wanted) {
        List<RunCgroup> others = new ArrayList<>();
        try {
            for (int i = 0; i <= CgroupPool.MAX_IDLE; i++) {
                RunCgroup c = pool.take(LIMITS);
                if (c == wanted) {
                    return c;
                }
                others.add(c);
            }
            return null;
        } finally {
            others.forEach(RunCgroup::close);
        }
    }

    /** A fake v1 tree whose memory.usage_in_bytes answers from a script (then 0) and that records force_empty. */
    private static final class ScriptedKernel extends FakeCgroupFs {
        final Deque<Long> usageReads = new ArrayDeque<>();
        final List<Path> forceEmptyWrites = new ArrayList<>();
        /** The threads that read memory.usage_in_bytes, in order: who recycled. */
        private final List<String> usageReaders = new ArrayList<>();

        private final Path root;

        ScriptedKernel(Path root) {
            super(root, FakeCgroupFs.v1ControlFiles());
            this.root = root;
        }

        CgroupV1Driver driver() throws IOException {
            Map<String, Path> own = new LinkedHashMap<>();
            for (String controller : List.of("cpu", "cpuacct", "memory", "pids", "freezer")) {
                own.put(controller, Files.createDirectories(root.resolve(controller)));
            }
            return new CgroupV1Driver(own, "runs", this);
        }

        /** The run's directory in a controller's hierarchy (its tasks file names it). */
        Path dir(RunCgroup cgroup, String controller) {
            return cgroup.attachFiles().stream()
                    .map(Path::getParent)
                    .filter(dir -> dir.startsWith(root.resolve(controller)))
                    .findFirst()
                    .orElseThrow();
        }

        List<String> usageReaders() {
            synchronized (usageReads) {
                return List.copyOf(usageReaders);
            }
        }

        int cgroupsMade() {
            try (var dirs = Files.list(root.resolve("memory/runs"))) {
                return (int) dirs.count() + removed;
            } catch (IOException e) {
                return removed;
            }
        }

        private int removed;

        synchronized int cgroupsRemoved() {
            return removed;
        }

        @Override
        boolean rmdir(Path dir) {
            if (dir.startsWith(root.resolve("memory"))) {
                synchronized (this) {
                    removed++;
                }
            }
            return super.rmdir(dir);
        }

        @Override
        Optional<String> readIfExists(Path file) {
            if (file.getFileName().toString().equals("memory.usage_in_bytes")) {
                synchronized (usageReads) {
                    usageReaders.add(Thread.currentThread().getName());
                    Long next = usageReads.pollFirst();
                    return Optional.of((next == null ? 0 : next) + "\n");
                }
            }
            return super.readIfExists(file);
        }

        @Override
        String read(Path file) {
            return readIfExists(file).orElseThrow();
        }

        @Override
        void write(Path file, String value) {
            String name = file.getFileName().toString();
            if (name.equals("memory.force_empty")) {
                synchronized (forceEmptyWrites) {
                    forceEmptyWrites.add(file);
                }
            } else if (!name.equals("memory.oom_control")) {
                // the kernel keeps memory.oom_control's format whatever is written to it
                super.write(file, value);
            }
        }
    }
}
