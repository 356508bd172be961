/*
 * Failures, named by their step (one table of names): from inside the new process to the
 * supervisor on the report fd, and from the supervisor to the engine as an error= reply.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "launcher.h"

static int report_fd = -1;

static const char *const names[] = {
	[STEP_SPEC] = "spec", [STEP_OPEN] = "open", [STEP_CLONE] = "clone", [STEP_IDMAP] = "idmap",
	[STEP_SYNC] = "sync", [STEP_CGROUP] = "cgroup", [STEP_HOSTNAME] = "hostname",
	[STEP_NETWORK] = "network", [STEP_MOUNTS] = "mounts", [STEP_PIVOT_ROOT] = "pivot_root",
	[STEP_FORK] = "fork", [STEP_STDIO] = "stdio", [STEP_DROP_PRIVS] = "drop_privs",
	[STEP_RLIMITS] = "rlimits", [STEP_NO_NEW_PRIVS] = "no_new_privs",
	[STEP_CLOSE_FDS] = "close_fds", [STEP_SECCOMP] = "seccomp", [STEP_EXEC] = "exec",
	[STEP_COUNTERS] = "counters", [STEP_PID1_HARDEN] = "pid1_harden",
	[STEP_OOM_SCORE_ADJ] = "oom_score_adj", [STEP_SETUP] = "setup",
};

const char *step_name(enum step step)
{
	return names[step];
}

void report_set_fd(int fd)
{
	report_fd = fd;
}

void fail_errno(enum step step, int err, const char *detail)
{
	char line[512];
	int n = snprintf(line, sizeof line, "step=%s errno=%d detail=%s\n", names[step], err,
			 detail ? detail : "");
	if (report_fd >= 0 && n > 0) {
		ssize_t ignored = write(report_fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
		(void)ignored;
	}
	_exit(127);
}

void fail(enum step step)
{
	fail_errno(step, errno, NULL);
}

void send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n <= 0 && errno != EINTR)
			return;
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		}
	}
}

void reply_error(int conn, enum step step, int err, const char *detail)
{
	char line[800];
	int n = snprintf(line, sizeof line, "error=step=%s errno=%d (%s) detail=%s\nend\n", names[step], err,
			 strerror(err), detail ? detail : "");
	send_all(conn, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
	_exit(0);
}
