package dev.proctor.sandbox.seccomp;

import dev.proctor.sandbox.linux.Syscalls;
import dev.proctor.sandbox.seccomp.OciSeccompProfile.ArgCondition;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.OptionalInt;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Out;

/**
 * A narrow jnr-ffi binding of libseccomp 2.5 ({@code libseccomp.so.2}), used only to
 * <em>compile</em> filters to BPF: nothing here loads a filter into any process. The
 * launcher installs the exported bytes itself, after no_new_privs, right before execve.
 */
public final class LibSeccomp {

    /** The C functions, as declared in seccomp.h; uint32_t maps to int, scmp_filter_ctx to Pointer. */
    public interface Native {
        Pointer seccomp_init(int defAction);

        void seccomp_release(Pointer ctx);

        int seccomp_arch_add(Pointer ctx, int archToken);

        int seccomp_arch_native();

        int seccomp_arch_resolve_name(String archName);

        int seccomp_syscall_resolve_name(String name);

        int seccomp_syscall_resolve_name_arch(int archToken, String name);

        int seccomp_rule_add_array(Pointer ctx, int action, int syscall, int argCount, Pointer argArray);

        int seccomp_attr_set(Pointer ctx, int attr, int value);

        int seccomp_export_bpf(Pointer ctx, int fd);
    }

    /** The libc calls needed to receive the exported program in memory (a memfd). */
    public interface MemfdLibC {
        int memfd_create(String name, int flags);

        long lseek(int fd, long offset, int whence);

        long read(int fd, @Out byte[] buffer, long count);

        int close(int fd);
    }

    /** {@code __NR_SCMP_ERROR}: libseccomp does not know the syscall name. */
    public static final int NR_SCMP_ERROR = -1;
    /** {@code enum scmp_filter_attr} values (seccomp.h). */
    public static final int ATTR_ACT_BADARCH = 2;

    public static final int ATTR_CTL_NNP = 3;
    /** {@code SCMP_FLTATR_CTL_OPTIMIZE}: 2 sorts the syscalls into a binary tree (libseccomp 2.5+). */
    public static final int ATTR_CTL_OPTIMIZE = 8;
    /** {@code sizeof(struct scmp_arg_cmp)}: uint32 arg, enum op, then two 8-aligned uint64 data. */
    static final int ARG_CMP_SIZE = 24;

    private static final int EEXIST = 17;
    private static final int MFD_CLOEXEC = 1;
    private static final int SEEK_SET = 0;
    private static final int SEEK_END = 2;

    private static volatile LibSeccomp instance;

    private final Native lib;
    private final MemfdLibC libc;
    private final Runtime runtime;

    private LibSeccomp(Native lib, MemfdLibC libc) {
        this.lib = lib;
        this.libc = libc;
        this.runtime = Runtime.getRuntime(lib);
    }

    /** Loads libseccomp once per JVM; fails with the remedy when it is absent. */
    public static LibSeccomp get() {
        LibSeccomp loaded = instance;
        if (loaded == null) {
            synchronized (LibSeccomp.class) {
                if (instance == null) {
                    instance = load();
                }
                loaded = instance;
            }
        }
        return loaded;
    }

    private static LibSeccomp load() {
        try {
            Native lib = LibraryLoader.create(Native.class).failImmediately().load("seccomp");
            MemfdLibC libc =
                    LibraryLoader.create(MemfdLibC.class).failImmediately().load("c");
            return new LibSeccomp(lib, libc);
        } catch (LinkageError | RuntimeException e) {
            throw new SeccompException(
                    "cannot load libseccomp.so.2 (" + e.getMessage()
                            + "): install libseccomp 2.5 or newer (Debian: apt-get install libseccomp2)",
                    e);
        }
    }

    /** The {@code SCMP_ARCH_*} token of the architecture this JVM runs on. */
    public int nativeArch() {
        return lib.seccomp_arch_native();
    }

    /** The token for a libseccomp arch name such as {@code x86_64}; empty if unknown. */
    public OptionalInt resolveArch(String libseccompName) {
        int token = lib.seccomp_arch_resolve_name(libseccompName);
        return token == 0 ? OptionalInt.empty() : OptionalInt.of(token);
    }

    /**
     * The syscall number on the native arch. Negative numbers below -1 are libseccomp's
     * pseudo-syscalls (a syscall that exists only on other arches); empty if unknown.
     */
    public OptionalInt resolveSyscall(String name) {
        int nr = lib.seccomp_syscall_resolve_name(name);
        return nr == NR_SCMP_ERROR ? OptionalInt.empty() : OptionalInt.of(nr);
    }

