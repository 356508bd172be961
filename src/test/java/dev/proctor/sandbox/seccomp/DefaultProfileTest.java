package dev.proctor.sandbox.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.stream.LongStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * What the shipped profiles decide, checked by running their compiled BPF in
 * {@link BpfInterpreter} (never installed into a process). x86_64 hosts only: the
 * syscall numbers are resolved for the native arch, the i386 ones are hard-coded.
 */
class DefaultProfileTest {

    private static final int ALLOW = 0x7fff0000;
    private static final int KILL_PROCESS = 0x80000000;
    private static final int EPERM = 0x00050000 | 1;
    private static final int ENOSYS = 0x00050000 | 38;
    private static final int EAFNOSUPPORT = 0x00050000 | 97;
    private static final int ENOLCK = 0x00050000 | 37;
    private static final int EINVAL = 0x00050000 | 22;
    private static final int EOPNOTSUPP = 0x00050000 | 95;
    private static final int SUCCEEDS_WITHOUT_RUNNING = 0x00050000;
    private static final int AUDIT_ARCH_I386 = 0x40000003;

    private static final SeccompProfiles PROFILES = new SeccompProfiles(SeccompProfilesTest.SHIPPED);
    private final BpfInterpreter defaults = new BpfInterpreter(PROFILES.program("default"));
    private final LibSeccomp lib = LibSeccomp.get();

    private int nr(String name) {
        return lib.resolveSyscall(name).orElseThrow();
    }

    @Test
    void refusesTheDangerousSetWithEperm() {
        for (String name : new String[] {
            "ptrace",
            "process_vm_readv",
            "mount",
            "umount2",
            "pivot_root",
            "chroot",
            "fsopen",
            "mount_setattr",
            "unshare",
            "setns",
            "keyctl",
            "bpf",
            "perf_event_open",
            "userfaultfd",
            "io_uring_setup",
            "kexec_load",
            "finit_module",
            "reboot",
            "open_by_handle_at",
            "syslog",
            "clock_settime",
            "iopl",
            "pidfd_getfd",
            "kcmp",
            "fanotify_init"
        }) {
            assertEquals(EPERM, defaults.call(nr(name)), name);
        }
    }

    @Test
    void allowsWhatToolchainsNeed() {
        for (String name : new String[] {
            "read",
            "write",
            "openat",
            "mmap",
            "execve",
            "wait4",
            "futex",
            "rt_sigaction",
            "getrandom",
            "prlimit64",
            "seccomp"
        }) {
            assertEquals(ALLOW, defaults.call(nr(name)), name);
        }
    }

    /**
     * An allow-list: calls the profile does not name fail with ENOSYS, as on a kernel without them,
     * where the deny-list it replaced let them through. x86_64 numbers of calls newer than
     * libseccomp 2.5.4 (statmount 457, listmount 458, mseal 462, file_getattr 468, file_setattr 469)
     * and of ones it knows but the profile leaves out (memfd_secret 447, process_madvise 440).
     */
    @Test
    void everyCallItDoesNotNameIsEnosysIncludingFutureOnes() {
        BpfInterpreter permissive = new BpfInterpreter(PROFILES.program("permissive"));
        for (int nr : new int[] {440, 447, 457, 458, 462, 468, 469, 470, 500, 1023}) {
            assertEquals(ENOSYS, defaults.call(nr), "syscall " + nr);
            assertEquals(ALLOW, permissive.call(nr), "permissive: syscall " + nr);
        }
        for (String name : new String[] {
            "memfd_secret",
            "process_madvise",
            "process_mrelease",
            "io_setup",
            "mq_open",
            "modify_ldt",
            "migrate_pages",
            "move_pages",
            "sethostname"
        }) {
            assertEquals(ENOSYS, defaults.call(nr(name)), name);
        }
    }

