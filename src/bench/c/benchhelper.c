/*
 * proctor-bench-helper: the C side of `./proctor bench sandbox`. It measures, on the JVM's request
 * (one command a line on stdin, one answer a line on stdout), so that its runs interleave with the
 * engine's:
 *   bare          one fork + execve + waitpid of ARGV with spec 0's environment (the job's, as the
 *                 launcher and the floor exec it, not this process's): "WALL_NS CPU_NS" (CPU: getrusage
 *                 of this process and its children, so the fork, the exec and the program all count)
 *   bare2 N       N runs of ARGV, 2 at a time: "ELAPSED_NS CPU_NS"; bare1 N: one at a time
 *   launch I      spec I sent to the helper's own launcher server, its reply read to the end:
 *                 "WALL_NS FAILED" (FAILED 0 when the reply says exit_code=0, else 1)
 *   launch2 N     N launches, 2 at a time (specs 0 and 1): "ELAPSED_NS FAILED"; launch1 N: one at a
 *                 time (spec 0)
 *   cpu           "SERVER_CPU_NS SELF_CPU_NS": the launcher server with every supervisor it reaped
 *                 (so every pid 1 and job too), from /proc (clock ticks), and this process
 *   floor I       the kernel floor (see "The floor" below) with spec I's image, cgroups, user ids,
 *                 work directory and seccomp program: "WALL_NS CPU_NS FAILED" like bare
 *   floor2 N      N floor runs, 2 at a time (specs 0 and 1): "ELAPSED_NS CPU_NS FAILED"; floor1 N: one
 *                 at a time (spec 0)
 *
 * Usage: proctor-bench-helper LAUNCHER SOCKET SPEC0 SPEC1 -- ARGV...
 * The launcher server is this process's child and stops when this process ends (its stdin closes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char **run_argv;
/* the job's environment for the bare runs: spec 0's env entries (floor_parse) */
static char **bare_env;
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
		execve(run_argv[0], run_argv, bare_env);
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

