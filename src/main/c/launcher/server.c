/*
 * proctor-launcher: the only code that runs between fork and exec of a job.
 *
 *   proctor-launcher serve SOCKET   long-lived: keeps supervisors forked ahead (at least one per
 *                                   CPU), each waiting to accept a connection, one run at a time
 *                                   (go-judge's pre-forked-worker idea: the JVM spawns nothing per
 *                                   run, and neither does the launcher once its pool is warm). Exits
 *                                   when its stdin closes, i.e. when the JVM that started it is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher.h"

static int listen_on(const char *path)
{
	struct sockaddr_un addr;
	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof addr.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, path);
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	mode_t old = umask(077); /* only root (the service) may ask for runs */
	int r = bind(fd, (struct sockaddr *)&addr, sizeof addr);
	umask(old);
	if (r < 0 || listen(fd, 128) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Every signal at its default, whatever the service was started with (nohup ignores SIGHUP; the JVM
 * hands its children signals 32 and 33 ignored): an ignored signal survives execve, and the job
 * resets only the ones the launcher itself ignores (job.c, reset_signals); a new SIG_IGN in the
 * launcher must be reset there too. The raw call, as glibc's signal() refuses its own two (32, 33).
 */
static void default_all_signals(void)
{
	struct { void *handler; unsigned long flags; void *restorer; uint64_t mask; } dfl = { SIG_DFL, 0, NULL, 0 };
	for (int sig = 1; sig <= 64; sig++)
		syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask); /* SIGKILL, SIGSTOP: EINVAL */
}

static void on_sigchld(int sig)
{
	(void)sig; /* only wakes ppoll */
}

/*
 * Supervisors forked ahead, waiting in accept(): a run starts without a fork on its path, and a
 * supervisor serves run after run (supervisor.c), so a warm pool forks none. At least one idle per
 * online CPU (the engine runs one run per core by default), at least 2; a supervisor done with its
 * run stays while fewer than twice that are idle (so runs 2 at a time leave enough idle ones and
 * none is forked or exits per run); at most SUP_SLOTS supervisors in all.
 */
#define MIN_IDLE_MAX 32

struct idle {
	pid_t pid[SUP_SLOTS];  /* 0: a free slot */
	int taken_r;
	struct server_fds fds;  /* what every idle supervisor is given */
	sigset_t chld;
};

/* Forks supervisors into free slots until low are idle; 0, or -1 if a fork failed (retried later). */
static int fork_idle(struct idle *d)
{
	struct sup_table *t = d->fds.table;
	int idle = sup_table_idle(t);
	for (int i = 0; i < SUP_SLOTS && idle < t->low; i++) {
		if (d->pid[i])
			continue;
		atomic_store(&t->state[i], SLOT_IDLE); /* before the fork: the child may take a connection at once */
		pid_t pid = fork();
		if (pid < 0) {
			atomic_store(&t->state[i], SLOT_FREE);
			return -1;
		}
		if (pid == 0) {
			close(d->taken_r);
			sigprocmask(SIG_UNBLOCK, &d->chld, NULL);
			signal(SIGCHLD, SIG_DFL);
			supervisor_idle(&d->fds, i);
		}
		d->pid[i] = pid;
		idle++;
	}
	return 0;
}

/* A supervisor that exited (after a failed run, with enough others idle, or killed): its slot is free. */
static void forget(struct idle *d, pid_t pid)
{
	for (int i = 0; i < SUP_SLOTS; i++)
		if (d->pid[i] == pid) {
			d->pid[i] = 0;
			/* killed mid-run, it still owns its CPU: freed before a new supervisor can take the slot */
			run_cpu_forget_slot(d->fds.table, i);
			atomic_store(&d->fds.table->state[i], SLOT_FREE);
		}
}

