/*
 * Starting a run, in its supervisor (host root): everything pid 1 needs is opened here (stdio
 * files, cgroup files, pipes, the mount trees), then pid 1 is cloned into every namespace, its id
 * maps are written, and it is let go. A failure is returned with its step: the supervisor answers
 * the engine (this file never writes to the connection; it only closes it in pid 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#include "launcher.h"

#define FIFO_OPEN_TIMEOUT_S 10
#define PROCTOR_STR_(x) #x
#define PROCTOR_STR(x) PROCTOR_STR_(x)

/* The descriptors of one start: [0] the supervisor's end, [1] pid 1's. */
struct start {
	int in, out_fifo, out[2], err[2], status[2], report[2], sync[2];
	int tasks[16];
	int cgroup;
	struct trees trees;
	int mnt_template, mnt_host;  /* struct prepared's */
	pid_t parent;                /* struct prepared's */
	int keep[4];                 /* struct prepared's: the supervisor's own, none of pid 1's business */
	const int *spawner;          /* struct prepared's: the spawner's socket where spawn.c holds it, or NULL */
	int cpu_restore;             /* run_cpu_for_job's, for the job */
	cpu_set_t cpu_before;
};

static void on_alarm(int sig)
{
	(void)sig; /* only interrupts a FIFO open that waits too long */
}

/*
 * stdin, and the stdout FIFO of a run joined to another (launcher.h, stdout_fifo). Opening a FIFO
 * blocks until its far end is opened: both are opened in the order of their paths, so the other
 * run's supervisor, doing the same, opens its ends in the same order and neither waits on an end
 * the other would open second. The alarm bounds the wait when the other run fails before it
 * opens its ends; the engine then reports that run's failure.
 */
