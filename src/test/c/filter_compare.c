/*
 * filter_compare A.bpf B.bpf CONSTANTS: installs each seccomp program (raw struct sock_filter
 * arrays) in a child of its own and makes every syscall number 0..1199, its x32 twin and a few
 * out-of-range numbers with arguments at each constant of CONSTANTS (one hex number a line; in
 * each of args 0-2, and in all five), then prints "calls=N killed=K differ=D" and the first
 * differences. Neither program lets a call run: each is prefixed with "allow unless arg 5 is the
 * marker" and its ALLOW returns become ERRNO 4000, so the kernel's answer (errno, or the signal
 * that killed the child) is the program's. Run inside the sandbox: its own filter is stacked
 * below both and, being the same for both, decides nothing between them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MARK_LO 0x5ecc5eccu
#define MARK_HI 0xc0ffee00u
#define MAX_INSNS 4096
#define MAX_CONSTS 1024
#define ALLOWED_MARK 4000

static struct sock_filter prog[2][MAX_INSNS + 5];
static unsigned short len[2];
static unsigned long long consts[MAX_CONSTS];
static int nconsts;

static int load(int which, const char *path)
{
	static struct sock_filter buf[MAX_INSNS];
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t n = fread(buf, sizeof buf[0], MAX_INSNS, f);
	fclose(f);
	struct sock_filter prefix[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[5])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MARK_LO, 0, 2),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[5]) + 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MARK_HI, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	memcpy(prog[which], prefix, sizeof prefix);
	for (size_t i = 0; i < n; i++) {
		if (buf[i].code == (BPF_RET | BPF_K) && buf[i].k == SECCOMP_RET_ALLOW)
			buf[i].k = SECCOMP_RET_ERRNO | ALLOWED_MARK;
		prog[which][5 + i] = buf[i];
	}
	len[which] = (unsigned short)(n + 5);
	return n > 0 ? 0 : -1;
}

static int vectors(void)
{
	return 1 + 3 * nconsts + nconsts;
}

static void args_of(int v, unsigned long long a[5])
{
	memset(a, 0, 5 * sizeof a[0]);
	if (v-- == 0)
		return;
	if (v < 3 * nconsts) {
		a[v / nconsts] = consts[v % nconsts];
		return;
	}
	for (int i = 0; i < 5; i++)
		a[i] = consts[v - 3 * nconsts];
}

/* Each answer of one program for one number, in out[]: an errno, or -1000 - the killing signal. */
static int answers(int which, long nr, int *shared, int *out)
{
	int nv = vectors();
	memset(shared, 0xff, sizeof(int) * (size_t)nv);
	pid_t child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		struct sock_fprog fp = { .len = len[which], .filter = prog[which] };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0))
			_exit(99);
		unsigned long long mark = ((unsigned long long)MARK_HI << 32) | MARK_LO;
		for (int v = 0; v < nv; v++) {
			unsigned long long a[5];
			args_of(v, a);
			long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], mark);
			shared[v] = r == -1 ? errno : 100000; /* 100000: the call ran (never expected) */
		}
		syscall(SYS_exit_group, 0, 0, 0, 0, 0, 0L);
	}
	int st;
	if (waitpid(child, &st, 0) < 0 || (WIFEXITED(st) && WEXITSTATUS(st) == 99))
		return -1;
	for (int v = 0; v < nv; v++)
		out[v] = WIFSIGNALED(st) ? -1000 - WTERMSIG(st) : shared[v];
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 || load(0, argv[1]) || load(1, argv[2])) {
		fprintf(stderr, "usage: filter_compare A.bpf B.bpf CONSTANTS\n");
		return 2;
	}
	FILE *f = fopen(argv[3], "r");
	while (f && nconsts < MAX_CONSTS && fscanf(f, "%llx", &consts[nconsts]) == 1)
		nconsts++;
	if (f)
		fclose(f);
	int nv = vectors();
	int *shared = mmap(NULL, sizeof(int) * (size_t)nv, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int *a = malloc(sizeof(int) * (size_t)nv), *b = malloc(sizeof(int) * (size_t)nv);
	if (shared == MAP_FAILED || !a || !b)
		return 2;
	long nrs[2410];
	int nn = 0;
	for (long i = 0; i < 1200; i++) {
		nrs[nn++] = i;
		nrs[nn++] = i | 0x40000000;
	}
	long extra[] = { 0x3fffffff, 0x7fffffff, -1, -2, (long)0x80000000u, 0xffff };
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
		nrs[nn++] = extra[i];
	long calls = 0, killed = 0, differ = 0;
	for (int k = 0; k < nn; k++) {
		if (answers(0, nrs[k], shared, a) || answers(1, nrs[k], shared, b)) {
			fprintf(stderr, "fork or install failed: %s\n", strerror(errno));
			return 2;
		}
		for (int v = 0; v < nv; v++) {
			calls++;
			killed += a[v] <= -1000;
			if (a[v] != b[v] && differ++ < 5)
				printf("nr %ld vector %d: %d vs %d\n", nrs[k], v, a[v], b[v]);
		}
	}
	printf("calls=%ld killed=%ld differ=%ld\n", calls, killed, differ);
	return 0;
}