    /**
     * Locks and notifications on files other runs share are a channel between runs (issue 10,
     * item 4), and so are inotify's use events (open, access) on them.
     */
    @Test
    void locksLeasesAndDirectoryNotificationAreRefused() {
        assertEquals(ENOLCK, defaults.call(nr("flock"), 3, 2));
        for (long cmd : new long[] {5, 6, 7, 36, 37, 38}) {
            assertEquals(ENOLCK, defaults.call(nr("fcntl"), 3, cmd), "fcntl cmd " + cmd);
        }
        assertEquals(EINVAL, defaults.call(nr("fcntl"), 3, 1024), "F_SETLEASE");
        assertEquals(EINVAL, defaults.call(nr("fcntl"), 3, 1026), "F_NOTIFY");
        for (long cmd : new long[] {0, 1, 2, 3, 4, 1025, 1030, 1031, 1032, 1033, 1034}) {
            assertEquals(ALLOW, defaults.call(nr("fcntl"), 3, cmd), "fcntl cmd " + cmd);
        }
        assertEquals(ENOSYS, defaults.call(nr("fcntl"), 3, 4242), "an fcntl command the profile does not name");
        assertEquals(SUCCEEDS_WITHOUT_RUNNING, defaults.call(nr("sync")), "sync");
        assertEquals(SUCCEEDS_WITHOUT_RUNNING, defaults.call(nr("syncfs"), 3), "syncfs");
        // an fsync of a clean read-only shared file sent the host's disk a cache flush
        for (String name : new String[] {"fsync", "fdatasync", "sync_file_range"}) {
            assertEquals(SUCCEEDS_WITHOUT_RUNNING, defaults.call(nr(name), 3, 0, 0, 7), name);
        }
        // POSIX_FADV_DONTNEED drops a shared file's pages from the host's page cache; the other advice stays
        assertEquals(SUCCEEDS_WITHOUT_RUNNING, defaults.call(nr("fadvise64"), 3, 0, 0, 4), "POSIX_FADV_DONTNEED");
        for (long advice : new long[] {0, 1, 2, 3, 5}) {
            assertEquals(ALLOW, defaults.call(nr("fadvise64"), 3, 0, 0, advice), "advice " + advice);
        }
        // preadv2's RWF_NOWAIT (8) says whether a shared file's pages are cached, loading nothing: EOPNOTSUPP
        for (long flags : new long[] {8, 9, 0xf, 0x1_0000_0008L, -1}) {
            assertEquals(EOPNOTSUPP, defaults.call(nr("preadv2"), 3, 0, 1, 0, 0, flags), "preadv2 flags " + flags);
        }
        for (long flags : new long[] {0, 1, 2, 4, 0x10, 0x1_0000_0000L}) {
            assertEquals(ALLOW, defaults.call(nr("preadv2"), 3, 0, 1, 0, 0, flags), "preadv2 flags " + flags);
        }
        // an int whose register's upper half is not clean matches nothing the profile names: ENOSYS, never through
        for (long advice : new long[] {6, 0x1_0000_0004L, 0xffff_ffff_0000_0004L, -1}) {
            assertEquals(ENOSYS, defaults.call(nr("fadvise64"), 3, 0, 0, advice), "advice " + advice);
        }
        // IN_ACCESS, IN_CLOSE_NOWRITE, IN_OPEN report another run's use of a shared file; changes are fine
        for (long mask : new long[] {0x1, 0x10, 0x20, 0x21, 0xfff, 0x1000_0020L}) {
            assertEquals(EINVAL, defaults.call(nr("inotify_add_watch"), 3, 0, mask), "mask " + Long.toHexString(mask));
        }
        for (long mask : new long[] {0x2, 0x4, 0x8, 0x40, 0x80, 0x100, 0x200, 0x400, 0x800, 0xfce, 0x0100_0002L}) {
            assertEquals(ALLOW, defaults.call(nr("inotify_add_watch"), 3, 0, mask), "mask " + Long.toHexString(mask));
        }
    }

    @Test
    void cloneIsRefusedOnlyWithNamespaceFlags() {
        long fork = 0x01200011L; // glibc fork: SIGCHLD|CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID
        long thread = 0x003d0f00L; // glibc pthread_create
        assertEquals(ALLOW, defaults.call(nr("clone"), fork));
        assertEquals(ALLOW, defaults.call(nr("clone"), thread));
        long[] namespaceFlags = {0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000};
        for (long flag : namespaceFlags) {
            assertEquals(EPERM, defaults.call(nr("clone"), fork | flag), Long.toHexString(flag));
        }
        assertEquals(ENOSYS, defaults.call(nr("clone3")));
    }

    @Test
    void socketAllowsOnlyUnixAndInet() {
        for (long family : new long[] {1, 2, 10}) {
            assertEquals(ALLOW, defaults.call(nr("socket"), family, 1, 0), "family " + family);
        }
        for (long family :
                new long[] {0, 3, 4, 5, 6, 7, 8, 9, 11, 16, 17, 40, 44, 45, 0xffffffffL, -1L, 0x100000002L}) {
            assertEquals(EAFNOSUPPORT, defaults.call(nr("socket"), family), "family " + family);
        }
    }

