package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.accounting.Sample;
import dev.proctor.sandbox.accounting.Usage;
import dev.proctor.testsupport.CfsBandwidth;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * What one job can do to the host and to another job through the kernel's shared counters and
 * files: a run holds a resource to its limit (and keeps holding it) while host root and a second
 * job, on a work dir of its own, use the same resource.
 */
class SandboxCrossRunIT extends SandboxRuns {

    /**
     * Issue 10, item 1: the user namespace was created by host root, so the kernel charged its
     * inotify instances to host uid 0; a job holding 128 made inotify_init1 fail with EMFILE for host
     * root (the JVM's WatchService here) and every other job. Now each run's namespace belongs to
     * its job's own host uid and bounds itself (32 instances, 8192 watches).
     */
    @Test
    void inotifyHeldToItsMaximumLeavesHostRootAndAnotherJobAlone() throws IOException {
        Workdir hog = workdir();
        CompletableFuture<RunResult> held = startHeld(hog, """
                import ctypes, os
                libc = ctypes.CDLL(None, use_errno=True)
                fds = []
                while len(fds) < 1000:
                    fd = libc.inotify_init1(0)
                    if fd < 0:
                        break
                    fds.append(fd)
                print('instances', len(fds), 'then errno', ctypes.get_errno())
                for i in range(9000):
                    open('/tmp/w%d' % i, 'w').close()
                watches = 0
                while watches < 9000 and libc.inotify_add_watch(fds[0], b'/tmp/w%d' % watches, 2) >= 0:
                    watches += 1
                print('watches', watches, 'then errno', ctypes.get_errno())
                """);
        awaitReady(hog, held);
        Path watched = Files.createTempDirectory(stateDir, "watched");
        try (WatchService root = FileSystems.getDefault().newWatchService()) {
            watched.register(root, StandardWatchEventKinds.ENTRY_CREATE);
        }
        String other = okOut(python(workdir(), """
                import ctypes
                libc = ctypes.CDLL(None, use_errno=True)
                fds = [libc.inotify_init1(0) for _ in range(8)]
                print('opened', sum(fd >= 0 for fd in fds), 'watched', sum(libc.inotify_add_watch(fd, b'/tmp', 2) >= 0 for fd in fds))
                """));
        assertEquals("opened 8 watched 8\n", other);
        RunResult hogResult = release(hog, held);
        assertEquals("instances 32 then errno 24\nwatches 8192 then errno 28\n", okOut(hogResult));
    }

    /**
     * Issue 10, item 3: every job ran as one host uid, so pipe-user-pages-soft (16384 pages here) was
     * shared: one run holding 64 pipes of 1 MiB made another's new pipes 8 KiB and F_SETPIPE_SZ fail.
     */
    @Test
    void pipeBuffersHeldByOneJobDoNotShrinkAnothersPipes() throws IOException {
        long softPages = Long.parseLong(
                Files.readString(Path.of("/proc/sys/fs/pipe-user-pages-soft")).strip());
        int pipes = (int) (softPages / 256);
        Workdir hog = workdir();
        CompletableFuture<RunResult> held = startHeld(hog, """
                import fcntl, os
                pipes = [os.pipe() for _ in range(%d)]
                grown = sum(fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 1 << 20) == 1 << 20 for r, w in pipes)
                print('grown', grown)
                """.formatted(pipes));
        awaitReady(hog, held);
        String other = okOut(python(workdir(), """
                import fcntl, os
                r, w = os.pipe()
                print('new pipe', fcntl.fcntl(w, fcntl.F_GETPIPE_SZ))
                print('grown to', fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 1 << 20))
                """));
        assertEquals("new pipe 65536\ngrown to 1048576\n", other);
        assertEquals("grown " + pipes + "\n", okOut(release(hog, held)));
    }

