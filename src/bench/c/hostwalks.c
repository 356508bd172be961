/*
 * The CPU of two system calls a run's setup makes that visit every process (or thread) on the host, so
 * that their cost grows with what else the host runs (README, "Walks over every process on the host, once
 * a run"): a write to the oom_score_adj of a process whose memory another process shares (the kernel gives
 * the value to every sharer and finds them by a walk over every process, __set_oom_adj), against one that
 * shares nothing; and pivot_root in a new mount namespace (which looks at every thread's root and working
 * directory, chroot_fs_refs). Each call timed on CLOCK_THREAD_CPUTIME_ID, mean over RUNS calls, first as
 * the host is, then with EXTRA idle processes of its own added (and killed at the end).
 *
 *   gcc -O2 -Wall -Wextra -o /tmp/hostwalks src/bench/c/hostwalks.c && /tmp/hostwalks 200 2000   (as root)
 *
 * Not part of the product and not run by ./proctor bench: a measurement behind one README paragraph.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double cpu_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static char stack[64 * 1024];

static int idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

/* The CPU of one write of "0" to pid's oom_score_adj, in us; -1 on failure. */
static double oom_write(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int)pid);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	double a = cpu_us();
	ssize_t n = write(fd, "0", 1);
	double b = cpu_us();
	close(fd);
	return n == 1 ? b - a : -1;
}

/* The CPU of pivot_root(".", ".") in a child's new mount namespace, on a tmpfs made in dir, in us; -1 on failure. */
static double pivot(const char *dir)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t c = fork();
	if (c == 0) {
		double d = -1;
		if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
		    mount("tmpfs", dir, "tmpfs", 0, "size=64k") == 0 && chdir(dir) == 0) {
			double a = cpu_us();
			if (syscall(SYS_pivot_root, ".", ".") == 0)
				d = cpu_us() - a;
		}
		ssize_t ignored = write(p[1], &d, sizeof d);
		(void)ignored;
		_exit(0);
	}
	double d = -1;
	if (c < 0 || read(p[0], &d, sizeof d) != (ssize_t)sizeof d)
		d = -1;
	if (c > 0)
		waitpid(c, NULL, 0);
	close(p[0]);
	close(p[1]);
	return d;
}

static int threads(void)
{
	FILE *f = fopen("/proc/loadavg", "r"); /* "a b c running/total last": total is every thread */
	int running = 0, total = -1;
	if (f) {
		if (fscanf(f, "%*s %*s %*s %d/%d", &running, &total) != 2)
			total = -1;
		fclose(f);
	}
	return total;
}

static int measure(int runs, const char *dir)
{
	double shared = 0, alone = 0, piv = 0;
	for (int i = 0; i < runs; i++) {
		pid_t s = clone(idle, stack + sizeof stack, CLONE_VM | SIGCHLD, NULL);
		pid_t q = fork();
		if (q == 0)
			idle(NULL);
		if (s < 0 || q < 0)
			return -1;
		double a = oom_write(s), b = oom_write(q), c = pivot(dir);
		kill(s, SIGKILL);
		kill(q, SIGKILL);
		waitpid(s, NULL, 0);
		waitpid(q, NULL, 0);
		if (a < 0 || b < 0 || c < 0)
			return -1;
		shared += a;
		alone += b;
		piv += c;
	}
	printf("%6d threads: oom_score_adj write %7.1f us (memory shared) %7.1f us (not shared); pivot_root %7.1f us\n",
	       threads(), shared / runs, alone / runs, piv / runs);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s RUNS EXTRA\n", argv[0]);
		return 2;
	}
	int runs = atoi(argv[1]), extra = atoi(argv[2]);
	char dir[] = "/tmp/hostwalks-XXXXXX";
	if (runs < 1 || extra < 0 || !mkdtemp(dir)) {
		fprintf(stderr, "usage: %s RUNS EXTRA (RUNS >= 1)\n", argv[0]);
		return 2;
	}
	int rc = measure(runs, dir);
	pid_t *added = calloc((size_t)extra + 1, sizeof *added);
	int n = 0;
	for (; rc == 0 && n < extra; n++) {
		added[n] = fork();
		if (added[n] == 0)
			idle(NULL);
		if (added[n] < 0)
			break;
	}
	if (rc == 0 && extra > 0)
		rc = measure(runs, dir);
	for (int i = 0; i < n; i++)
		if (added[i] > 0)
			kill(added[i], SIGKILL);
	for (int i = 0; i < n; i++)
		if (added[i] > 0)
			waitpid(added[i], NULL, 0);
	rmdir(dir);
	if (rc < 0)
		perror("hostwalks (run it as root)");
	return rc < 0 ? 1 : 0;
}