    @Test
    void personalityAllowsOnlyDockersValues() {
        Random random = new Random(42);
        LongStream samples = LongStream.concat(
                LongStream.concat(
                        LongStream.range(0, 1 << 16), LongStream.range(0, 64).map(b -> 1L << b)),
                LongStream.concat(
                        LongStream.range(0, 32).map(b -> 0xffffffffL & ~(1L << b)),
                        LongStream.generate(random::nextLong)
                                .limit(20_000)
                                .map(v -> random.nextBoolean() ? v : v & 0xffffffffL)));
        samples.forEach(value -> {
            boolean allowed = value == 0 || value == 8 || value == 0xffffffffL;
            assertEquals(allowed ? ALLOW : EPERM, defaults.call(nr("personality"), value), Long.toHexString(value));
        });
        assertEquals(ALLOW, defaults.call(nr("personality"), 0xffffffffL));
    }

    /**
     * Sockets: unix ones of any type; inet and inet6 ones only of a (type, protocol) every kernel has built
     * in (stream with 0 or TCP, datagram with 0 or UDP, raw, which the kernel refuses a job itself), the type
     * compared without its flags. Any other is one the kernel may load a module for, on the host
     * (net-pf-N-proto-P-type-T): ENOSYS, the default. Other families: EAFNOSUPPORT. Socket pairs only of
     * unix sockets (the kernel makes the family's socket, and may load its module, before it finds no pairs).
     */
    @Property(tries = 2000)
    void socketsOnlyOfWhatEveryKernelHasBuiltIn(
            @ForAll("families") long family, @ForAll("types") long type, @ForAll("protocols") long protocol) {
        long base = type & 0xf;
        boolean inet = family == 2 || family == 10;
        boolean builtIn = family == 1
                || inet && base == 1 && (protocol == 0 || protocol == 6)
                || inet && base == 2 && (protocol == 0 || protocol == 17)
                || inet && base == 3;
        int expected = builtIn ? ALLOW : inet ? ENOSYS : EAFNOSUPPORT;
        assertEquals(
                expected, defaults.call(nr("socket"), family, type, protocol), family + " " + type + " " + protocol);
        assertEquals(
                family == 1 ? ALLOW : ENOSYS,
                defaults.call(nr("socketpair"), family, type, protocol, 0x7ffc0000L),
                "socketpair " + family);
    }

    @Provide
    Arbitrary<Long> families() {
        return Arbitraries.oneOf(
                Arbitraries.of(1L, 2L, 10L, 16L, 17L, 21L, 38L, 40L),
                Arbitraries.longs().between(0, 64),
                Arbitraries.longs());
    }

    @Provide
    Arbitrary<Long> types() {
        Arbitrary<Long> base = Arbitraries.longs().between(0, 15);
        Arbitrary<Long> flags = Arbitraries.of(0L, 04000L, 02000000L, 02004000L);
        return Arbitraries.oneOf(
                net.jqwik.api.Combinators.combine(base, flags).as((b, f) -> b | f), Arbitraries.longs());
    }

    @Provide
    Arbitrary<Long> protocols() {
        return Arbitraries.oneOf(
                Arbitraries.of(0L, 1L, 6L, 17L, 58L, 132L, 136L, 262L, 33L, 115L, 255L, 0x1_0000_0006L),
                Arbitraries.longs().between(0, 300),
                Arbitraries.longs());
    }

    @Test
    void foreignAbisAreKilledUnderTheDefaultButFilteredUnderPermissive() {
        int i386Read = 3;
        int i386Ptrace = 26;
        assertEquals(KILL_PROCESS, defaults.callOnArch(AUDIT_ARCH_I386, i386Read));
        assertEquals(KILL_PROCESS, defaults.call(0x40000000 | nr("read")), "x32");
        BpfInterpreter permissive = new BpfInterpreter(PROFILES.program("permissive"));
        assertEquals(ALLOW, permissive.callOnArch(AUDIT_ARCH_I386, i386Read));
        assertEquals(EPERM, permissive.callOnArch(AUDIT_ARCH_I386, i386Ptrace));
        assertEquals(EPERM, permissive.call(nr("mount")));
        assertEquals(ALLOW, permissive.call(nr("perf_event_open")));
    }
}
