/*
 * Step stamps for measuring where a run's time goes, compiled in only with `make TRACE=1`
 * (-DPROCTOR_TRACE; the product's launcher has none of this). Each stamp is one line
 * "PID STEP MONO_NS" appended to PROCTOR_TRACE_FILE with one write (atomic with O_APPEND). The fd
 * is opened by the supervisor before the clone, so pid 1 inherits it and stamps its steps until it
 * closes its fds (harden_pid1). src/main/c/trace-steps.py turns the file into a table of steps.
 */
#include "launcher.h"

#ifdef PROCTOR_TRACE
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#ifndef PROCTOR_TRACE_FILE
#define PROCTOR_TRACE_FILE "/tmp/proctor-launcher-trace"
#endif

static int trace_fd = -1;

void trace_open(void)
{
	if (trace_fd < 0)
		trace_fd = open(PROCTOR_TRACE_FILE, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

int trace_fd_get(void)
{
	return trace_fd;
}

void trace_stamp(const char *step)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	char line[128];
	int n = snprintf(line, sizeof line, "%d %s %lld\n", (int)getpid(), step,
			 (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	if (trace_fd >= 0 && n > 0) {
		ssize_t ignored = write(trace_fd, line, (size_t)n);
		(void)ignored;
	}
}
#endif
