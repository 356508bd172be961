/*
 * syscall_probe NAME: calls one syscall the default seccomp profile refuses and prints
 * "NAME errno=N" (0 when the call succeeded). Run only inside the sandbox.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PROBE_AF_VSOCK 40
#define PROBE_KEYCTL_GET_KEYRING_ID 0
#define PROBE_KEY_SPEC_SESSION_KEYRING (-3)
#define PROBE_BPF_MAP_CREATE 0

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
	if (r == -2)
		return 2;
	printf("%s errno=%d\n", argv[1], r < 0 ? errno : 0);
	return 0;
}
