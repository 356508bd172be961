/*
 * proctor-bench-helper: the C side of `./proctor bench sandbox`. It measures, on the JVM's request
 * (one command a line on stdin, one answer a line on stdout), so that its runs interleave with the
 * engine's:
 *   bare          one fork + execve + waitpid of ARGV: "WALL_NS CPU_NS" (CPU: getrusage of this
 *                 process and its children, so the fork, the exec and the program all count)
 *   bare2 N       N runs of ARGV, 2 at a time: "ELAPSED_NS CPU_NS"
 *   launch I      spec I sent to the helper's own launcher server, its reply read to the end:
 *                 "WALL_NS OK" (OK 1 when the reply says exit_code=0)
 *   launch2 N     N launches, 2 at a time (specs 0 and 1): "ELAPSED_NS FAILED"
 *   cpu           "SERVER_CPU_NS SELF_CPU_NS": the launcher server with every supervisor it reaped
 *                 (so every pid 1 and job too), from /proc (clock ticks), and this process
 *
 * Usage: proctor-bench-helper LAUNCHER SOCKET SPEC0 SPEC1 -- ARGV...
 * The launcher server is this process's child and stops when this process ends (its stdin closes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char **run_argv;
static char *specs[2];
static size_t spec_len[2];
static const char *socket_path;
static pid_t server;

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long tv_ns(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000000LL + (long long)tv.tv_usec * 1000LL;
}

static long long cpu_ns(int who)
{
	struct rusage ru;
	getrusage(who, &ru);
	return tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime);
}

static long long self_and_children_ns(void)
{
	return cpu_ns(RUSAGE_SELF) + cpu_ns(RUSAGE_CHILDREN);
}

static void die(const char *what)
{
	fprintf(stderr, "proctor-bench-helper: %s: %s\n", what, strerror(errno));
	exit(1);
}

static pid_t spawn(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execve(run_argv[0], run_argv, environ);
		_exit(127);
	}
	if (pid < 0)
		die("fork");
	return pid;
}

static int reap(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

static void bare(void)
{
	long long c0 = self_and_children_ns(), t0 = now_ns();
	int failed = reap(spawn());
	long long t1 = now_ns(), c1 = self_and_children_ns();
	printf("%lld %lld %d\n", t1 - t0, c1 - c0, failed);
}

static void bare2(int n)
{
	long long c0 = self_and_children_ns(), t0 = now_ns();
	int started = 0, running = 0, failed = 0;
	while (started < n && running < 2) {
		spawn();
		started++;
		running++;
	}
	while (running > 0) {
		int st;
		if (wait(&st) < 0) {
			if (errno == EINTR)
				continue;
			die("wait");
		}
		failed += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		running--;
		if (started < n) {
			spawn();
			started++;
			running++;
		}
	}
	long long t1 = now_ns(), c1 = self_and_children_ns();
	printf("%lld %lld %d\n", t1 - t0, c1 - c0, failed);
}

/*
 * Each spec names one cgroup, used run after run (the engine takes a fresh one per run): its CPU
 * counter is zeroed before each run on v1 (cpuacct.usage takes "0"), so that the spec's CPU limit
 * stays a limit per run. A v2 counter cannot be zeroed: there the runs add up towards the limit.
 */
static void reset_cpu_counter(int i)
{
	const char *p = specs[i], *end = specs[i] + spec_len[i], *file = NULL;
	int v1 = 0;
	for (; p < end && *p; p += strlen(p) + 1) {
		if (strncmp(p, "cpu_file=", 9) == 0)
			file = p + 9;
		if (strcmp(p, "cpu_format=ns") == 0)
			v1 = 1;
	}
	if (!file || !v1)
		return;
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		die(file);
	close(fd);
}

/* Connects, sends spec i: returns the connection. */
static int launch_start(int i)
{
	reset_cpu_counter(i);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		die("connect to the launcher");
	for (size_t off = 0; off < spec_len[i];) {
		ssize_t w = write(fd, specs[i] + off, spec_len[i] - off);
		if (w <= 0)
			die("send spec");
		off += (size_t)w;
	}
	return fd;
}

