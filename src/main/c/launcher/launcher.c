/*
 * proctor-launcher: the only code that runs between fork and exec of a job.
 *
 *   proctor-launcher serve SOCKET   long-lived: accepts one connection per run and forks a
 *                                   supervisor for it (go-judge's pre-forked-worker idea: the JVM
 *                                   spawns nothing per run). Exits when its stdin closes, i.e.
 *                                   when the JVM that started it is gone.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

static void on_sigchld(int sig)
{
	(void)sig; /* only wakes ppoll */
}

static int serve(const char *path)
{
	/* the launcher must not outlive the service that owns it */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/*
	 * Supervisors are reaped here (not left to the kernel by ignoring SIGCHLD), so that their CPU,
	 * and that of every pid 1 and job they reaped, adds up in this process's children's times
	 * (what `./proctor bench sandbox` counts as the engine's CPU). SIGCHLD is only let in during
	 * ppoll, so none is lost between a reap and the next wait.
	 */
	sigset_t chld, during_poll;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &during_poll);
	sigdelset(&during_poll, SIGCHLD);
	struct sigaction sa = { .sa_handler = on_sigchld };
	sigaction(SIGCHLD, &sa, NULL); /* no SA_RESTART: ppoll returns EINTR */
	signal(SIGPIPE, SIG_IGN);
	int lfd = listen_on(path);
	if (lfd < 0) {
		fprintf(stderr, "proctor-launcher: listen on %s: %s\n", path, strerror(errno));
		return 1;
	}
	int pool = netpool_start(); /* -1: every run makes its own network namespace */
	printf("ready\n");
	fflush(stdout);
	struct pollfd fds[2] = { { .fd = lfd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
	for (;;) {
		int pr = ppoll(fds, 2, NULL, &during_poll);
		int poll_err = errno;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (pr < 0) {
			if (poll_err == EINTR)
				continue;
			return 1;
		}
		if (fds[1].revents) /* stdin readable or closed: the JVM is gone or asks us to stop */
			return 0;
		if (!(fds[0].revents & POLLIN))
			continue;
		int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0)
			continue;
		pid_t self = getpid();
		int netns = netpool_take(pool);
		pid_t pid = fork();
		if (pid == 0) {
			close(lfd);
			if (pool >= 0)
				close(pool);
			sigprocmask(SIG_UNBLOCK, &chld, NULL);
			signal(SIGCHLD, SIG_DFL);
			supervise(conn, self, netns);
		}
		close(conn);
		if (netns >= 0)
			close(netns);
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2]);
	fprintf(stderr, "usage: proctor-launcher serve SOCKET\n");
	return 2;
}