    /** The syscall number on the given arch, or empty if the arch has no such syscall. */
    public OptionalInt resolveSyscall(int archToken, String name) {
        int nr = lib.seccomp_syscall_resolve_name_arch(archToken, name);
        return nr < 0 ? OptionalInt.empty() : OptionalInt.of(nr);
    }

    /** A new filter context; close it to free the native memory. */
    public Filter newFilter(int defaultAction) {
        Pointer ctx = lib.seccomp_init(defaultAction);
        if (ctx == null) {
            throw new SeccompException("seccomp_init(0x" + Integer.toHexString(defaultAction)
                    + ") failed: libseccomp rejected the default action (is it supported by this kernel?)");
        }
        return new Filter(ctx);
    }

    /** One libseccomp filter context being built. Not thread-safe: one builder thread at a time. */
    public final class Filter implements AutoCloseable {

        private Pointer ctx;

        private Filter(Pointer ctx) {
            this.ctx = ctx;
        }

        /** Adds an architecture; the native one is always present, so adding it again is fine. */
        public void addArch(int archToken) {
            int rc = lib.seccomp_arch_add(ctx, archToken);
            if (rc != 0 && rc != -EEXIST) {
                throw failure("seccomp_arch_add(0x" + Integer.toHexString(archToken) + ")", rc);
            }
        }

        public void setAttr(int attr, int value) {
            check("seccomp_attr_set(" + attr + ", " + value + ")", lib.seccomp_attr_set(ctx, attr, value));
        }

        /**
         * Adds a rule; all comparisons must hold (AND), and each argument index may appear
         * only once (libseccomp returns EINVAL otherwise). Returns the negative errno,
         * 0 on success, so the caller decides which failures are fatal.
         */
        public int addRule(int action, int syscall, List<ArgCondition> args) {
            if (args.isEmpty()) {
                return lib.seccomp_rule_add_array(ctx, action, syscall, 0, null);
            }
            Pointer array = Memory.allocateDirect(runtime, ARG_CMP_SIZE * args.size());
            for (int i = 0; i < args.size(); i++) {
                ArgCondition arg = args.get(i);
                long base = (long) i * ARG_CMP_SIZE;
                array.putInt(base, arg.index());
                array.putInt(base + 4, arg.op().code());
                array.putLong(base + 8, arg.value());
                array.putLong(base + 16, arg.valueTwo());
            }
            return lib.seccomp_rule_add_array(ctx, action, syscall, args.size(), array);
        }

        /** The raw BPF program: an array of {@code struct sock_filter}, 8 bytes each. */
        public byte[] exportBpf() {
            int fd = libc.memfd_create("proctor-seccomp", MFD_CLOEXEC);
            if (fd < 0) {
                throw new SeccompException("memfd_create failed: " + Syscalls.describe(lastErrno())
                        + ": the kernel must support memfd (Linux 3.17+)");
            }
            try {
                check("seccomp_export_bpf", lib.seccomp_export_bpf(ctx, fd));
                return readAll(fd);
            } finally {
                libc.close(fd);
            }
        }

        private byte[] readAll(int fd) {
            long size = libc.lseek(fd, 0, SEEK_END);
            if (size < 0 || libc.lseek(fd, 0, SEEK_SET) != 0) {
                throw new SeccompException("lseek on the BPF memfd failed: " + Syscalls.describe(lastErrno()));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) size);
            byte[] buffer = new byte[(int) Math.max(size, 1)];
            long n;
            while ((n = libc.read(fd, buffer, buffer.length)) > 0) {
                out.write(buffer, 0, (int) n);
            }
            if (n < 0) {
                throw new SeccompException("read of the BPF memfd failed: " + Syscalls.describe(lastErrno()));
            }
            return out.toByteArray();
        }

        private int lastErrno() {
            return LastError.getLastError(runtime);
        }

        @Override
        public void close() {
            if (ctx != null) {
                lib.seccomp_release(ctx);
                ctx = null;
            }
        }
    }

    private static void check(String call, int rc) {
        if (rc != 0) {
            throw failure(call, rc);
        }
    }

    static SeccompException failure(String call, int rc) {
        return new SeccompException(call + " failed: " + rc + " (" + Syscalls.describe(-rc) + ")");
    }
}
