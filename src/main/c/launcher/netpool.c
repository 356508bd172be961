/*
 * Network namespaces made ahead of the runs. Creating one costs little CPU but waits on the
 * kernel's network-wide locks, which the teardown of the namespaces of runs that just ended holds
 * (cleanup_net waits out RCU grace periods): measured here 1.5 ms a clone without a new network
 * namespace and 7-18 ms with one, on a loaded 2-core machine. So a helper process (the maker, a
 * child of the launcher server) makes them in advance, one at a time, and hands each over as an
 * fd on a socket the server shares with its supervisors; each run's supervisor takes one as it
 * accepts its connection, and joins it before cloning pid 1 (setns, as host root) instead of asking
 * for CLONE_NEWNET. Every namespace is new and serves one run: it
 * holds nothing but a loopback interface that is down, and it belongs to the host's user
 * namespace, so root of the run's user namespace cannot even bring that interface up (runs with
 * network=loopback still make their own, with lo up). When no prepared namespace is ready, the run
 * makes its own, as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "launcher.h"

#define NETPOOL_SPARES 2

static int send_fd(int sock, int fd)
{
	char byte = 'n';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	memset(&u, 0, sizeof u);
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* The maker: one new network namespace per credit byte from the server, until the server is gone. */
static void __attribute__((noreturn)) maker(int sock)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "proctor-netns", 0, 0, 0);
	char credit;
	while (read(sock, &credit, 1) == 1) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1); /* the server notices nothing but an empty pool: runs make their own */
		int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || send_fd(sock, fd) < 0)
			_exit(1);
		close(fd);
	}
	_exit(0);
}

int netpool_start(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		for (int fd = 3; fd < 1024; fd++) /* nothing of the server but its end of the pair */
			if (fd != sv[1])
				close(fd);
		maker(sv[1]);
	}
	close(sv[1]);
	for (int i = 0; i < NETPOOL_SPARES; i++)
		if (write(sv[0], "c", 1) != 1)
			break;
	return sv[0];
}

int netpool_take(int pool)
{
	if (pool < 0)
		return -1;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	if (recvmsg(pool, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof fd);
	if (write(pool, "c", 1) != 1) { /* the maker is gone: this one is still good */
	}
	return fd;
}
