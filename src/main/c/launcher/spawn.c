/*
 * A supervisor's spawner: a process of its own, forked once from the supervisor (on the first pid 1 it makes
 * ahead), that clones the supervisor's pid 1s made ahead sharing the spawner's memory (CLONE_VM) instead of
 * each copying an address space: on these VMs a new address space (its page tables, then each page either
 * process writes copied on that write) cost ~0.5-0.65 ms of CPU per run whatever its size, a clone sharing
 * one ~0.09, and pid 1's exit no longer tears one down.
 *
 * Why a spawner and not the supervisor itself: a process sharing memory with pid 1 is killed with it by the
 * OOM killer (it kills every process using the victim's memory), and pid 1 is in the run's memory cgroup,
 * where the OOM killer may pick it as it may today; and it would run at once with pid 1 in one glibc (its
 * heap, its thread's errno). The spawner holds nothing a run needs: killed with a pid 1, it is forked again
 * for the next one (a pid 1 made meanwhile is cloned by the supervisor, a copy, as before). And it runs
 * nothing while its pid 1 lives: from the clone on it only closes the descriptors it passed on, replies and
 * blocks in recvmsg for the next request, which the supervisor sends only once that pid 1 is reaped; none of
 * that writes memory pid 1 uses (its stack is its own; errno is written only by a failing call). Pid 1 is
 * the supervisor's child (CLONE_PARENT): the supervisor waits for it, reads its exit and sets it up (id maps)
 * as for any pid 1; its oom_score_adj 0 it has from the spawner (zero_own_oom_score_adj).
 *
 * The spawner lives in the template mount namespace (mnttemplate.c) and joins each run's network namespace
 * for its clone; it makes the user namespace as the run's owner (userns.c), as the supervisor did. It dies
 * with its supervisor (its parent-death signal).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#include "launcher.h"

/* A request: the owner and CPUs of the pid 1 to make, with SPAWN_FDS descriptors (struct spawn_ends, and the network namespace first). */
struct spawn_req {
	uid_t uid_base;
	int32_t unused;
	cpu_set_t mask;
};
#define SPAWN_FDS 8

/* The reply: pid 1's pid (its pidfd passed with it), or -1 and why. */
struct spawn_reply {
	int64_t pid;
	int32_t err;
};

#if defined(__x86_64__)
#define SPAWNER_STACK (64 * 1024)

static pid_t spawner;          /* 0: none */
static int spawner_sock = -1;  /* the supervisor's end of its socket pair */
static struct spawner_start { int sock, mnt_template; pid_t supervisor; } start_args; /* read by the spawner, in its copy */