static int open_stdio(const struct spec *s, struct start *st)
{
	const char *in = s->stdin_path && *s->stdin_path ? s->stdin_path : "/dev/null";
	st->out_fifo = -1;
	if (!s->stdout_fifo)
		return (st->in = open(in, O_RDONLY | O_CLOEXEC)) < 0 ? -1 : 0;
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART: open fails with EINTR */
	sigaction(SIGALRM, &sa, NULL);
	alarm(FIFO_OPEN_TIMEOUT_S);
	int in_first = strcmp(in, s->stdout_fifo) < 0;
	if (in_first)
		st->in = open(in, O_RDONLY | O_CLOEXEC);
	if (!in_first || st->in >= 0)
		st->out_fifo = open(s->stdout_fifo, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (!in_first && st->out_fifo >= 0)
		st->in = open(in, O_RDONLY | O_CLOEXEC);
	int err = errno;
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	struct stat fifo;
	if (st->in < 0 || st->out_fifo < 0) {
		errno = err == EINTR ? ETIMEDOUT : err;
		return -1;
	}
	if (fstat(st->out_fifo, &fifo) < 0 || !S_ISFIFO(fifo.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static int failed(struct start_failure *why, enum step step, const char *detail)
{
	why->step = step;
	why->err = errno;
	why->detail = detail;
	return -1;
}

/*
 * A capture file, emptied. The engine reuses a run's files, mostly empty ones: O_TRUNC would update
 * an empty file's times through the filesystem's journal on every run; only a file with something
 * in it is truncated.
 */
static int open_capture(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) < 0 || (st.st_size > 0 && ftruncate(fd, 0) < 0))) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* A joined stdout is the FIFO itself: nothing for the supervisor to read, its stdout pipe closed. */
static void join_stdout_fifo(struct start *st)
{
	if (st->out_fifo < 0)
		return;
	for (int i = 0; i < 2; i++)
		if (st->out[i] >= 0) /* a pid 1 made ahead has the write end: the supervisor's copy is gone (-1) */
			close(st->out[i]);
	st->out[0] = -1;
	st->out[1] = st->out_fifo;
}

static int open_files(const struct spec *s, struct start *st, struct started *out, struct start_failure *why)
{
	st->in = -1;
	if (open_stdio(s, st) < 0)
		return failed(why, STEP_OPEN, s->stdout_fifo ? "stdin/stdout FIFOs" : "stdin file");
	TRACE("sup.stdin_opened");
	out->out_file = open_capture(s->stdout_path);
	out->err_file = open_capture(s->stderr_path);
	if (out->out_file < 0 || out->err_file < 0)
		return failed(why, STEP_OPEN, "stdout/stderr files");
	TRACE("sup.captures_opened");
	/* kept open from run to run (cgfiles.c): not closed with the run's other files */
	for (int i = 0; i < s->ntasks; i++)
		if ((st->tasks[i] = cgfiles_open(s->tasks[i], O_WRONLY)) < 0)
			return failed(why, STEP_CGROUP, s->tasks[i]);
	st->cgroup = -1;
	if (s->cgroup_dir && (st->cgroup = open(s->cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return failed(why, STEP_CGROUP, s->cgroup_dir);
	join_stdout_fifo(st);
	const char *at = NULL;
	TRACE("sup.stdio_cgroup_opened");
	if (trees_open(s, &st->trees, &at) < 0)
		return failed(why, STEP_MOUNTS, at);
	TRACE("sup.trees_opened");
	return 0;
}

int start_prepare(struct prepared *p)
{
	p->dev = -1;
	if (pipe2(p->out, O_CLOEXEC) < 0 || pipe2(p->err, O_CLOEXEC) < 0 || pipe2(p->status, O_CLOEXEC) < 0 ||
	    pipe2(p->report, O_CLOEXEC) < 0 || pipe2(p->sync, O_CLOEXEC) < 0)
		return -1;
	p->dev = trees_make_dev();
	return p->dev < 0 ? -1 : 0;
}

/* The prepared pipes and /dev become this start's. */
static void take_pipes(struct start *st, const struct prepared *p)
{
	memcpy(st->out, p->out, sizeof st->out);
	memcpy(st->err, p->err, sizeof st->err);
	memcpy(st->status, p->status, sizeof st->status);
	memcpy(st->report, p->report, sizeof st->report);
	memcpy(st->sync, p->sync, sizeof st->sync);
	st->trees.dev = p->dev;
}

/* Everything prepared becomes this start's. */
static void take_prepared(struct start *st, const struct prepared *p)
{
	take_pipes(st, p);
	st->mnt_template = p->mnt_template;
	st->mnt_host = p->mnt_host;
	st->parent = p->parent;
	memcpy(st->keep, p->keep, sizeof st->keep);
	st->spawner = p->spawner;
}

/* The pipes and /dev made again (prepare_again) for a start whose files are open already. */
static void take_prepared_pipes(struct start *st, const struct prepared *p)
{
	take_pipes(st, p);
	join_stdout_fifo(st);
}

/*
 * Pid 1 starts in run_dir (the one host directory it works in: it mounts its scratch tmpfs there),
 * which belongs to the root of the run's user namespace and nobody else (0700): the state
 * directory above it stays 0700 root, and pid 1 needs no path through it.
 */
static int enter_run_dir(const struct spec *s, struct start_failure *why)
{
	if (chown(s->run_dir, s->uid_base, s->uid_base) < 0 || chdir(s->run_dir) < 0)
		return failed(why, STEP_MOUNTS, s->run_dir);
	return 0;
}

/*
 * With a template (mnttemplate.c), pid 1 is cloned in a copy of it instead of the host's namespace:
 * the supervisor joins it for the clone, in its /run, where pid 1 starts (run_dir is not used), and
 * goes back to the host's namespace right after (it still opens the cgroup counters by host path).
 */
static int enter_template(const struct prepared *p, struct start_failure *why)
{
	if (setns(p->mnt_template, CLONE_NEWNS) < 0 || chdir("/" MNT_TEMPLATE_RUN) < 0)
		return failed(why, STEP_MOUNTS, "join the mount namespace template");
	return 0;
}

static int leave_template(const struct prepared *p)
{
	if (setns(p->mnt_host, CLONE_NEWNS) < 0)
		return -1;
	return chdir("/");
}

static void __attribute__((noreturn)) become_pid1(const struct spec *s, int conn, struct start *st, void *bpf,
						  size_t bpf_len)
{
	/*
	 * The supervisor's connection, the server's sockets and the host's and the template's mount namespaces
	 * go first thing: pid 1 never holds a way back to the launcher or the host while it builds the root,
	 * nor in the moment between the job's execve and harden_pid1. The write end of the sync pipe too, or
	 * the read in job_main would never see EOF if the supervisor died before its "g". The supervisor's ends
	 * of the run's pipes are closed with everything else pid 1 holds, in harden_pid1 (close_fds_but), once the
	 * job is forked (and the job closes them all before its execve): a close_range per gap, not a close each.
	 */
	close(conn);
	for (int i = 0; i < 4; i++)
		if (st->keep[i] >= 0)
			close(st->keep[i]);
	if (st->spawner && *st->spawner >= 0) /* as it was at the clone: this is a copy of the supervisor's memory */
		close(*st->spawner);
	if (st->mnt_template >= 0)
		close(st->mnt_template);
	if (st->mnt_host >= 0)
		close(st->mnt_host);
	close(st->sync[1]);
	struct pid1_input in = {
		.sync_fd = st->sync[0], .report_fd = st->report[1], .status_fd = st->status[1], .stdin_fd = st->in,
		.stdout_fd = st->out[1], .stderr_fd = st->err[1], .out_pipe = st->out_fifo < 0, .tasks_fds = st->tasks,
		.trees = &st->trees,
		.bpf = bpf, .bpf_len = bpf_len, .cpu_restore = st->cpu_restore, .cpu_before = st->cpu_before,
	};
	job_main(s, &in);
}

/* What a pid 1 cloned ahead reads of the supervisor's memory: at the top of pid1_stack, as pid1_args. */
struct ahead_args {
	struct start st;
	int conn, sock, sock_other;
	char **env_room;  /* pid1_env */
};

static void __attribute__((noreturn, unused)) pid1_ahead_entry(void *arg)
{
	struct ahead_args *a = arg;
	/* what ps shows of it while it waits (and of its job until the job's execve), not its supervisor's name */
	prctl(PR_SET_NAME, "proctor-ahead", 0, 0, 0);
	/* as become_pid1: nothing of the supervisor's, the server's or the host's kept */
	/* made by a spawner (spawn.c), it has only the spawner's socket of these (sock_other); -1 the rest */
	int mine[] = { a->conn, a->st.keep[0], a->st.keep[1], a->st.keep[2], a->st.keep[3],
		       a->st.spawner ? *a->st.spawner : -1, a->st.mnt_template, a->st.mnt_host, a->st.sync[1], a->sock_other };
	for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++)
		if (mine[i] >= 0)
			close(mine[i]);
	struct pid1_input in = {
		.sync_fd = a->st.sync[0], .report_fd = a->st.report[1], .status_fd = a->st.status[1], .stdin_fd = -1,
		.stdout_fd = a->st.out[1], .stderr_fd = a->st.err[1], .out_pipe = 1, .trees = &a->st.trees,
		.env_room = a->env_room,
	};
	job_main_ahead(a->sock, &in);
}

/*
 * Pid 1's own stack. Cloned on the supervisor's, pid 1 got a copy of every stack page the supervisor had
 * touched (their page tables copied at the clone and freed again at its exit) and each page either
 * process wrote next was a copy-on-write fault (the pidfd the clone stores, the supervisor's next calls,
 * each frame of pid 1's). On x86-64 pid 1 now starts on a mapping of its own, made once per supervisor,
 * whose pages the supervisor never touches but for the arguments at its top (struct pid1_args: what
 * pid 1 reads of the supervisor's stack, copied there before the clone); and the supervisor's stack is
 * not copied into pid 1 (MADV_DONTFORK, pid1_stack_init) but for its top pages, from the one that holds
 * main's argv up: argv, envp, auxv and their strings, which the kernel shows as every pid 1's
 * /proc/PID/cmdline ("proctor-launcher serve SOCKET", what DeadEngines and an operator's ps know a
 * dead engine's processes by) and which glibc's environ and auxv point to. Nothing else of pid 1
 * changes: it is still a copy of the supervisor (never CLONE_VM), in the same namespaces, under the same
 * checks.
 */
#define PID1_STACK_SIZE (1024 * 1024)  /* pid 1 and the job until its execve, which run bounded paths */

struct pid1_args {
	struct spec s;       /* its lists point into packed */
	struct start st;
	int conn;
	void *bpf;
	size_t bpf_len;
	char *packed[];      /* the entries of the spec's lists: argv, envp, layers, ro_paths, then the binds */
};

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

#if defined(__x86_64__)
static char *pid1_stack;  /* the mapping's lowest usable byte (a guard page below it), or NULL: the supervisor's stack */
/*
 * Where a pid 1 made ahead puts its job's environment (MAX_ARGV + 1 pointers): a mapping the supervisor
 * never writes, which environ points to from that pid 1's clone on. Its job's PATH is looked up through
 * environ (exec_job); pointed there by the job, the write was a copy-on-write fault of a page pid 1 shares
 * with the supervisor, with a TLB shootdown. NULL: none (no pid 1 ahead).
 */
static char **pid1_env;
static uintptr_t pid1_page;
static uintptr_t pid1_args_low; /* the lowest page any run's pid1_args has used: from there up, pid1_stack_ready */

/* The size of a spec's pid1_args: its lists' entries in use, not the whole of each (struct spec_lists). */
static size_t pid1_args_size(const struct spec *s)
{
	size_t pointers = (size_t)s->argc + 1 + (size_t)s->envc + 1 + (size_t)s->nlayers + (size_t)s->nro;
	return sizeof(struct pid1_args) + pointers * sizeof(char *) + (size_t)s->nbinds * sizeof(struct bind);
}

/* n entries of a list copied to *to, which then points past them; returns where they went. */
static void *pack_list(char ***to, const void *from, size_t n, size_t entry)
{
	void *at = *to;
	memcpy(at, from, n * entry);
	*to = (char **)((char *)at + n * entry);
	return at;
}

/*
 * proctor_clone3_call (launcher.h): the kernel keeps every register but rax, rcx and r11 across the system
 * call, in both processes: r8 and r9 carry fn and arg over it.
 */
__asm__(".text\n"
	".globl proctor_clone3_call\n"
	".hidden proctor_clone3_call\n"
	".type proctor_clone3_call, @function\n"
	"proctor_clone3_call:\n"
	"	endbr64\n"
	"	mov %rdx, %r8\n"
	"	mov %rcx, %r9\n"
	"	mov $" PROCTOR_STR(SYS_clone3) ", %eax\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	ret\n"
	"1:	xor %ebp, %ebp\n"
	"	and $-16, %rsp\n"
	"	mov %r9, %rdi\n"
	"	call *%r8\n"
	"	hlt\n"
	".size proctor_clone3_call, .-proctor_clone3_call\n");

static void __attribute__((noreturn)) pid1_entry(void *arg)
{
	struct pid1_args *a = arg;
	become_pid1(&a->s, a->conn, &a->st, a->bpf, a->bpf_len);
}

/* The [stack] line of /proc/self/maps: its range, or -1. */
static int own_stack(uintptr_t *lo, uintptr_t *hi)
{
	char maps[16384];  /* on the stack, below the split (keep_stack_args_only) */
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	ssize_t n;
	while (len < sizeof maps - 1 && (n = read(fd, maps + len, sizeof maps - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	maps[len] = '\0';
	for (char *line = maps, *next; *line; line = next) {
		char *end = strchr(line, '\n');
		next = end ? end + 1 : line + strlen(line);
		if (end)
			*end = '\0';
		size_t l = strlen(line);
		if (l < 7 || strcmp(line + l - 7, "[stack]") != 0)
			continue;
		char *dash, *space;
		unsigned long from = strtoul(line, &dash, 16);
		if (*dash != '-')
			return -1;
		unsigned long to = strtoul(dash + 1, &space, 16);
		if (*space != ' ' || from >= to)
			return -1;
		*lo = from;
		*hi = to;
		return 0;
	}
	return -1;
}

/*
 * The split of the supervisor's [stack]: from its bottom up to the page that holds stack_args, not in
 * any pid 1; that page and those above it still copied. Only the frames of _start, main and serve can
 * be up there, written before the supervisor is forked: serve's frame alone is over a page (its
 * dir[4096]), so the supervisor's own frames, from fork_idle down, are all below the split, in the part
 * kept out (a frame of its above the split would only cost a copy-on-write fault after each clone).
 * Pid 1 never reads the part kept out, which would be a SIGSEGV: from the clone on it runs on
 * pid1_stack, with its arguments copied to its top (struct pid1_args), and the pointers it follows
 * lead to the heap (the spec's strings, the seccomp program), to static data, or to the kept top
 * (environ, auxv). A stack_args outside [stack] (cannot happen) leaves the whole stack copied.
 */
static void keep_stack_args_only(const void *stack_args, long page)
{
	uintptr_t lo, hi, split = (uintptr_t)stack_args & ~((uintptr_t)page - 1);
	if (own_stack(&lo, &hi) == 0 && lo < split && split < hi)
		madvise((void *)lo, split - lo, MADV_DONTFORK);
}

void pid1_stack_init(const void *stack_args)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = PID1_STACK_SIZE + (size_t)page;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (p == MAP_FAILED)
		return;
	if (mprotect(p, (size_t)page, PROT_NONE) < 0) {
		munmap(p, len);
		return;
	}
	size_t env_len = (MAX_ARGV + 1) * sizeof(char *);
	char **env = mmap(NULL, env_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (env == MAP_FAILED) {
		munmap(p, len);
		return;
	}
	pid1_env = env;
	pid1_stack = p + page;
	pid1_page = (uintptr_t)page;
	/* pid 1 runs on pid1_stack from now on: most of the supervisor's stack need not be in it */
	keep_stack_args_only(stack_args, page);
}

static struct pid1_args *pid1_args_at(size_t size)
{
	return (struct pid1_args *)(((uintptr_t)pid1_stack + PID1_STACK_SIZE - size) & ~(uintptr_t)63);
}

/*
 * The pages the supervisor writes for pid 1 just before the clone (pid 1's arguments, and environ:
 * clone3_pid1), made writable again while the supervisor is idle. Every clone write-protects the
 * supervisor's private pages it shares with the new pid 1, these among them, so the next run's writes
 * took a fault per page (six, ~15-20 us each on this VM) on their way to the clone; one madvise each
 * here resolves them off that path, without a fault each. An older kernel (EINVAL) leaves them to
 * fault as before.
 */
void pid1_stack_ready(void)
{
	if (!pid1_stack)
		return;
	uintptr_t from = pid1_args_low ? pid1_args_low : (uintptr_t)pid1_args_at(sizeof(struct pid1_args)) & ~(pid1_page - 1);
	madvise((void *)from, (uintptr_t)pid1_stack + PID1_STACK_SIZE - from, MADV_POPULATE_WRITE);
	madvise((void *)((uintptr_t)&environ & ~(pid1_page - 1)), pid1_page, MADV_POPULATE_WRITE);
}

/*
 * Room for size bytes of a pid 1's arguments at the top of pid1_stack (pid1_stack_ready makes its pages
 * writable again), and pid 1's stack below them in args.
 */
static void *pid1_args_place(size_t size, struct clone_args_v2 *args)
{
	struct pid1_args *a = pid1_args_at(size);
	uintptr_t low = (uintptr_t)a & ~(pid1_page - 1);
	if (!pid1_args_low || low < pid1_args_low)
		pid1_args_low = low;
	args->stack = (uint64_t)(uintptr_t)pid1_stack;
	/* pid 1's frames start on the page below its arguments: a page the supervisor never wrote, not a copy of one */
	args->stack_size = (uint64_t)(low - (uintptr_t)pid1_stack);
	return a;
}

/* clone3 with the child on pid1_stack (pid1_args_place) calling fn(arg): the child's pid, or -1 with errno. */
static long clone3_on_pid1_stack(struct clone_args_v2 *args, void (*fn)(void *), void *arg)
{
	long pid = proctor_clone3_call(args, sizeof *args, fn, arg);
	if (pid < 0) { /* the raw system call's -errno, returned as syscall(2) does */
		errno = (int)-pid;
		return -1;
	}
	return pid;
}

static long clone3_pid1(struct clone_args_v2 *args, const struct spec *s, int conn, struct start *st, void *bpf,
			size_t bpf_len)
{
	if (!pid1_stack)
		return syscall(SYS_clone3, args, sizeof *args);
	/*
	 * The spec with its lists packed: what pid 1 reads of them fits in one page for a usual spec (a copy of
	 * every list at its full size, 14 KiB, was five pages, each a page the supervisor wrote and pid 1
	 * then touched, in every run).
	 */
	struct pid1_args *a = pid1_args_place(pid1_args_size(s), args);
	memcpy(&a->s, s, sizeof *s);
	char **to = a->packed;
	a->s.argv = pack_list(&to, s->argv, (size_t)s->argc + 1, sizeof(char *));
	a->s.envp = pack_list(&to, s->envp, (size_t)s->envc + 1, sizeof(char *));
	a->s.layers = pack_list(&to, s->layers, (size_t)s->nlayers, sizeof(char *));
	a->s.ro_paths = pack_list(&to, s->ro_paths, (size_t)s->nro, sizeof(char *));
	a->s.binds = pack_list(&to, s->binds, (size_t)s->nbinds, sizeof(struct bind));
	memcpy(&a->st, st, sizeof *st);
	a->conn = conn;
	a->bpf = bpf;
	a->bpf_len = bpf_len;
	/*
	 * The job looks its command up in the job's PATH (job.c, exec_job), which glibc reads from environ:
	 * pointed at pid 1's copy of the job's environment here, where the supervisor's page is its own,
	 * not by the job after its vfork, where the write was a copy-on-write fault with a page copy in
	 * every run. The supervisor itself never reads its environment.
	 */
	environ = a->s.envp;
	return clone3_on_pid1_stack(args, pid1_entry, a);
}

static long clone3_ahead(struct clone_args_v2 *args, struct ahead_args **at)
{
	if (!pid1_stack) {
		errno = ENOSYS;
		return -1;
	}
	struct ahead_args *a = pid1_args_place(sizeof(struct ahead_args), args);
	*at = a;
	a->env_room = pid1_env;
	environ = pid1_env;
	return 0;
}

static long clone3_ahead_call(struct clone_args_v2 *args, struct ahead_args *a)
{
	return clone3_on_pid1_stack(args, pid1_ahead_entry, a);
}
#else
void pid1_stack_init(const void *stack_args)
{
	(void)stack_args;
}

void pid1_stack_ready(void)
{
}

static long clone3_pid1(struct clone_args_v2 *args, const struct spec *s, int conn, struct start *st, void *bpf,
			size_t bpf_len)
{
	return syscall(SYS_clone3, args, sizeof *args);
}

/* a pid 1 ahead needs pid 1's own stack (its entry's arguments live there): none elsewhere */
static long clone3_ahead(struct clone_args_v2 *args, struct ahead_args **at)
{
	errno = ENOSYS;
	return -1;
}

static long clone3_ahead_call(struct clone_args_v2 *args, struct ahead_args *a)
{
	errno = ENOSYS;
	return -1;
}
#endif

/*
 * The supervisor right after a clone as the run's owner (userns_owner_begin), pid the clone's result: euid 0
 * back, its parent-death signal armed again. 0; or -1 when euid 0 could not be had back, pid (if cloned)
 * killed and reaped. A server that died meanwhile ends this supervisor here.
 */
static int back_from_clone(long pid, pid_t parent)
{
	int owner_err = userns_owner_end();
	/* the euid changes cleared the parent-death signal: the service gone must still end the run */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* and a server that died while it was cleared sent none: this supervisor is the init's child now */
	int orphaned = getppid() != parent;
	if (!orphaned && owner_err == 0)
		return 0;
	if (pid > 0) {
		kill((pid_t)pid, SIGKILL);
		waitpid((pid_t)pid, NULL, 0);
	}
	if (orphaned)
		_exit(1);
	return -1;
}

/* Clones pid 1 into every namespace, as the run's own unprivileged owner (userns.c says why). */
static pid_t clone_pid1(const struct spec *s, int conn, int netns, struct start *st, int *pidfd, void *bpf,
			size_t bpf_len, struct start_failure *why)
{
	struct clone_args_v2 args;
	memset(&args, 0, sizeof args);
	/* every namespace: pid, mount, uts, ipc, net, user, time (+ cgroup, here or after the v1 move) */
	args.flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
		     CLONE_NEWNET | CLONE_NEWTIME | CLONE_PIDFD;
	/* a prepared, never used network namespace (netpool.c): joined here, inherited by pid 1 */
	if (netns >= 0 && !s->loopback) {
		if (setns(netns, CLONE_NEWNET) < 0)
			return failed(why, STEP_NETWORK, "join the prepared network namespace");
		args.flags &= ~(uint64_t)CLONE_NEWNET;
	}
	if (netns >= 0)
		close(netns);
	TRACE("sup.netns_joined");
	if (st->cgroup >= 0) { /* v2: born inside the run's cgroup, no migration at all */
		args.flags |= CLONE_INTO_CGROUP | CLONE_NEWCGROUP;
		args.cgroup = (uint64_t)st->cgroup;
	}
	args.pidfd = (uint64_t)(uintptr_t)pidfd;
	args.exit_signal = SIGCHLD;
	if (userns_owner_begin(s->uid_base) < 0)
		return failed(why, STEP_CLONE, "user namespace owner");
	/*
	 * Where pid 1 and the job report a failure (report.c): set here, by the supervisor, whose write is
	 * at most a fault of its own, not in pid 1, where the same write was a copy-on-write fault with a
	 * page copy. The supervisor never reports through it (it replies).
	 */
	report_set_fd(st->report[1]);
	TRACE("sup.owner_begun");
	long pid = clone3_pid1(&args, s, conn, st, bpf, bpf_len);
	if (pid == 0)
		become_pid1(s, conn, st, bpf, bpf_len);
	int clone_err = errno;
	TRACE("sup.clone3_returned");
	if (back_from_clone(pid, st->parent) < 0)
		return failed(why, STEP_CLONE, "back to euid 0");
	if (pid < 0) {
		/* errno is written only then: pid 1 shares its page until it writes its own */
		errno = clone_err;
		return failed(why, STEP_CLONE, "clone3");
	}
	return (pid_t)pid;
}

static void close_pid1_ends(const struct spec *s, struct start *st)
{
	trees_close(&st->trees, s);
	/*
	 * The write ends now (the supervisor sees the job's and pid 1's ends by their EOF) and stdin (a joined
	 * run's FIFO: its writer must see this run's end); sync[0] and the cgroup tasks files are only
	 * closed by end_run (close_fds_but) after the run, with the rest (supervisor.c).
	 */
	/*
	 * A pid 1 made ahead has them already, and the supervisor's copies are gone (-1): no failing close,
	 * whose errno write was a copy-on-write fault.
	 */
	int *ends[] = { &st->in, &st->out[1], &st->err[1], &st->status[1], &st->report[1], &st->cgroup };
	for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
		if (*ends[i] >= 0)
			close(*ends[i]);
}

/*
 * oom_score_adj 0 for pid 1, and so for the job it forks, whatever the service was started with.
 * Written by host root with CAP_SYS_RESOURCE, it is also the floor they may set for themselves
 * (oom_score_adj_min is inherited): -1000 here let the job set -1000 too and turn an OOM kill into
 * a hang until the wall limit. Pid 1 is small; the OOM killer picks the job.
 */
static int reset_oom_score_adj(int proc_dir)
{
	int fd = openat(proc_dir, "oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	return write(fd, "0", 1) == 1 ? 0 : -1; /* left open: end_run closes it (supervisor.c) */
}

static int abort_start(pid_t pid1, struct start_failure *why, enum step step, const char *detail)
{
	failed(why, step, detail);
	kill(pid1, SIGKILL);
	waitpid(pid1, NULL, 0);
	return -1;
}

/*
 * The run's mount namespace, held by the supervisor: when pid 1 exits, the namespace is not torn
 * down in its exit (unmounting the run's tree, destroying its tmpfs and overlay superblocks, and the
 * RCU grace period the unmount waits for, measured 0.3-0.8 ms here) but when the supervisor closes
 * this fd, after its reply. The run's cgroup is empty as soon as pid 1 is gone, so the engine reads
 * the figures and reuses the run's directory at once; the mounts live on only in this namespace,
 * which no process is in, until the supervisor closes the fd (or dies). -1 if it cannot be opened:
 * pid 1 then tears it down itself, as before.
 */
static int hold_mount_ns(int proc_dir)
{
	return openat(proc_dir, "ns/mnt", O_RDONLY | O_CLOEXEC);
}

/*
 * Pid 1's /proc directory, looked up once for the files written and opened there (oom_score_adj,
 * the id maps, its mount namespace) instead of once per file; an O_PATH descriptor, -1 on failure.
 * The template's /proc is of the host's pid namespace too: /proc/PID paths are the same in it.
 */
static int open_proc_dir(pid_t pid1)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d", (int)pid1);
	return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* adj_inherited: pid 1 was cloned by the spawner, whose oom_score_adj and floor it copied (spawn.c) */
static int let_go(uid_t uid_base, int sync_w, pid_t pid1, int proc_dir, int adj_inherited, struct start_failure *why)
{
	if (proc_dir < 0)
		return abort_start(pid1, why, STEP_OOM_SCORE_ADJ, "pid 1's /proc directory");
	if (!adj_inherited && reset_oom_score_adj(proc_dir) < 0)
		return abort_start(pid1, why, STEP_OOM_SCORE_ADJ, "pid 1");
	TRACE("sup.oom_adj");
	if (userns_write_maps(proc_dir, uid_base) < 0)
		return abort_start(pid1, why, STEP_IDMAP, "uid_map/gid_map");
	TRACE("sup.maps_written");
	if (write(sync_w, "g", 1) != 1)
		return abort_start(pid1, why, STEP_SYNC, "sync pipe");
	close(sync_w);
	return 0;
}

/* The supervisor's copy of fd, closed and forgotten. */
static void drop(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* prep's pipes and /dev, which a pid 1 ahead had, made again for a run cloned for its spec. */
static int prepare_again(struct prepared *p)
{
	for (int i = 0; i < 2; i++) {
		drop(&p->out[i]);
		drop(&p->err[i]);
		drop(&p->status[i]);
		drop(&p->report[i]);
		drop(&p->sync[i]);
	}
	drop(&p->dev);
	return start_prepare(p);
}

/* What the supervisor held of a pid 1 ahead that is gone (reaped), let go. */
static void forget(struct ahead *a)
{
	drop(&a->pidfd);
	drop(&a->sock);
	drop(&a->proc_dir);
	drop(&a->mntns);
	a->pid1 = 0;
}

int ahead_discard(struct ahead *a, struct prepared *prep)
{
	if (a->pid1 <= 0)
		return 0;
	kill(a->pid1, SIGKILL);
	waitpid(a->pid1, NULL, 0);
	forget(a);
	return prepare_again(prep);
}

/*
 * A pid 1 made ahead's clone, wherever it is made: every namespace but the network's (it is born in one of the
 * pool's, joined by its maker) and the cgroup's (unshared once it has joined the run's cgroups, job.c).
 */
#define PID1_AHEAD_FLAGS \
	(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWTIME | CLONE_PIDFD)

/*
 * A pid 1 ahead cloned from this supervisor, a copy of it (when no spawner can make one, spawn.c): in the
 * template (a pid 1 ahead needs it: it starts in the template's /run, not in a run's run_dir), in the
 * network namespace netns (closed here), owned by uid_base. Its pid, or -1 with errno.
 */
static long clone_ahead_here(uid_t uid_base, int conn, int netns, struct prepared *p, const int sv[2], int *pidfd)
{
	struct clone_args_v2 args;
	memset(&args, 0, sizeof args);
	struct ahead_args *aa = NULL;
	struct start_failure why;
	if (clone3_ahead(&args, &aa) < 0) {
		close(netns);
		return -1;
	}
	take_prepared(&aa->st, p);
	aa->st.in = aa->st.out_fifo = aa->st.cgroup = -1;
	aa->st.trees.box = -1;
	aa->conn = conn;
	aa->sock = sv[1];
	aa->sock_other = sv[0];
	if (enter_template(p, &why) < 0 || setns(netns, CLONE_NEWNET) < 0) {
		int err = errno;
		close(netns);
		if (leave_template(p) < 0)
			_exit(1); /* a supervisor outside the host's mount namespace serves no run */
		errno = err;
		return -1;
	}
	close(netns);
	args.flags = PID1_AHEAD_FLAGS;
	args.pidfd = (uint64_t)(uintptr_t)pidfd;
	args.exit_signal = SIGCHLD;
	long pid = -1;
	int clone_err = 0;
	if (userns_owner_begin(uid_base) == 0) {
		report_set_fd(aa->st.report[1]);
		pid = clone3_ahead_call(&args, aa);
		clone_err = errno;
	}
	if (back_from_clone(pid, p->parent) < 0)
		_exit(1); /* a supervisor that cannot vouch for its own credentials serves no run */
	if (leave_template(p) < 0 || (p->keep[3] >= 0 && setns(p->keep[3], CLONE_NEWNET) < 0)) {
		if (pid > 0) {
			kill((pid_t)pid, SIGKILL);
			waitpid((pid_t)pid, NULL, 0);
		}
		_exit(1); /* nor one outside the host's mount or network namespace */
	}
	errno = clone_err;
	return pid;
}

/*
 * In a spawner (spawn.c): a pid 1 ahead cloned sharing the spawner's memory (CLONE_VM), its parent the
 * spawner's (CLONE_PARENT: the supervisor waits for it and gets its exit as for any pid 1), owned by
 * uid_base, with the descriptors e. The spawner is in the template and in the run's network namespace
 * already. Its pid, or -1 with errno.
 */
long start_spawned(const struct spawn_ends *e, uid_t uid_base, pid_t supervisor, int *pidfd)
{
	struct clone_args_v2 args;
	memset(&args, 0, sizeof args);
	struct ahead_args *aa = NULL;
	if (clone3_ahead(&args, &aa) < 0)
		return -1;
	memset(&aa->st, 0xff, sizeof aa->st); /* every descriptor -1: the spawner has none of them */
	aa->st.spawner = NULL;
	aa->st.out[1] = e->out;
	aa->st.err[1] = e->err;
	aa->st.status[1] = e->status;
	aa->st.report[1] = e->report;
	aa->st.sync[0] = e->sync;
	aa->st.trees.dev = e->dev;
	aa->conn = -1;
	aa->sock = e->sock;
	aa->sock_other = e->own;
	aa->st.keep[0] = e->own_net;
	args.flags = PID1_AHEAD_FLAGS | CLONE_VM | CLONE_PARENT;
	args.pidfd = (uint64_t)(uintptr_t)pidfd;
	args.exit_signal = 0; /* with CLONE_PARENT the spawner's own, SIGCHLD */
	long pid = -1;
	if (userns_owner_begin(uid_base) == 0) {
		report_set_fd(e->report);
		pid = clone3_ahead_call(&args, aa);
	}
	int clone_err = errno; /* the clone's, or the owner switch's */
	/* its parent is the supervisor: killed here on a failure, reaped there */
	if (back_from_clone(pid, supervisor) < 0)
		_exit(1);
	errno = clone_err;
	return pid;
}

/*
 * As clone_pid1 and let_go for a run, but before its spec: by spawn (the supervisor's spawner, spawn.c), sharing its
 * memory, or else cloned here, a copy of the supervisor; in a network namespace of the pool, owned by
 * uid_base. Pid 1 then takes root of its namespace, bounds its counters and waits on its end of the socket
 * pair (job_main_ahead). The supervisor closes its copies of pid 1's ends of the prepared pipes and /dev.
 */
int start_ahead(uid_t uid_base, int conn, int netns, struct prepared *p, struct ahead *a, spawn_fn spawn)
{
	memset(a, 0, sizeof *a);
	a->pidfd = a->sock = a->proc_dir = a->mntns = -1;
	a->uid_base = uid_base;
	/*
	 * Made on the CPU of the supervisor's last run, still pinned there (supervisor.c): a pid 1 made with the
	 * whole mask was started on the other CPU (the kernel balances new processes), and its run, on the
	 * supervisor's, then cost ~0.5 ms of CPU more than one cloned for it (cross-CPU TLB flushes and
	 * misses, on this VM)
	 */
	a->cpu = run_cpu_owned();
	int sv[2];
	struct start_failure why;
	if (netns < 0 || p->mnt_template < 0 || p->mnt_host < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		if (netns >= 0)
			close(netns);
		return -1;
	}
	long pid = spawn(uid_base, a->cpu, netns, p, sv[1], &a->pidfd);
	int spawned = pid > 0;
	if (pid == -2) { /* no pid 1 ahead this time; a pid 1 the spawner may have made gets EOF on its sync pipe */
		close(netns);
		close(sv[0]);
		close(sv[1]);
		return prepare_again(p) < 0 ? -2 : -1;
	}
	if (pid > 0)
		close(netns);
	else
		pid = clone_ahead_here(uid_base, conn, netns, p, sv, &a->pidfd); /* closes netns */
	if (pid < 0) {
		int err = errno;
		close(sv[0]);
		close(sv[1]);
		errno = err;
		return -1;
	}
	a->pid1 = (pid_t)pid;
	a->sock = sv[0];
	close(sv[1]);
	a->proc_dir = open_proc_dir(a->pid1);
	if (let_go(uid_base, p->sync[1], a->pid1, a->proc_dir, spawned, &why) < 0) { /* killed and reaped there */
		forget(a);
		return prepare_again(p) < 0 ? -2 : -1;
	}
	p->sync[1] = -1; /* closed by let_go */
	drop(&p->sync[0]);
	drop(&p->out[1]);
	drop(&p->err[1]);
	drop(&p->status[1]);
	drop(&p->report[1]);
	drop(&p->dev);
	a->mntns = hold_mount_ns(a->proc_dir);
	TRACE("sup.ahead_made");
	return 0;
}

/* Whether the pid 1 ahead can take this run: the same owner, no network of its own, cgroup v1, a message that fits, alive. */
static int ahead_takes(const struct spec *s, size_t spec_len, size_t bpf_len, const struct ahead *a)
{
	if (s->uid_base != a->uid_base || s->loopback || s->cgroup_dir || !ahead_fits(s, spec_len, bpf_len))
		return 0;
	struct pollfd p = { .fd = a->pidfd, .events = POLLIN };
	return poll(&p, 1, 0) == 0; /* readable: it has exited (a failure of its own, on its report pipe) */
}

/*
 * The run handed to the pid 1 made ahead, its files opened (st): 0, or -1 when the message did not reach it
 * (SOCK_SEQPACKET: whole or not at all), e.g. it died since ahead_takes looked; the caller then clones the run
 * its own pid 1.
 */
static int hand_over(const struct spec *s, const char *spec_buf, size_t spec_len, void *bpf, size_t bpf_len,
		     struct start *st, struct ahead *a, struct started *out)
{
	st->cpu_restore = run_cpu_hand_over(a->pid1, a->cpu, &st->cpu_before);
	if (ahead_send(a->sock, s, spec_buf, spec_len, bpf, bpf_len, st->in, st->out_fifo, st->tasks, &st->trees,
		       st->cpu_restore, &st->cpu_before) < 0)
		return -1;
	TRACE("sup.cloned");
	drop(&a->sock);
	close_pid1_ends(s, st);
	out->pid1 = a->pid1;
	out->pidfd = a->pidfd;
	out->out_r = st->out[0];
	out->err_r = st->err[0];
	out->status_r = st->status[0];
	out->report_r = st->report[0];
	out->mntns = a->mntns;
	a->pid1 = 0; /* the run's pid 1 now; its pidfd, mntns and /proc directory go with the run (end_run) */
	TRACE("sup.mntns_held");
	return 0;
}

int start_run(const struct spec *s, const char *spec_buf, size_t spec_len, int conn, int netns, void *bpf,
	      size_t bpf_len, struct prepared *prep, struct ahead *ahead, struct started *out,
	      struct start_failure *why)
{
	if (ahead && ahead->pid1 > 0 && !(spec_buf && ahead_takes(s, spec_len, bpf_len, ahead))) {
		if (ahead_discard(ahead, prep) < 0)
			return failed(why, STEP_OPEN, "pipes and /dev made again");
		if (netns < 0)
			netns = netpool_take(prep->keep[1]);
	}
	struct start st;
	take_prepared(&st, prep);
	if (open_files(s, &st, out, why) < 0) {
		if (ahead && ahead->pid1 > 0)
			ahead_discard(ahead, prep);
		return -1;
	}
	if (ahead && ahead->pid1 > 0) {
		if (netns >= 0)
			close(netns);
		if (hand_over(s, spec_buf, spec_len, bpf, bpf_len, &st, ahead, out) == 0)
			return 0;
		/* it never got the run: let it go, and clone this run's own pid 1 with the files opened for it */
		if (ahead_discard(ahead, prep) < 0)
			return failed(why, STEP_OPEN, "pipes and /dev made again");
		take_prepared_pipes(&st, prep);
		netns = netpool_take(prep->keep[1]);
	}
	st.cpu_restore = run_cpu_for_job(&st.cpu_before);
	int in_template = prep->mnt_template >= 0 && prep->mnt_host >= 0;
	if ((in_template ? enter_template(prep, why) : enter_run_dir(s, why)) < 0)
		return -1;
	TRACE("sup.files_opened");
	out->pid1 = clone_pid1(s, conn, netns, &st, &out->pidfd, bpf, bpf_len, why);
	if (out->pid1 < 0)
		return -1;
	TRACE("sup.cloned");
	/* pid 1 is let go first, so that it builds its root while the rest is done here */
	int proc_dir = open_proc_dir(out->pid1);
	if (let_go(s->uid_base, st.sync[1], out->pid1, proc_dir, 0, why) < 0) {
		if (proc_dir >= 0)
			close(proc_dir);
		return -1;
	}
	/* the supervisor opens host paths later (cgroup counters): it must be back, or the run is aborted */
	if (in_template && leave_template(prep) < 0) {
		close(proc_dir);
		return abort_start(out->pid1, why, STEP_MOUNTS, "back to the host's mount namespace");
	}
	close_pid1_ends(s, &st);
	out->out_r = st.out[0];
	out->err_r = st.err[0];
	out->status_r = st.status[0];
	out->report_r = st.report[0];
	out->mntns = hold_mount_ns(proc_dir);
	/* proc_dir, and the oom_score_adj and id map files written through it, are closed by end_run */
	TRACE("sup.mntns_held");
	return 0;
}