/* n runs, width (1 or 2) at a time */
static void bare_n(int n, int width)
{
	long long c0 = self_and_children_ns(), t0 = now_ns();
	int started = 0, running = 0, failed = 0;
	while (started < n && running < width) {
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

/* n launches, width (1 or 2) at a time: specs 0 and 1 */
static void launch_n(int n, int width)
{
	long long t0 = now_ns();
	int fds[2] = { -1, -1 }, started = 0, done = 0, failed = 0;
	for (int s = 0; s < width && started < n; s++, started++)
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

/*
 * A process with the children it reaped, and every live descendant likewise (utime + stime + cutime + cstime
 * of each), in ns: the server, every supervisor with each pid 1 and job it reaped, the network namespace maker,
 * and a supervisor's spawner (its child for as long as it lives: a child's child, which counting the server's
 * children alone missed) with the pid 1s it made that still wait. Every process here has one thread, so its
 * children are /proc/PID/task/PID/children.
 */
static long long tree_cpu_ns(int pid, int depth)
{
	long long total = process_cpu_ns(pid);
	if (total < 0)
		return 0; /* gone since its parent listed it: its time is in the parent's reaped count */
	if (depth >= 16)
		return total;
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", pid, pid);
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	char *save = NULL;
	for (char *p = strtok_r(buf, " \n", &save); p; p = strtok_r(NULL, " \n", &save))
		total += tree_cpu_ns(atoi(p), depth + 1);
	return total;
}

static long long server_cpu_ns(void)
{
	return tree_cpu_ns((int)server, 0);
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

/*
 * The floor: the kernel work of a sandboxed run done the cheapest way, in C, with no launcher and no
 * JVM, measured in the same rounds as the others (issue 11's "cheapest full stack in C"). From spec I
 * it takes the image layers and host binds (the host image's /usr, without which there is no program
 * to run), the cgroup tasks files (v2: the cgroup directory), uid_base, the work directory (box), the
 * environment, the disk size and the seccomp program (read once, as the launcher keeps it), i.e. the
 * engine's own. Here (host root), before the clone: the tasks files are opened (on the first run only: kept
 * open from run to run, as the launcher's supervisors keep their runs' cgroup files), each layer, bind and
 * the box are cloned as detached mount trees (open_tree; inside the user namespace the child could
 * neither reach the 0700 state directory nor mount host paths: it only attaches them), a sync pipe.
 * Then clone3 into all 8 namespaces (user, mount, pid, uts, ipc, net, cgroup, time); this side writes
 * uid_map and gid_map ("0 UID_BASE 65536") and lets the child go. The child: setresgid/setresuid 0
 * (root of its user namespace: it was cloned as host root, unmapped there), writes "0" into each tasks
 * file, mounts a tmpfs (the spec's disk size and inodes) on /tmp of its copy of the host's mount
 * table, attaches the layers there and mounts an overlay of them (upper and work on the tmpfs),
 * attaches the binds and the box as /box, mounts a fresh proc (hidepid=invisible, subset=pid, as the
 * engine's), pivot_root + detach of the old root, no_new_privs, the seccomp program with prctl, and
 * execs ARGV (stdio /dev/null, cwd /box, the spec's environment). Like the engine's supervisor, this
 * side holds the run's mount namespace until the run has been reaped: its tear-down (closing the fd)
 * counts in the CPU, not in the wall time.
 *
 * What the floor leaves out, compared with the engine (so that the comparison reads right): no /dev,
 * /tmp, /dev/shm or read-only image paths (the engine's "ro", /etc); no "make / rprivate" (the clone
 * into a new user namespace already made every copied mount a slave); no supervisor protocol (no spec
 * sent, no reply, no captured stdout/stderr, no counters read, no timeline samples, no wall/CPU/output
 * limit enforced); no pid 1 + job split (the child is pid 1 and execs the program itself: no fork, no
 * reaper seccomp, no bounding of the user namespace's counters); no hostname, no loopback or prepared
 * network namespace (a fresh one per run, as the clone makes it; its tear-down runs later in a kernel
 * worker, whose CPU is not counted); no capability, uid or rlimit drop (the program runs as root of
 * its user namespace); no oom_score_adj; no mount namespace template (the clone copies the host's
 * mount table, a few dozen mounts here). The user namespace is owned by host root (the engine makes it
 * as the run's own uid). On cgroup v1 the cgroup namespace is made by the clone, before the move (the
 * engine unshares it after, so that the job sees its own cgroup as the root).
 */
struct floor_spec {
	char *layers[64];
	int nlayers;
	char *bind_src[16], *bind_dst[16];
	int bind_ro[16], nbinds;
	char *tasks[16];
	int ntasks;
	int tasks_fd[16]; /* opened on the first run, kept (as a supervisor keeps its runs' cgroup files) */
	int tasks_open;
	char *cgroup_dir;
	char *box;
	char *env[256];
	char tmpfs_opts[96];
	unsigned uid_base;
	struct sock_fprog seccomp;
};

static struct floor_spec floors[2];
static int dev_null = -1;

struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
		cgroup;
};

static void floor_parse(int i)
{
	struct floor_spec *f = &floors[i];
	const char *disk = "67108864", *inodes = "16384";
	int nenv = 0;
	/* a copy, cut up in place (the launcher is sent the original); kept for the helper's life */
	char *copy = malloc(spec_len[i]), *end = copy + spec_len[i], *next;
	if (!copy)
		die("malloc");
	memcpy(copy, specs[i], spec_len[i]);
	for (char *p = copy; p < end && *p; p = next) {
		next = p + strnlen(p, (size_t)(end - p)) + 1;
		char *v = strchr(p, '=');
		if (!v)
			continue;
		v++;
		if (strncmp(p, "layer=", 6) == 0 && f->nlayers < 64)
			f->layers[f->nlayers++] = v;
		else if (strncmp(p, "bind=", 5) == 0 && f->nbinds < 16) {
			/* "SRC\tDST\tro|rw" */
			char *dst = strchr(v, '\t'), *mode = dst ? strchr(dst + 1, '\t') : NULL;
			if (!mode) {
				fprintf(stderr, "proctor-bench-helper: spec %d: bad bind=%s\n", i, v);
				exit(1);
			}
			*dst++ = '\0';
			*mode++ = '\0';
			f->bind_src[f->nbinds] = v;
			f->bind_dst[f->nbinds] = dst;
			f->bind_ro[f->nbinds++] = strcmp(mode, "rw") != 0;
		} else if (strncmp(p, "tasks=", 6) == 0 && f->ntasks < 16)
			f->tasks[f->ntasks++] = v;
		else if (strncmp(p, "cgroup_dir=", 11) == 0)
			f->cgroup_dir = v;
		else if (strncmp(p, "box=", 4) == 0)
			f->box = v;
		else if (strncmp(p, "env=", 4) == 0 && nenv < 255)
			f->env[nenv++] = v;
		else if (strncmp(p, "uid_base=", 9) == 0)
			f->uid_base = (unsigned)strtoul(v, NULL, 10);
		else if (strncmp(p, "disk_bytes=", 11) == 0)
			disk = v;
		else if (strncmp(p, "disk_inodes=", 12) == 0)
			inodes = v;
		else if (strncmp(p, "seccomp=", 8) == 0) {
			size_t len;
			f->seccomp.filter = (struct sock_filter *)read_file(v, &len);
			f->seccomp.len = (unsigned short)(len / sizeof(struct sock_filter));
		}
	}
	f->env[nenv] = NULL;
	snprintf(f->tmpfs_opts, sizeof f->tmpfs_opts, "size=%s,nr_inodes=%s,mode=0700", disk, inodes);
	if (f->nlayers == 0 || !f->box || !f->uid_base) {
		fprintf(stderr, "proctor-bench-helper: spec %d lacks layer=, box= or uid_base=\n", i);
		exit(1);
	}
}

/* A step of the floor's child failed: says which on the helper's stderr (while it still has it). */
static void __attribute__((noreturn)) floor_fail(const char *step, int code)
{
	fprintf(stderr, "proctor-bench-helper: floor: %s: %s\n", step, strerror(errno));
	_exit(code);
}

static int floor_attach(int tree, const char *target)
{
	return (int)syscall(SYS_move_mount, tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
}

static void __attribute__((noreturn)) floor_child(const struct floor_spec *f, int sync_fd, const int *tasks,
						  const int *layers, const int *binds, int box)
{
	char c, lower[64 * 12 + 16], name[16], target[4096];
	if (read(sync_fd, &c, 1) != 1)
		_exit(101);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		floor_fail("setresuid 0", 102);
	for (int i = 0; i < f->ntasks; i++)
		if (write(tasks[i], "0", 1) != 1)
			floor_fail(f->tasks[i], 103);
	if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f->tmpfs_opts) < 0 || chdir("/tmp") < 0)
		floor_fail("tmpfs", 104);
	if (mkdir("upper", 0755) < 0 || mkdir("work", 0755) < 0 || mkdir("root", 0755) < 0)
		floor_fail("mkdir", 105);
	size_t used = (size_t)snprintf(lower, sizeof lower, "lowerdir=");
	for (int i = 0; i < f->nlayers; i++) {
		snprintf(name, sizeof name, "l%d", i);
		if (mkdir(name, 0700) < 0 || floor_attach(layers[i], name) < 0)
			floor_fail("attach a layer", 106);
		used += (size_t)snprintf(lower + used, sizeof lower - used, "%s%s", i ? ":" : "", name);
	}
	snprintf(lower + used, sizeof lower - used, ",upperdir=upper,workdir=work,userxattr");
	if (mount("overlay", "root", "overlay", MS_NOSUID | MS_NODEV, lower) < 0)
		floor_fail("overlay", 107);
	for (int i = 0; i < f->nbinds; i++) {
		snprintf(target, sizeof target, "root%s%s", f->bind_dst[i][0] == '/' ? "" : "/", f->bind_dst[i]);
		if (floor_attach(binds[i], target) < 0)
			floor_fail(f->bind_dst[i], 115);
	}
	if (floor_attach(box, "root/box") < 0 && (errno != ENOENT || mkdir("root/box", 0755) < 0 ||
						   floor_attach(box, "root/box") < 0))
		floor_fail("/box", 108);
	if (mount("proc", "root/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible,subset=pid") < 0)
		floor_fail("/proc", 109);
	if (chdir("root") < 0 || syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 ||
	    chdir("/box") < 0)
		floor_fail("pivot_root", 110);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		floor_fail("no_new_privs", 111);
	if (dup2(dev_null, 0) < 0 || dup2(dev_null, 1) < 0 || dup2(dev_null, 2) < 0)
		_exit(112);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &f->seccomp, 0, 0) < 0)
		_exit(113);
	execve(run_argv[0], run_argv, f->env);
	_exit(114);
}

