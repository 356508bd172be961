/* Installs the seccomp BPF program compiled in Java (libseccomp, once per profile). */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"

/* The program in an open file, checked for size; *st is the file's identity. */
static int load_fd(int fd, void **prog, size_t *len, struct stat *st)
{
	if (fstat(fd, st) < 0 || st->st_size <= 0 || st->st_size % sizeof(struct sock_filter) != 0 ||
	    st->st_size > 65536 * (off_t)sizeof(struct sock_filter)) {
		errno = EINVAL;
		return -1;
	}
	char *buf = malloc((size_t)st->st_size);
	size_t got = 0;
	while (buf && got < (size_t)st->st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st->st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (!buf || got != (size_t)st->st_size) {
		free(buf);
		errno = EIO;
		return -1;
	}
	*prog = buf;
	*len = got;
	return 0;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * The last program read, kept by a supervisor from run to run (the engine writes one file per
 * profile at its start and never changes it): one stat a run instead of an open, a read, a close
 * and a copy. A file whose identity (device, inode, size, modification and change times) differs
 * from the kept one's is read again.
 */
static struct {
	char path[4096];  /* "" (never a spec's path): nothing kept */
	struct stat st;
	void *prog;
	size_t len;
} kept;

int seccomp_load_file(const char *path, void **prog, size_t *len)
{
	struct stat now;
	if (kept.prog && strcmp(kept.path, path) == 0 && stat(path, &now) == 0 && same_file(&now, &kept.st)) {
		*prog = kept.prog;
		*len = kept.len;
		return 0;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	void *p;
	size_t n;
	int rc = load_fd(fd, &p, &n, &now);
	int err = errno;
	close(fd);
	if (rc < 0) {
		errno = err;
		return -1;
	}
	free(kept.prog);
	kept.prog = p;
	kept.len = n;
	kept.st = now;
	if (strlen(path) < sizeof kept.path) /* a longer path never matches: it is read every time */
		strcpy(kept.path, path);
	else
		kept.path[0] = '\0';
	*prog = p;
	*len = n;
	return 0;
}

/* Last step before execve: no_new_privs is already set, so no privilege is needed. */
int seccomp_install(void *prog, size_t len)
{
	struct sock_fprog fprog = {
		.len = (unsigned short)(len / sizeof(struct sock_filter)),
		.filter = prog,
	};
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0);
}

#if defined(__x86_64__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_X86_64
#define X32_SYSCALL_BIT 0x40000000U
#elif defined(__aarch64__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_AARCH64
#else
#error "set AUDIT_ARCH_NATIVE for this architecture"
#endif

#define ALLOW_NR(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/*
 * Pid 1's own filter, once the job is forked: from then on it only waits for children, reads the
 * clock, writes the job's status and exits. Anything else kills it (and with it the run): a job
 * that somehow took control of pid 1 would find nothing to call. Foreign ABIs (i386, x32) are
 * killed too.
 */
int seccomp_install_reaper(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_NATIVE, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef X32_SYSCALL_BIT
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
		ALLOW_NR(SYS_wait4),
		ALLOW_NR(SYS_waitid),
		ALLOW_NR(SYS_write),
		ALLOW_NR(SYS_clock_gettime), /* the job's end stamp, where the vDSO falls back to the syscall */
		ALLOW_NR(SYS_close),
		ALLOW_NR(SYS_exit_group),
		ALLOW_NR(SYS_exit),
		ALLOW_NR(SYS_rt_sigreturn),
		ALLOW_NR(SYS_restart_syscall),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = { .len = sizeof filter / sizeof filter[0], .filter = filter };
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}