static int serve(const char *path, const void *stack_args)
{
	/* the launcher must not outlive the service that owns it */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	default_all_signals();
	/*
	 * Supervisors are reaped here (not left to the kernel by ignoring SIGCHLD), so that their CPU,
	 * and that of every pid 1 and job they reaped, adds up in this process's children's times
	 * (what `./proctor bench sandbox` counts as the engine's CPU). SIGCHLD is only let in during
	 * ppoll, so none is lost between a reap and the next wait.
	 */
	struct idle d = { .fds = { .server = getpid(), .stack_args = stack_args } };
	d.fds.table = mmap(NULL, sizeof *d.fds.table, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (d.fds.table == MAP_FAILED) {
		fprintf(stderr, "proctor-launcher: mmap: %s\n", strerror(errno));
		return 1;
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	d.fds.table->low = cpus < 2 ? 2 : cpus > MIN_IDLE_MAX ? MIN_IDLE_MAX : (int)cpus;
	d.fds.table->high = 2 * d.fds.table->low;
	sigset_t during_poll;
	sigemptyset(&d.chld);
	sigaddset(&d.chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &d.chld, &during_poll);
	sigdelset(&during_poll, SIGCHLD);
	struct sigaction sa = { .sa_handler = on_sigchld };
	sigaction(SIGCHLD, &sa, NULL); /* no SA_RESTART: ppoll returns EINTR */
	signal(SIGPIPE, SIG_IGN);
	d.fds.listen_fd = listen_on(path);
	if (d.fds.listen_fd < 0) {
		fprintf(stderr, "proctor-launcher: listen on %s: %s\n", path, strerror(errno));
		return 1;
	}
	int taken[2]; /* non-blocking: drained on every wake-up, before the next fork */
	if (pipe2(taken, O_CLOEXEC | O_NONBLOCK) < 0) {
		fprintf(stderr, "proctor-launcher: pipe: %s\n", strerror(errno));
		return 1;
	}
	d.taken_r = taken[0];
	d.fds.taken_fd = taken[1];
	/* made in the socket's directory, which exists (host root's, and in the host's namespace untouched) */
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	d.fds.mnt_host = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	d.fds.net_host = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	d.fds.mnt_template = d.fds.mnt_host >= 0 ? mnt_template_make(slash ? dir : ".") : -1;
	if (d.fds.mnt_template < 0) /* runs then start in their run_dir, in a copy of the host's namespace */
		fprintf(stderr, "proctor-launcher: no mount namespace template (%s): each run copies the host's\n",
			strerror(errno));
	d.fds.pool = netpool_start(); /* -1: every run makes its own network namespace */
	userns_read_last_cap();
	printf("ready\n");
	fflush(stdout);
	struct pollfd fds[2] = { { .fd = d.taken_r, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
	const struct timespec retry = { .tv_nsec = 100 * 1000 * 1000 };
	for (;;) {
		int short_of_idle = fork_idle(&d) < 0;
		int pr = ppoll(fds, 2, short_of_idle ? &retry : NULL, &during_poll);
		int poll_err = errno;
		pid_t pid;
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			forget(&d, pid);
		/* a supervisor took a connection and left fewer than low idle: only a wake-up, drained */
		char took[64];
		while (read(d.taken_r, took, sizeof took) > 0) {
		}
		if (pr < 0) {
			if (poll_err == EINTR)
				continue;
			return 1;
		}
		if (fds[1].revents) /* stdin readable or closed: the JVM is gone or asks us to stop */
			return 0;   /* idle supervisors die with us (parent-death signal) */
	}
}

/*
 * No restartable sequence registered for the launcher's one thread (glibc registers one at start-up; the
 * launcher never uses it). A registration is inherited by every process forked or cloned from here, and
 * the kernel writes the process's CPU number into it (its TLS, on the heap) on the way back to user
 * space after a fork and after a preemption or migration: in each new pid 1 its first return to user
 * space wrote there, a copy-on-write fault with its page copy, every run (3-4 % of the launcher's CPU
 * in a perf profile of bench sandbox on this VM). Unregistered with the size glibc registered it with
 * (32 bytes, which its __rseq_size may state as less). glibc's sched_getcpu, which the launcher does not
 * call, then falls back to the system call; nothing else of it uses the area.
 */
static void rseq_unregister(void)
{
	if (__rseq_size == 0) /* none registered (an old kernel, or glibc.pthread.rseq=0) */
		return;
	void *area = (char *)__builtin_thread_pointer() + __rseq_offset;
	unsigned int len = __rseq_size < 32 ? 32 : __rseq_size;
	if (syscall(SYS_rseq, area, len, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) < 0 && len != __rseq_size)
		syscall(SYS_rseq, area, __rseq_size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
}

int main(int argc, char **argv)
{
	rseq_unregister();
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2], argv); /* argv: the lowest of argv, envp, auxv and their strings */
	fprintf(stderr, "usage: proctor-launcher serve SOCKET\n");
	return 2;
}