    /**
     * Issue 10, item 4: flock(/usr/bin/true) held by one run made another's non-blocking flock fail
     * (a channel between runs, through a file every run shares). The default profile refuses locks.
     */
    @Test
    void aLockOnASharedFileIsNotAChannelBetweenRuns() {
        String lock = """
                import errno, fcntl
                f = open('/usr/bin/true', 'rb')
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    print('locked')
                except OSError as e:
                    print(errno.errorcode[e.errno])
                """;
        Workdir holder = workdir();
        CompletableFuture<RunResult> held = startHeld(holder, lock);
        awaitReady(holder, held);
        String other = okOut(python(workdir(), lock));
        String first = okOut(release(holder, held));
        assertNotEquals("EWOULDBLOCK\n", other, "the second run saw the first run's lock");
        assertEquals("ENOLCK\n", first);
        assertEquals("ENOLCK\n", other);
    }

    /** Pages of {@code file} in the host's page cache, by util-linux's fincore (mincore(2) of the whole file). */
    private static long pagesCached(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("fincore", "--bytes", "--noheadings", "--output", "PAGES", file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), "fincore: " + out);
        return Long.parseLong(out);
    }

    /**
     * posix_fadvise(POSIX_FADV_DONTNEED) on a file every run shares dropped its pages from the host's page cache
     * (no write access needed): another run, or the host, then read it from the disk again, and a run could
     * signal another by the time its reads took. The default profile lets the advice succeed without running
     * (advice is a hint, and the run's own files are on tmpfs, where it drops nothing); the other advice stays.
     */
    @Test
    void dropFromThePageCacheAdviceOnASharedFileLeavesItsPagesCached() throws Exception {
        byte[] bytes = new byte[4 << 20];
        java.util.Arrays.fill(bytes, (byte) 7);
        Path shared = hostFile("shared-", bytes); // clean pages, cached: the kernel drops only clean ones
        long before = pagesCached(shared);
        assertTrue(before >= 1000, "pages cached before the run: " + before);
        RunSpec drop = RunSpec.simple(workdir(), List.of("/usr/bin/python3", "-c", """
                        import os
                        fd = os.open('/shared', os.O_RDONLY)
                        size = len(os.read(fd, 1 << 23))
                        for advice in (os.POSIX_FADV_WILLNEED, os.POSIX_FADV_SEQUENTIAL, os.POSIX_FADV_RANDOM,
                                       os.POSIX_FADV_NORMAL, os.POSIX_FADV_NOREUSE, os.POSIX_FADV_DONTNEED):
                            os.posix_fadvise(fd, 0, 0, advice)
                        print('advised', size)
                        """), ROOMY)
                .withHostFiles(List.of(new RunSpec.HostFile(shared, "/shared")));
        assertEquals("advised " + bytes.length + "\n", okOut(engine.run(drop)));
        assertEquals(before, pagesCached(shared), "pages of the shared file left in the host's page cache");
        Files.delete(shared);
    }

    /**
     * Cache flushes the host's disk has completed: /sys/dev/block/MAJ:MIN/stat's seventeenth field (Linux 5.5) for
     * the device that holds {@code file}.
     */
    private static long diskFlushes(Path file) throws IOException {
        Path stat = blockDevice(file).resolve("stat");
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.exists(stat), () -> file + " is on no block device (" + stat + "): no disk flushes to count");
        String[] fields = Files.readString(stat).strip().split("\\s+");
        assertTrue(fields.length >= 17, () -> stat + " has no flush counts: " + String.join(" ", fields));
        return Long.parseLong(fields[15]);
    }

    /**
     * fsync and fdatasync of a clean, read-only file every run shares each sent the host's disk a cache flush (600
     * calls here, 600 flushes): a job looping on them was an I/O storm for the host and its database's commits, as
     * sync was. They succeed without running (a job's own files are on tmpfs, where they do nothing), and the disk's
     * flush count moves only by what the host does meanwhile.
     */
    @Test
    void syncingASharedFileSendsTheHostsDiskNoFlushes() throws Exception {
        Path shared = hostFile("synced-", new byte[8192]); // clean: a later fsync has nothing to write
        RunSpec sync = RunSpec.simple(workdir(), List.of("/usr/bin/python3", "-c", """
                        import os
                        fd = os.open('/shared', os.O_RDONLY)
                        for i in range(300):
                            os.fsync(fd)
                            os.fdatasync(fd)
                        print('synced')
                        """), ROOMY)
                .withHostFiles(List.of(new RunSpec.HostFile(shared, "/shared")));
        long before = diskFlushes(shared);
        assertEquals("synced\n", okOut(engine.run(sync)));
        long flushes = diskFlushes(shared) - before;
        assertTrue(flushes < 150, "the disk's cache flushes during 600 syncs of a shared file: " + flushes);
        Files.delete(shared);
    }

    /**
     * preadv2 with RWF_NOWAIT reads only what is in the page cache and fails with EAGAIN otherwise, without loading
     * anything: on a file every run shares, a probe of which pages another run (or the host) read lately that
     * leaves no trace, a channel between runs and a view of the host's activity. The default profile refuses the
     * flag with EOPNOTSUPP, what a file without non-blocking reads answers; preadv2 without it stays.
     */
    @Test
    void aReadThatOnlySaysWhetherASharedFileIsCachedIsRefused() throws Exception {
        Path shared = hostFile("probed-", new byte[1 << 20]); // cached: a non-blocking read would succeed
        RunSpec probe = RunSpec.simple(workdir(), List.of("/usr/bin/python3", "-c", """
                        import os
                        fd = os.open('/shared', os.O_RDONLY)
                        buf = bytearray(4096)
                        def read(flags):
                            try:
                                return str(os.preadv(fd, [buf], 0, flags))
                            except OSError as e:
                                return 'errno %d' % e.errno
                        print(read(os.RWF_NOWAIT), read(os.RWF_HIPRI), read(0))
                        """), ROOMY)
                .withHostFiles(List.of(new RunSpec.HostFile(shared, "/shared")));
        // EOPNOTSUPP (95) for the flag; the others read the page
        assertEquals("errno 95 4096 4096\n", okOut(engine.run(probe)));
        Files.delete(shared);
    }

    /** Two jobs' work dirs, and so their runs' processes and files, belong to different host uids. */
    @Test
    void concurrentJobsHaveDistinctHostUids() throws IOException {
        Workdir a = workdir();
        Workdir b = workdir();
        int uidA = (int) Files.getAttribute(a.path(), "unix:uid");
        int uidB = (int) Files.getAttribute(b.path(), "unix:uid");
        assertNotEquals(uidA, uidB);
        assertTrue(uidA >= EngineConfig.DEFAULT_UID_BASE && uidB >= EngineConfig.DEFAULT_UID_BASE, uidA + " " + uidB);
        assertEquals(0, Math.abs(uidA - uidB) % 65536);
    }

    /**
     * Issue 10, item 4 too: an inotify watch for IN_OPEN|IN_ACCESS on /usr/bin/true saw every time
     * another run (or the host) ran it. Watches for use events are refused; watches for changes
     * stay (read-only shared files never change).
     */
    @Test
    void aWatchOnASharedFileDoesNotSeeAnotherRunUseIt() {
        Workdir watcher = workdir();
        CompletableFuture<RunResult> held = startHeld(watcher, """
                import ctypes, os
                libc = ctypes.CDLL(None, use_errno=True)
                fd = libc.inotify_init1(os.O_NONBLOCK)
                use = libc.inotify_add_watch(fd, b'/usr/bin/true', 0x21)
                print('use watch', use, ctypes.get_errno() if use < 0 else 0)
                change = libc.inotify_add_watch(fd, b'/usr/bin/true', 0x2 | 0x4)
                print('change watch', change >= 0)
                """, """
                n = 0
                try:
                    while True:
                        n += len(os.read(fd, 4096)) // 16
                except BlockingIOError:
                    pass
                print('events', n)
                """);
        awaitReady(watcher, held);
        okOut(sh(workdir(), "/usr/bin/true; /usr/bin/true; /usr/bin/true"));
        assertEquals("use watch -1 22\nchange watch True\nevents 0\n", okOut(release(watcher, held)));
    }

    /**
     * Issue 11: run cgroups are reused run after run. A run that burnt CPU (throttled at half a core),
     * was OOM-killed after filling its memory limit, or forked to its pids limit, leaves nothing in
     * the figures of the runs after it, whichever cgroup they get (the pool rotates through its idle
     * ones, so some of these runs get the very cgroup the big runs used).
     */
    @Test
    void aRunAfterBigRunsInTheSameCgroupsReportsOnlyItsOwnUsage() {
        Workdir w = workdir();
        installProbe(w, "cpu_burn");
        installProbe(w, "mem_touch");
        // limits of this test alone: the pool hands cgroups with equal limits out first
        Limits limits = new Limits(Duration.ofSeconds(10), Duration.ofSeconds(60), 72 * MIB, 12, MIB, 64 * MIB, 0.5);
        RunResult burn = run(w, limits, "./cpu_burn", "for", "400");
        assertEquals(RunStatus.OK, burn.status(), () -> describe(burn));
        assertTrue(burn.usage().cpuTimeMicros() >= 400_000, () -> describe(burn));
        RunResult oom = run(w, limits, "./mem_touch", "1024");
        assertEquals(RunStatus.MEMORY_LIMIT_EXCEEDED, oom.status(), () -> describe(oom));
        assertTrue(oom.usage().memoryPeakBytes() >= 64 * MIB, () -> describe(oom));
        RunResult forks = run(w, limits, "/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 0.3 & done; wait");
        assertEquals(RunStatus.OK, forks.status(), () -> describe(forks));
        assertTrue(forks.usage().pidsPeak() >= 10, () -> describe(forks));

        for (int i = 0; i < 12; i++) {
            RunResult small = run(w, limits, "./mem_touch", "1");
            assertEquals("touched 1 MiB\n", okOut(small));
            Usage u = small.usage();
            assertEquals(0, u.oomKills(), () -> describe(small));
            assertEquals(0, u.memoryLimitHits(), () -> describe(small));
            // none left by the burner (throttled ~8 periods): a run of a few ms of CPU reports none at all; one
            // that a busy machine made spend more (107 ms once) at most what its own CPU explains
            assertTrue(
                    u.throttledPeriods() <= CfsBandwidth.ownThrottledPeriodsAtMost(u.cpuTimeMicros(), limits.cpus()),
                    () -> describe(small));
            assertEquals(2, u.pidsPeak(), () -> describe(small));
            assertTrue(u.cpuTimeMicros() > 0 && u.cpuTimeMicros() < 200_000, () -> describe(small));
            assertTrue(u.memoryPeakBytes() >= MIB && u.memoryPeakBytes() < 16 * MIB, () -> describe(small));
        }
    }

    /**
     * The engine does not read a capture file the supervisor replied it wrote nothing to, and the
     * supervisor drains the job's pipes through a buffer of its own kept from run to run: one run after
     * another on the same engine, each run's output is its own, byte for byte, whether the run before it
     * wrote much (more than the 64 KiB buffer), little or nothing, to either stream.
     */
    @Test
    void eachRunsOutputIsItsOwnWhateverTheRunBeforeWrote() {
        Workdir w = workdir();
        Limits limits = ROOMY;
        String big = "head -c 200000 /dev/zero | tr '\\0' x";
        for (int i = 0; i < 3; i++) {
            RunResult loud = run(w, limits, "/bin/sh", "-c", big + "; " + big + " >&2");
            assertEquals("x".repeat(200_000), okOut(loud));
            assertEquals("x".repeat(200_000), err(loud));
            RunResult silent = run(w, limits, "/bin/true");
            assertEquals("", okOut(silent));
            assertEquals("", err(silent));
            RunResult errOnly = run(w, limits, "/bin/sh", "-c", "printf 'e%d' " + i + " >&2");
            assertEquals("", okOut(errOnly));
            assertEquals("e" + i, err(errOnly));
            RunResult outOnly = run(w, limits, "/bin/sh", "-c", "printf 'o%d' " + i);
            assertEquals("o" + i, okOut(outOnly));
            assertEquals("", err(outOnly));
            assertEquals(2, outOnly.usage().stdoutBytes(), () -> describe(outOnly));
            assertEquals(0, outOnly.usage().stderrBytes(), () -> describe(outOnly));
        }
    }

    /**
     * A run's timeline is its own: the supervisor keeps one samples buffer from run to run, and a short run after
     * a long one (sampled every 5 ms) reports only samples of its own, within its own wall time, in order; the
     * long one's CPU grows along its samples.
     */
    @Test
    void eachRunsTimelineIsItsOwnAfterALongerRun() {
        Workdir w = workdir();
        Duration every = Duration.ofMillis(5);
        for (int i = 0; i < 3; i++) {
            // ~0.3 s of CPU here: a busy machine's supervisor samples late, and still takes several
            RunSpec busy = RunSpec.simple(
                    w, List.of("/bin/sh", "-c", "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done"), ROOMY);
            RunResult longRun = engine.run(withSampling(busy, every));
            assertEquals(RunStatus.OK, longRun.status(), () -> describe(longRun));
            List<Sample> ls = longRun.timeline();
            assertTrue(ls.size() >= 3, () -> ls.size() + " samples: " + describe(longRun));
            assertOrderedWithin(ls, longRun);
            assertTrue(ls.get(ls.size() - 1).cpuMicros() > ls.get(0).cpuMicros(), () -> ls + " " + describe(longRun));
            RunResult shortRun = engine.run(withSampling(RunSpec.simple(w, List.of("/bin/true"), ROOMY), every));
            assertEquals(RunStatus.OK, shortRun.status(), () -> describe(shortRun));
            List<Sample> ss = shortRun.timeline();
            assertTrue(ss.size() < ls.size(), () -> ss + " after " + ls.size() + ": " + describe(shortRun));
            assertOrderedWithin(ss, shortRun);
        }
    }

    /**
     * Offsets never decrease, and none lies well past the run's wall time (a sample may be taken between the job's
     * end and its pid 1's: 20 ms of slack for a busy machine).
     */
    private static void assertOrderedWithin(List<Sample> samples, RunResult r) {
        long prev = -1;
        for (Sample x : samples) {
            assertTrue(x.offsetMicros() >= prev, () -> samples + " " + describe(r));
            assertTrue(x.offsetMicros() <= r.usage().wallTimeMicros() + 20_000, () -> samples + " " + describe(r));
            prev = x.offsetMicros();
        }
    }

    /**
     * A closed work dir's mount point is used again for a later one (no directory made and removed on the state
     * dir's disk per job), but every work dir is a fresh tmpfs: empty when made, and a run in it sees none of the
     * files an earlier work dir held at the same path.
     */
    @Test
    void aReusedWorkdirMountPointHoldsAFreshTmpfs() throws Exception {
        java.util.Set<Path> paths = new java.util.HashSet<>();
        for (int i = 0; i < 20; i++) {
            Workdir w = engine.createWorkdir(8 * MIB);
            Path at = w.path();
            try {
                paths.add(at);
                try (var listed = Files.list(at)) {
                    assertEquals(0, listed.count(), () -> at + " is not empty");
                }
                w.writeFile("mine-" + i, ("job " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
                RunResult r = sh(w, "ls -A /box; cat /box/mine-*");
                assertEquals("mine-" + i + "\njob " + i, okOut(r), () -> describe(r));
            } finally {
                w.close();
            }
            // the unmount is asynchronous: wait for it, so the next work dir may take this mount point
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (mounted(at) && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertTrue(!mounted(at), () -> at + " still mounted after 10 s");
        }
        assertTrue(paths.size() <= 10, () -> paths.size() + " mount points for 20 work dirs, one after another");
    }

    private static boolean mounted(Path at) throws IOException {
        String target = " " + at + " ";
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.contains(target)) {
                return true;
            }
        }
        return false;
    }
}
