/*
 * A pid 1 cloned ahead of its spec (start.c, start_ahead) is handed its run here: the supervisor sends it
 * one message on the socket pair made for it (SOCK_SEQPACKET: the message whole, or nothing), and pid 1
 * takes from it what a pid 1 cloned for its spec finds in its copy of the supervisor's memory: the spec
 * (its bytes, parsed again by pid 1), the seccomp program, the CPU placement, and the descriptors the
 * supervisor opened for the run (stdin, a joined run's stdout FIFO, the cgroup tasks files, the mount
 * trees), passed with SCM_RIGHTS. A spec whose message would not fit (AHEAD_MSG_MAX, AHEAD_FDS_MAX) is
 * not handed over: its run is cloned for it, as every run was before.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "launcher.h"

struct ahead_head {
	uint32_t bpf_len, spec_len;
	int32_t nfds;
	int32_t fifo;        /* 1: the second descriptor is the job's stdout (a FIFO) */
	int32_t cpu_restore; /* 1: the job gets cpu_before back before its execve (cpupin.c) */
	int32_t argc, envc, nlayers, nbinds, nro; /* the sizes of the spec's lists */
	cpu_set_t cpu_before;
};

/* stdin, a FIFO, the tasks files, every layer and bind, /box */
static int fds_of(const struct spec *s, int fifo)
{
	return 2 + fifo + s->ntasks + s->nlayers + s->nbinds;
}

int ahead_fits(const struct spec *s, size_t spec_len, size_t bpf_len)
{
	return fds_of(s, s->stdout_fifo != NULL) <= AHEAD_FDS_MAX &&
	       sizeof(struct ahead_head) + bpf_len + spec_len <= AHEAD_MSG_MAX && bpf_len % 8 == 0;
}

int ahead_send(int sock, const struct spec *s, const char *spec, size_t spec_len, const void *bpf, size_t bpf_len,
	       int in, int fifo, const int *tasks, const struct trees *t, int cpu_restore, const cpu_set_t *cpu_before)
{
	struct ahead_head head = {
		.bpf_len = (uint32_t)bpf_len, .spec_len = (uint32_t)spec_len, .fifo = fifo >= 0, .cpu_restore = cpu_restore,
		.argc = s->argc, .envc = s->envc, .nlayers = s->nlayers, .nbinds = s->nbinds, .nro = s->nro,
		.cpu_before = *cpu_before,
	};
	int fds[AHEAD_FDS_MAX], n = 0;
	fds[n++] = in;
	if (fifo >= 0)
		fds[n++] = fifo;
	for (int i = 0; i < s->ntasks; i++)
		fds[n++] = tasks[i];
	for (int i = 0; i < s->nlayers; i++)
		fds[n++] = t->layer[i];
	for (int i = 0; i < s->nbinds; i++)
		fds[n++] = t->bind[i];
	fds[n++] = t->box;
	head.nfds = n;
	struct iovec iov[3] = {
		{ .iov_base = &head, .iov_len = sizeof head },
		{ .iov_base = (void *)bpf, .iov_len = bpf_len },
		{ .iov_base = (void *)spec, .iov_len = spec_len },
	};
	union {
		char buf[CMSG_SPACE(sizeof(int) * AHEAD_FDS_MAX)];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = iov, .msg_iovlen = 3, .msg_control = control.buf,
		.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
	ssize_t sent;
	while ((sent = sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
	}
	if (sent < 0)
		return -1;
	if ((size_t)sent != sizeof head + bpf_len + spec_len) {
		errno = EMSGSIZE; /* cannot happen on a SOCK_SEQPACKET socket: a message is sent whole or not at all */
		return -1;
	}
	return 0;
}

/* The message, into buf (its whole length): what pid 1 needs of it put in s, lists, in, t and tasks. */
static void receive(int sock, struct spec *s, const struct spec_room *room, struct pid1_input *in,
		    struct trees *t, int *tasks, char *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * AHEAD_FDS_MAX)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
	ssize_t n;
	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
	}
	if (n == 0)
		_exit(0); /* the supervisor let this pid 1 go without a run */
	if (n < 0 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		fail_errno(STEP_SYNC, n < 0 ? errno : EMSGSIZE, "the run's message");
	close(sock);
	int fds[AHEAD_FDS_MAX], nfds = 0;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
		nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(fds, CMSG_DATA(c), sizeof(int) * (size_t)nfds);
	}
	struct ahead_head head;
	if ((size_t)n < sizeof head)
		fail_errno(STEP_SYNC, EPROTO, "the run's message");
	memcpy(&head, buf, sizeof head);
	if (head.nfds != nfds || sizeof head + (size_t)head.bpf_len + (size_t)head.spec_len != (size_t)n)
		fail_errno(STEP_SYNC, EPROTO, "the run's message");
	char *spec = buf + sizeof head + head.bpf_len;
	const char *bad = NULL;
	if (spec_parse_into(spec, head.spec_len, s, room, &bad) < 0)
		fail_errno(STEP_SPEC, EINVAL, bad);
	if (fds_of(s, head.fifo != 0) != nfds || s->ntasks > 16)
		fail_errno(STEP_SYNC, EPROTO, "the run's descriptors");
	int k = 0;
	in->stdin_fd = fds[k++];
	if (head.fifo) { /* the pipe's write end made ahead is not the job's stdout: pid 1 drops it (harden_pid1) */
		in->stdout_fd = fds[k++];
		in->out_pipe = 0;
	}
	for (int i = 0; i < s->ntasks; i++)
		tasks[i] = fds[k++];
	t->dev = in->trees->dev;
	for (int i = 0; i < s->nlayers; i++)
		t->layer[i] = fds[k++];
	for (int i = 0; i < s->nbinds; i++)
		t->bind[i] = fds[k++];
	t->box = fds[k++];
	in->bpf = head.bpf_len ? buf + sizeof head : NULL;
	in->bpf_len = head.bpf_len;
	in->cpu_restore = head.cpu_restore;
	in->cpu_before = head.cpu_before;
}