static void floor_write(int dir, const char *file, const char *data)
{
	int fd = openat(dir, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		die(file);
	close(fd);
}

/* Starts a floor run of spec i: its pid; *mntns: its mount namespace, held until it has been reaped. */
static pid_t floor_start(int i, int *mntns)
{
	struct floor_spec *f = &floors[i];
	int *tasks = f->tasks_fd, layers[64], binds[16], sync[2], cgroup = -1;
	for (int k = 0; k < f->ntasks && !f->tasks_open; k++)
		if ((tasks[k] = open(f->tasks[k], O_WRONLY | O_CLOEXEC)) < 0)
			die(f->tasks[k]);
	f->tasks_open = 1;
	unsigned ro = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
	struct mount_attr layer_attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
	struct mount_attr box_attr = { .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
	for (int k = 0; k < f->nlayers; k++)
		if ((layers[k] = (int)syscall(SYS_open_tree, AT_FDCWD, f->layers[k], ro)) < 0 ||
		    syscall(SYS_mount_setattr, layers[k], "", AT_EMPTY_PATH, &layer_attr, sizeof layer_attr) < 0)
			die(f->layers[k]);
	/* host binds (the host image's /usr) with everything below them, as the launcher clones them */
	for (int k = 0; k < f->nbinds; k++) {
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
						       (f->bind_ro[k] ? MOUNT_ATTR_RDONLY : 0) };
		if ((binds[k] = (int)syscall(SYS_open_tree, AT_FDCWD, f->bind_src[k], ro | AT_RECURSIVE)) < 0 ||
		    syscall(SYS_mount_setattr, binds[k], "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
			die(f->bind_src[k]);
	}
	int box = (int)syscall(SYS_open_tree, AT_FDCWD, f->box, ro);
	if (box < 0 || syscall(SYS_mount_setattr, box, "", AT_EMPTY_PATH, &box_attr, sizeof box_attr) < 0)
		die(f->box);
	if (pipe2(sync, O_CLOEXEC) < 0)
		die("pipe");
	struct clone_args_v2 args;
	memset(&args, 0, sizeof args);
	args.flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
		     CLONE_NEWCGROUP | CLONE_NEWTIME;
	if (f->cgroup_dir) { /* v2: born in the run's cgroup */
		if ((cgroup = open(f->cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			die(f->cgroup_dir);
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup;
	}
	args.exit_signal = SIGCHLD;
	long pid = syscall(SYS_clone3, &args, sizeof args);
	if (pid == 0) {
		close(sync[1]);
		floor_child(f, sync[0], tasks, layers, binds, box);
	}
	if (pid < 0)
		die("clone3");
	char path[64], map[64];
	snprintf(path, sizeof path, "/proc/%ld", pid);
	int dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		die(path);
	snprintf(map, sizeof map, "0 %u 65536\n", f->uid_base);
	floor_write(dir, "uid_map", map);
	floor_write(dir, "gid_map", map);
	if ((*mntns = openat(dir, "ns/mnt", O_RDONLY | O_CLOEXEC)) < 0)
		die("ns/mnt");
	if (write(sync[1], "g", 1) != 1)
		die("sync");
	close(dir);
	close(sync[0]);
	close(sync[1]);
	for (int k = 0; k < f->nlayers; k++)
		close(layers[k]);
	for (int k = 0; k < f->nbinds; k++)
		close(binds[k]);
	close(box);
	if (cgroup >= 0)
		close(cgroup);
	return (pid_t)pid;
}

/* 0 when the run exited 0; else 1, and its status on stderr (the child's own codes: 101-115, its step) */
static int floor_status(int st)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	fprintf(stderr, "proctor-bench-helper: a floor run ended with %s %d\n",
		WIFEXITED(st) ? "exit code" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return 1;
}

static void floor_one(int i)
{
	int mntns, st;
	long long c0 = self_and_children_ns(), t0 = now_ns();
	pid_t pid = floor_start(i, &mntns);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	int failed = floor_status(st);
	long long t1 = now_ns();
	close(mntns);
	long long c1 = self_and_children_ns();
	printf("%lld %lld %d\n", t1 - t0, c1 - c0, failed);
}

/* n floor runs, width (1 or 2) at a time: specs 0 and 1 */
static void floor_n(int n, int width)
{
	long long c0 = self_and_children_ns(), t0 = now_ns();
	pid_t pids[2] = { -1, -1 };
	int mntns[2] = { -1, -1 }, started = 0, running = 0, failed = 0;
	for (int s = 0; s < width && started < n; s++, started++, running++)
		pids[s] = floor_start(s, &mntns[s]);
	while (running > 0) {
		int st;
		pid_t pid = wait(&st);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			die("wait");
		}
		int s = pid == pids[0] ? 0 : pid == pids[1] ? 1 : -1;
		if (s < 0)
			continue;
		failed += floor_status(st);
		running--;
		close(mntns[s]);
		pids[s] = -1;
		if (started < n) {
			pids[s] = floor_start(s, &mntns[s]);
			started++;
			running++;
		}
	}
	long long t1 = now_ns(), c1 = self_and_children_ns();
	printf("%lld %lld %d\n", t1 - t0, c1 - c0, failed);
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
	floor_parse(0);
	floor_parse(1);
	bare_env = floors[0].env;
	if ((dev_null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		die("/dev/null");
	signal(SIGPIPE, SIG_IGN);
	start_server(argv[1]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	char line[128];
	while (fgets(line, sizeof line, stdin)) {
		int n = 0;
		int width = 0;
		if (sscanf(line, "bare%d %d", &width, &n) == 2 && (width == 1 || width == 2) && line[5] == ' ')
			bare_n(n, width);
		else if (strcmp(line, "bare\n") == 0)
			bare();
		else if (sscanf(line, "launch%d %d", &width, &n) == 2 && (width == 1 || width == 2) && line[7] == ' ')
			launch_n(n, width);
		else if (strncmp(line, "launch ", 7) == 0 && sscanf(line + 7, "%d", &n) == 1 && (n == 0 || n == 1))
			launch(n);
		else if (sscanf(line, "floor%d %d", &width, &n) == 2 && (width == 1 || width == 2) && line[6] == ' ')
			floor_n(n, width);
		else if (strncmp(line, "floor ", 6) == 0 && sscanf(line + 6, "%d", &n) == 1 && (n == 0 || n == 1))
			floor_one(n);
		else if (strcmp(line, "cpu\n") == 0)
			printf("%lld %lld\n", server_cpu_ns(), cpu_ns(RUSAGE_SELF));
		else if (strcmp(line, "quit\n") == 0)
			break;
		else
			printf("error unknown command\n");
	}
	return 0;
}
