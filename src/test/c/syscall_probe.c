/*
 * syscall_probe NAME: calls one syscall the default seccomp profile refuses and prints
 * "NAME errno=N" (0 when the call succeeded). Run only inside the sandbox. Calls newer than the
 * build host's headers go by their x86_64 number, with arguments the kernel itself refuses
 * (EFAULT, EBADF, EINVAL), so ENOSYS can only come from the filter or a kernel without them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PROBE_AF_VSOCK 40
#define PROBE_IPPROTO_SCTP 132
#define PROBE_KEYCTL_GET_KEYRING_ID 0
#define PROBE_KEY_SPEC_SESSION_KEYRING (-3)
#define PROBE_BPF_MAP_CREATE 0
#define NR_PROCESS_MADVISE 440
#define NR_MEMFD_SECRET 447
#define NR_STATMOUNT 457
#define NR_LISTMOUNT 458
#define NR_MSEAL 462
#define NR_FILE_GETATTR 468
#define NR_FILE_SETATTR 469

/* A lock, lease or notification on a file every run shares (or the run's own /tmp). */
static long file_probe(const char *name)
{
	int fd = open(strcmp(name, "fcntl_notify") == 0 ? "/tmp" : "/usr/bin/true", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -3;
	struct flock lock = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
	if (strcmp(name, "flock") == 0)
		return flock(fd, LOCK_EX | LOCK_NB);
	if (strcmp(name, "fcntl_setlk") == 0)
		return fcntl(fd, F_SETLK, &lock);
	if (strcmp(name, "fcntl_getlk") == 0)
		return fcntl(fd, F_GETLK, &lock);
	if (strcmp(name, "fcntl_ofd_setlk") == 0)
		return fcntl(fd, F_OFD_SETLK, &lock);
	if (strcmp(name, "fcntl_setlease") == 0)
		return fcntl(fd, F_SETLEASE, F_RDLCK);
	if (strcmp(name, "fcntl_notify") == 0)
		return fcntl(fd, F_NOTIFY, DN_ACCESS);
	return -2;
}

static long probe_call(const char *name)
{
	if (strcmp(name, "ptrace") == 0)
		return ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	if (strcmp(name, "mount") == 0)
		return mount("none", "/tmp", "tmpfs", 0, NULL);
	if (strcmp(name, "unshare") == 0)
		return unshare(CLONE_NEWUSER);
	if (strcmp(name, "keyctl") == 0)
		return syscall(SYS_keyctl, PROBE_KEYCTL_GET_KEYRING_ID, PROBE_KEY_SPEC_SESSION_KEYRING, 0);
	if (strcmp(name, "bpf") == 0) {
		char attr[128] = {0};
		return syscall(SYS_bpf, PROBE_BPF_MAP_CREATE, attr, sizeof(attr));
	}
	if (strcmp(name, "vsock") == 0)
		return socket(PROBE_AF_VSOCK, SOCK_STREAM, 0);
	/* inet sockets of protocols and types a kernel may have as modules only, and a pair of them */
	if (strcmp(name, "sctp") == 0)
		return socket(AF_INET, SOCK_STREAM, PROBE_IPPROTO_SCTP);
	if (strcmp(name, "inet_seqpacket") == 0)
		return socket(AF_INET6, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (strcmp(name, "inet_socketpair") == 0) {
		int sv[2];
		return socketpair(AF_INET, SOCK_STREAM, 0, sv);
	}
	if (strcmp(name, "tcp") == 0)
		return socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP) < 0 ? -1 : 0;
	if (strcmp(name, "udp") == 0)
		return socket(AF_INET, SOCK_DGRAM, 0) < 0 ? -1 : 0;
	if (strcmp(name, "memfd_secret") == 0)
		return syscall(NR_MEMFD_SECRET, ~0U);
	if (strcmp(name, "process_madvise") == 0)
		return syscall(NR_PROCESS_MADVISE, -1, NULL, 0, 0, 0);
	if (strcmp(name, "statmount") == 0)
		return syscall(NR_STATMOUNT, NULL, NULL, 0, 0);
	if (strcmp(name, "listmount") == 0)
		return syscall(NR_LISTMOUNT, NULL, NULL, 0, 0);
	if (strcmp(name, "mseal") == 0)
		return syscall(NR_MSEAL, 1, 4096, ~0UL);
	if (strcmp(name, "file_getattr") == 0)
		return syscall(NR_FILE_GETATTR, -1, NULL, NULL, 0, 0);
	if (strcmp(name, "file_setattr") == 0)
		return syscall(NR_FILE_SETATTR, -1, NULL, NULL, 0, 0);
	if (strncmp(name, "flock", 5) == 0 || strncmp(name, "fcntl_", 6) == 0)
		return file_probe(name);
	fprintf(stderr, "unknown probe %s\n", name);
	return -2;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: syscall_probe NAME\n");
		return 2;
	}
	errno = 0;
	long r = probe_call(argv[1]);
	if (r == -2 || r == -3)
		return 2;
	printf("%s errno=%d\n", argv[1], r < 0 ? errno : 0);
	return 0;
}