/* Reads the reply to its end; 0 when the job exited 0. */
static int launch_finish(int fd)
{
	char buf[8192];
	size_t len = 0;
	for (;;) {
		ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == sizeof buf - 1)
			len = 0; /* samples: only the first lines matter */
	}
	close(fd);
	buf[len] = '\0';
	if (strncmp(buf, "exit_code=0\n", 12) == 0 && strstr(buf, "\nend\n"))
		return 0;
	fprintf(stderr, "proctor-bench-helper: the launcher replied: %s\n", buf);
	return 1;
}

static void launch(int i)
{
	long long t0 = now_ns();
	int failed = launch_finish(launch_start(i));
	printf("%lld %d\n", now_ns() - t0, failed);
}

static void launch2(int n)
{
	long long t0 = now_ns();
	int fds[2] = { -1, -1 }, started = 0, done = 0, failed = 0;
	for (int s = 0; s < 2 && started < n; s++, started++)
		fds[s] = launch_start(s);
	while (done < n) {
		struct pollfd p[2] = { { .fd = fds[0], .events = POLLIN }, { .fd = fds[1], .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (int s = 0; s < 2; s++) {
			if (fds[s] < 0 || !p[s].revents)
				continue;
			failed += launch_finish(fds[s]); /* the reply comes whole at the run's end */
			done++;
			fds[s] = started < n ? launch_start(s) : -1;
			if (fds[s] >= 0)
				started++;
		}
	}
	printf("%lld %d\n", now_ns() - t0, failed);
}

/* utime + stime + cutime + cstime of a process, in ns (from clock ticks). */
static long long process_cpu_ns(int pid)
{
	char path[64], buf[2048];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	unsigned long long v[4] = { 0 };
	/* fields after the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime… */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			 &v[3]) != 4)
		return -1;
	return (long long)(v[0] + v[1] + v[2] + v[3]) * (1000000000LL / sysconf(_SC_CLK_TCK));
}

/* The server with every supervisor it reaped, and its live children (its network namespace maker). */
static long long server_cpu_ns(void)
{
	long long total = process_cpu_ns((int)server);
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)server, (int)server);
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (char *p = strtok(buf, " \n"); p; p = strtok(NULL, " \n")) {
		long long c = process_cpu_ns(atoi(p));
		total += c > 0 ? c : 0;
	}
	return total;
}

static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		die(path);
	char *buf = malloc((size_t)st.st_size);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size)
		die(path);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void start_server(const char *binary)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		die("pipe");
	server = fork();
	if (server == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		char *argv[] = { (char *)binary, "serve", (char *)socket_path, NULL };
		char *envp[] = { NULL };
		execve(binary, argv, envp);
		_exit(127);
	}
	if (server < 0)
		die("fork launcher");
	close(in[0]);
	close(out[1]);
	/* in[1] stays open (close-on-exec) for this process's life: its EOF stops the server */
	char ready[16] = { 0 };
	if (read(out[0], ready, sizeof ready - 1) <= 0 || strncmp(ready, "ready", 5) != 0) {
		fprintf(stderr, "proctor-bench-helper: the launcher did not start\n");
		exit(1);
	}
	close(out[0]);
}

int main(int argc, char **argv)
{
	if (argc < 7 || strcmp(argv[5], "--") != 0) {
		fprintf(stderr, "usage: proctor-bench-helper LAUNCHER SOCKET SPEC0 SPEC1 -- ARGV...\n");
		return 2;
	}
	socket_path = argv[2];
	specs[0] = read_file(argv[3], &spec_len[0]);
	specs[1] = read_file(argv[4], &spec_len[1]);
	run_argv = argv + 6;
	signal(SIGPIPE, SIG_IGN);
	start_server(argv[1]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	char line[128];
	while (fgets(line, sizeof line, stdin)) {
		int n = 0;
		if (strncmp(line, "bare2 ", 6) == 0 && sscanf(line + 6, "%d", &n) == 1)
			bare2(n);
		else if (strcmp(line, "bare\n") == 0)
			bare();
		else if (strncmp(line, "launch2 ", 8) == 0 && sscanf(line + 8, "%d", &n) == 1)
			launch2(n);
		else if (strncmp(line, "launch ", 7) == 0 && sscanf(line + 7, "%d", &n) == 1 && (n == 0 || n == 1))
			launch(n);
		else if (strcmp(line, "cpu\n") == 0)
			printf("%lld %lld\n", server_cpu_ns(), cpu_ns(RUSAGE_SELF));
		else if (strcmp(line, "quit\n") == 0)
			break;
		else
			printf("error unknown command\n");
	}
	return 0;
}