/* A request into req and fds (count in *nfds): its length, 0 at EOF, -1 on an error. */
static ssize_t receive(int sock, void *req, size_t len, int *fds, int max, int *nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * SPAWN_FDS)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = req, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
	ssize_t n;
	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
	}
	*nfds = 0;
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
		int got = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(fds, CMSG_DATA(c), sizeof(int) * (size_t)(got < max ? got : max));
		*nfds = got < max ? got : max;
	}
	if (n > 0 && (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return -1;
	return n;
}

/* buf and, when fd >= 0, fd on sock: 0, or -1. */
static int send_with_fds(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * SPAWN_FDS)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds > 0) {
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	ssize_t n;
	while ((n = sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
	}
	return n == (ssize_t)len ? 0 : -1;
}

/* One request served: pid 1 made (or not) and the reply sent. */
static void serve(int sock, int home_net, pid_t supervisor, const struct spawn_req *req, int *fds, cpu_set_t *mask)
{
	struct spawn_reply reply = { .pid = -1, .err = 0 };
	int pidfd = -1;
	/* pid 1 is cloned with the spawner's CPUs: the supervisor's run's, as a pid 1 it cloned itself */
	if (!CPU_EQUAL(mask, &req->mask) && sched_setaffinity(0, sizeof req->mask, &req->mask) == 0)
		*mask = req->mask;
	if (setns(fds[0], CLONE_NEWNET) < 0) {
		reply.err = errno;
	} else {
		close(fds[0]);
		fds[0] = -1;
		struct spawn_ends e = {
			.out = fds[1], .err = fds[2], .status = fds[3], .report = fds[4], .sync = fds[5], .dev = fds[6],
			.sock = fds[7], .own = sock, .own_net = home_net,
		};
		long pid = start_spawned(&e, req->uid_base, supervisor, &pidfd);
		reply.pid = pid;
		reply.err = pid < 0 ? errno : 0;
	}
	/*
	 * pid 1 has its own copies now (CLONE_VM shares memory, not descriptors): the spawner's go, every one but
	 * its own and the pidfd (still to be sent) in one or two calls, not a close per descriptor
	 */
	int keep[] = { 0, 1, 2, sock, home_net, pidfd };
	close_fds_but(keep, (int)(sizeof keep / sizeof keep[0]));
	send_with_fds(sock, &reply, sizeof reply, &pidfd, pidfd >= 0 ? 1 : 0);
	if (pidfd >= 0)
		close(pidfd);
}

/*
 * oom_score_adj 0 (and, written by host root with CAP_SYS_RESOURCE, the floor 0: start.c, reset_oom_score_adj)
 * for the spawner itself, once, and so for every pid 1 it clones: a new process starts with its parent's value
 * and floor. The supervisor does not write them into such a pid 1: pid 1 shares the spawner's memory, and a
 * write to the oom_score_adj of a process whose memory another shares goes to each sharer, found by a walk over
 * every process on the host with a lock taken on each (fs/proc/base.c, __set_oom_adj), once per run: 8-20 us of
 * the supervisor's CPU here (~90 threads), 130-430 us with 2000 processes more (src/bench/c/hostwalks.c).
 */
static int zero_own_oom_score_adj(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int ok = write(fd, "0", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

static void __attribute__((noreturn)) spawner_main(void *arg)
{
	const struct spawner_start *a = arg;
	int sock = a->sock;
	pid_t supervisor = a->supervisor;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != supervisor)
		_exit(0);
	prctl(PR_SET_NAME, "proctor-spawn", 0, 0, 0);
	int keep[] = { 0, 1, 2, sock, a->mnt_template }; /* stdio, its socket, the template: nothing else */
	close_fds_but(keep, (int)(sizeof keep / sizeof keep[0]));
	if (zero_own_oom_score_adj() < 0)
		_exit(1); /* the supervisor clones its pid 1s itself then */
	/* its own network namespace (the server's), back in after each clone: a run's is held no longer than its pid 1 */
	int home_net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home_net < 0 || setns(a->mnt_template, CLONE_NEWNS) < 0 || chdir("/" MNT_TEMPLATE_RUN) < 0)
		_exit(1);
	close(a->mnt_template);
	cpu_set_t mask;
	if (sched_getaffinity(0, sizeof mask, &mask) < 0)
		CPU_ZERO(&mask);
	for (;;) {
		struct spawn_req req;
		int fds[SPAWN_FDS], nfds;
		ssize_t n = receive(sock, &req, sizeof req, fds, SPAWN_FDS, &nfds);
		if (n == (ssize_t)sizeof req && nfds == SPAWN_FDS) {
			serve(sock, home_net, supervisor, &req, fds, &mask);
			if (setns(home_net, CLONE_NEWNET) < 0)
				_exit(1);
			continue;
		}
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		_exit(n == 0 ? 0 : 1); /* the supervisor let it go, or a request it cannot vouch for */
	}
}

/* The spawner forked, on a stack of its own (the supervisor's is mostly not copied: start.c). 0, or -1. */
static int spawner_start(int mnt_template)
{
	static char *stack;
	if (!stack) {
		char *p = mmap(NULL, SPAWNER_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
			       -1, 0);
		if (p == MAP_FAILED)
			return -1;
		stack = p;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	start_args.sock = sv[1];
	start_args.mnt_template = mnt_template;
	start_args.supervisor = getpid();
	struct clone_args_v2 args;
	memset(&args, 0, sizeof args);
	args.exit_signal = SIGCHLD;
	args.stack = (uint64_t)(uintptr_t)stack;
	args.stack_size = SPAWNER_STACK;
	long pid = proctor_clone3_call(&args, sizeof args, spawner_main, &start_args);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	spawner = (pid_t)pid;
	spawner_sock = sv[0];
	return 0;
}

/* The spawner gone or of no more use: killed and reaped. */
static void spawner_lost(void)
{
	close(spawner_sock);
	spawner_sock = -1;
	kill(spawner, SIGKILL);
	waitpid(spawner, NULL, 0);
	spawner = 0;
}

long spawn_pid1(uid_t uid_base, int cpu, int netns, struct prepared *prep, int sock, int *pidfd)
{
	if (spawner_sock < 0 && spawner_start(prep->mnt_template) < 0)
		return -1;
	struct spawn_req req = { .uid_base = uid_base };
	if (cpu >= 0) {
		CPU_ZERO(&req.mask);
		CPU_SET(cpu, &req.mask);
	} else if (sched_getaffinity(0, sizeof req.mask, &req.mask) < 0) {
		return -1;
	}
	int fds[SPAWN_FDS] = { netns, prep->out[1], prep->err[1], prep->status[1], prep->report[1], prep->sync[0], prep->dev, sock };
	if (send_with_fds(spawner_sock, &req, sizeof req, fds, SPAWN_FDS) < 0) {
		spawner_lost(); /* killed with its last pid 1, say: the next one gets a new spawner */
		return -1;
	}
	struct spawn_reply reply;
	int got[1], ngot;
	ssize_t n = receive(spawner_sock, &reply, sizeof reply, got, 1, &ngot);
	if (n != (ssize_t)sizeof reply || (reply.pid > 0) != (ngot == 1)) {
		for (int i = 0; i < ngot; i++)
			close(got[i]);
		spawner_lost();
		/* a pid 1 may have been cloned with prep's and sock's ends: none of them may serve another */
		errno = EPIPE;
		return -2;
	}
	if (reply.pid <= 0) {
		errno = reply.err;
		return -1;
	}
	*pidfd = got[0];
	return (long)reply.pid;
}

const int *spawn_sock(void)
{
	return &spawner_sock;
}

void spawn_release(void)
{
	if (spawner_sock >= 0)
		spawner_lost();
}
#else
long spawn_pid1(uid_t uid_base, int cpu, int netns, struct prepared *prep, int sock, int *pidfd)
{
	errno = ENOSYS;
	return -1;
}

static const int no_spawner = -1;

const int *spawn_sock(void)
{
	return &no_spawner;
}

void spawn_release(void)
{
}
#endif