/* A list's room: n entries, at least one (no array of length 0) */
#define ROOM(n) ((n) > 0 ? (n) : 1)

void ahead_receive(int sock, struct pid1_input *in, int counters, mode_t job_umask, ahead_run_fn run)
{
	struct ahead_head head;
	ssize_t len;
	/* the message's head, without taking it, and its whole length (a unix SOCK_SEQPACKET message's, with MSG_TRUNC) */
	while ((len = recv(sock, &head, sizeof head, MSG_PEEK | MSG_TRUNC)) < 0 && errno == EINTR) {
	}
	if (len == 0)
		_exit(0); /* the supervisor let this pid 1 go without a run */
	if (len < (ssize_t)sizeof head || len > AHEAD_MSG_MAX || head.argc < 1 || head.argc > MAX_ARGV ||
	    head.envc < 0 || head.envc > MAX_ARGV || head.nlayers < 0 || head.nlayers > MAX_ITEMS ||
	    head.nbinds < 0 || head.nbinds > MAX_ITEMS || head.nro < 0 || head.nro > MAX_ITEMS)
		fail_errno(STEP_SYNC, len < 0 ? errno : EMSGSIZE, "the run's message");
	/*
	 * The spec's strings and the program stay in buf, and its lists in theirs, on this frame for the rest of
	 * pid 1's life: each sized to this spec (a few pages of pid 1's stack touched, not 26 KiB of lists).
	 */
	char buf[len] __attribute__((aligned(8)));
	char *argv[head.argc + 1], *env[in->env_room ? 1 : head.envc + 1], *layers[ROOM(head.nlayers)], *ro[ROOM(head.nro)];
	struct bind binds[ROOM(head.nbinds)];
	struct spec_room room = {
		.argv = argv, .envp = in->env_room ? in->env_room : env, .layers = layers, .binds = binds, .ro_paths = ro, .argv_max = head.argc,
		.envp_max = head.envc, .layers_max = head.nlayers, .binds_max = head.nbinds, .ro_max = head.nro,
	};
	struct spec s;
	struct trees t;
	int tasks[16];
	receive(sock, &s, &room, in, &t, tasks, buf, (size_t)len);
	in->tasks_fds = tasks;
	in->trees = &t;
	run(&s, in, counters, job_umask); /* never returns: it ends in the job's execve or pid 1's _exit */
	_exit(127);
}
