/*
 * Inside the new namespaces. This process is pid 1 of the run: it builds the root, then forks
 * the job (pid 2) and reaps until the job exits. When pid 1 exits the kernel kills every other
 * process of the pid namespace: nothing the job started (daemons, setsid'd grandchildren)
 * outlives it. The job is not pid 1 itself because pid 1 ignores default-action signals
 * (abort() would not kill it).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launcher.h"

static void set_rlimit(int resource, uint64_t value)
{
	struct rlimit rl = { (rlim_t)value, (rlim_t)value };
	if (setrlimit(resource, &rl) < 0)
		fail(STEP_RLIMITS);
}

static void set_rlimits(const struct spec *s)
{
	/*
	 * No core dumps: 1 byte, not 0. The kernel writes no core file below a page, and starts no
	 * core_pattern pipe helper (apport, systemd-coredump: a root process on the host, outside the
	 * run) at exactly 1, where 0 would start one at every crash. The job cannot change it: every
	 * seccomp program makes a change succeed without running (CoreLimitGuard in Java).
	 */
	set_rlimit(RLIMIT_CORE, 1);
	/* no file larger than the run's disks (set just above them, so a full disk says ENOSPC) */
	set_rlimit(RLIMIT_FSIZE, s->rlimit_fsize ? s->rlimit_fsize : s->disk_bytes);
	set_rlimit(RLIMIT_NOFILE, s->rlimit_nofile ? s->rlimit_nofile : 256);
	if (s->rlimit_stack)
		set_rlimit(RLIMIT_STACK, s->rlimit_stack);
	if (s->rlimit_cpu_s)                      /* backstop to the cgroup CPU watch */
		set_rlimit(RLIMIT_CPU, s->rlimit_cpu_s);
	set_rlimit(RLIMIT_MEMLOCK, 0);            /* nothing pinned outside the memory cgroup's reclaim */
	set_rlimit(RLIMIT_MSGQUEUE, 0);
}

/*
 * The job starts with no signal blocked or ignored: SIG_IGN survives execve (handlers do not). The
 * server set every disposition to its default when it started (server.c, default_all_signals);
 * since then the launcher ignores SIGPIPE alone (server and supervisor), so that is the one to
 * reset here, not all 64 (SandboxIsolationIT checks the job's SigIgn and SigBlk).
 */
static void reset_signals(void)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
}

extern char **environ;

/* pid 2: becomes the job. */
static void __attribute__((noreturn)) exec_job(const struct spec *s, const struct pid1_input *in, mode_t job_umask)
{
	int report_fd = in->report_fd;
	reset_signals();
	umask(job_umask); /* pid 1 built the root with umask 0 (mounts.c, make_dir) */
	if (dup2(in->stdin_fd, 0) < 0 || dup2(in->stdout_fd, 1) < 0 || dup2(in->stderr_fd, 2) < 0)
		fail(STEP_STDIO);
	if (setsid() < 0)
		fail(STEP_STDIO);
	if (userns_drop_to_job_user() < 0)
		fail(STEP_DROP_PRIVS);
	set_rlimits(s);
	/* the job's CPUs are the supervisor's before its run (cpupin.c) */
	if (in->cpu_restore)
		sched_setaffinity(0, sizeof in->cpu_before, &in->cpu_before);
	TRACE("job.creds_rlimits");
	/* setuid binaries and file capabilities can never raise privileges again */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(STEP_NO_NEW_PRIVS);
	/* no fd of the launcher leaks into the job: only 0-2 and the close-on-exec report fd */
	TRACE("job.pre_close");
	if (report_fd > 3 && close_range(3, (unsigned)report_fd - 1, 0) < 0)
		fail(STEP_CLOSE_FDS);
	if (close_range((unsigned)report_fd + 1, ~0U, 0) < 0)
		fail(STEP_CLOSE_FDS);
	if (in->bpf && seccomp_install(in->bpf, in->bpf_len) < 0)
		fail(STEP_SECCOMP);
	/*
	 * execvpe looks argv[0] up in the caller's PATH: the job's, not the launcher's (it has none). The
	 * supervisor pointed environ at the job's environment before the clone (start.c, clone3_pid1).
	 */
	if (environ != s->envp)
		environ = (char **)s->envp;
	execvpe(s->argv[0], s->argv, s->envp);
	fail_errno(STEP_EXEC, errno, s->argv[0]);
}

static void join_cgroups(const int *tasks_fds, int ntasks)
{
	/*
	 * v1: the process moves itself ("0" = the writer): no parent-side pid write (7-12 ms here). The
	 * files stay open until harden_pid1 closes every descriptor but two in one call.
	 */
	for (int i = 0; i < ntasks; i++)
		if (write(tasks_fds[i], "0", 1) != 1)
			fail(STEP_CGROUP);
	/* the job sees its own cgroup as the root of /proc/self/cgroup */
	if (ntasks > 0 && unshare(CLONE_NEWCGROUP) < 0)
		fail(STEP_CGROUP);
}

/*
 * counters: the directory of the run's counters when pid 1 bounded ten of them ahead of its spec
 * (job_main_ahead): the last two are bounded here; or -1: all twelve are.
 */
static void setup_root(const struct spec *s, const struct trees *t, int counters)
{
	const char *at = NULL;
	if (sethostname(s->hostname ? s->hostname : "proctor", strlen(s->hostname ? s->hostname : "proctor")) < 0 ||
	    setdomainname("sandbox", 7) < 0)
		fail(STEP_HOSTNAME);
	TRACE("p1.hostname");
	if (s->loopback && net_loopback_up() < 0)
		fail(STEP_NETWORK);
	if (mnt_build_root(s, t, &at) < 0)
		fail_errno(STEP_MOUNTS, errno, at);
	TRACE("p1.mounts_built");
	/*
	 * Through the proc this namespace was copied with (the template's, mnttemplate.c, or the host's):
	 * the run's own is mounted hidepid=invisible,subset=pid at once, without /proc/sys. The counters
	 * are the writer's user namespace's whatever proc it goes through (kernel/ucount.c, set_lookup).
	 */
	if ((counters < 0 ? userns_bound_counters("/proc", NULL, &at) : userns_bound_late_counters(counters, &at)) < 0)
		fail_errno(STEP_COUNTERS, errno, at);
	TRACE("p1.counters");
	if (mnt_pivot(&at) < 0)
		fail_errno(STEP_PIVOT_ROOT, errno, at);
}

/*
 * Now on CLOCK_MONOTONIC, in microseconds. The run's time namespace has zero offsets: pid 1 is
 * cloned straight into it (start.c), which freezes its offsets before anyone could write
 * /proc/PID/timens_offsets, and nothing does; keep it so, or the stamps of two joined runs (and
 * the supervisor's) stop comparing.
 */
static uint64_t mono_us(void)
{
	/*
	 * The system call, not the vDSO: pid 1 reads the clock once, and the vDSO's first use in a new
	 * process is two page faults (its code and its data page, ~4 us each on this VM) against one call.
	 */
	struct timespec ts;
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000ULL;
}

/* Reaps every orphan; returns when the job itself has exited, with its wait status and its end. */
static struct job_exit reap_until_job_exits(pid_t job)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid == job)
			return (struct job_exit){ .status = status, .end_mono_us = mono_us() };
		if (pid < 0 && errno != EINTR)
			return (struct job_exit){ .status = -1, .end_mono_us = mono_us() };
	}
}

/*
 * Pid 1 once the job is forked keeps nothing the job could turn against the host: only its status
 * pipe, (until this is done) the report fd and the write ends of the job's own stdout (unless a joined
 * run's FIFO) and stderr pipes, no capability even in the run's namespace, no way to regain one, and a
 * filter that allows waiting, reading the clock, writing the status and exiting. It keeps the job's two
 * pipes so that the supervisor sees their end with pid 1's exit, in the wake-up that pid 1's exit makes
 * anyway, not in one more of its own for the job's exit first (the end of a run's output was always
 * pid 1's exit: any process the job left behind dies with pid 1, and holds the pipes until then); the job
 * can write the same pipes itself, and cannot reach pid 1's descriptors. The fds it drops are the
 * launcher's (the service's log as stderr, the supervisor's ends of the run's pipes), the capture files,
 * the cgroup tasks files and the counters' files it wrote (all left open until here: a close_range per
 * gap between the kept ones, not a close each; the supervisor's connection and the server's sockets went
 * when pid 1 began, become_pid1).
 */
static void harden_pid1(const struct pid1_input *in)
{
	int keep[] = { in->status_fd, in->report_fd, in->out_pipe ? in->stdout_fd : -1, in->stderr_fd };
	if (close_fds_but(keep, (int)(sizeof keep / sizeof keep[0])) < 0)
		fail_errno(STEP_PID1_HARDEN, errno, "close fds");
	if (userns_clear_caps() < 0) /* the bounding and ambient sets went before the fork */
		fail_errno(STEP_PID1_HARDEN, errno, "drop capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail_errno(STEP_PID1_HARDEN, errno, "no_new_privs");
	if (seccomp_install_reaper() < 0)
		fail_errno(STEP_PID1_HARDEN, errno, "seccomp");
}

/* Root of the run's user namespace, once the supervisor has written pid 1's id maps (its "g" on the sync pipe). */
static void become_ns_root(int sync_fd)
{
	char go;
	if (read(sync_fd, &go, 1) != 1) /* the supervisor has written our uid/gid maps */
		fail(STEP_SYNC);
	close(sync_fd);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 || setgroups(0, NULL) < 0)
		fail(STEP_IDMAP);
}

/* The root built: the job forked, pid 1 hardened, the job reaped and its status written. */
static void __attribute__((noreturn)) run_job(const struct spec *s, const struct pid1_input *in, mode_t job_umask)
{
	TRACE("p1.root_ready");
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* the supervisor gone means the run is over */
	if (userns_drop_bounding() < 0) /* for the job and for pid 1 alike */
		fail(STEP_DROP_PRIVS);
	/*
	 * vfork: the job borrows pid 1's memory until its execve instead of copying its page tables
	 * (and both then faulting on copy-on-write pages), and pid 1 waits meanwhile. Everything the
	 * job changes before the exec is its own: credentials, fd table, signal dispositions, rlimits,
	 * session and seccomp filter are per process (vfork shares none of them); it never returns
	 * from exec_job, and leaves by execve or _exit (fail).
	 */
	TRACE("p1.bounding_dropped");
	pid_t job = vfork();
	if (job < 0)
		fail(STEP_FORK);
	if (job == 0)
		exec_job(s, in, job_umask);
	/* a failure here is reported like any setup step: the supervisor reads this fd to its EOF once pid 1 is gone */
	TRACE("p1.vfork_returned");
	/*
	 * When the job exec'd (or failed before it): the start of its wall time, read by the supervisor when it
	 * next wakes anyway (supervisor.c, read_report), not a wake-up of its own on the job's CPU
	 */
	char stamp[40];
	struct text t;
	text_init(&t, stamp, sizeof stamp);
	text_str(&t, "exec_us=");
	text_u64(&t, mono_us());
	text_str(&t, "\n");
	if (text_done(&t) == 0) {
		ssize_t ignored = write(in->report_fd, stamp, t.len); /* without it the hand-off's time stands */
		(void)ignored;
	}
	harden_pid1(in);
	close(in->report_fd);
	/* the status with the job's end as pid 1 saw it, not as the supervisor will (launcher.h, struct job_exit) */
	struct job_exit done = reap_until_job_exits(job);
	ssize_t ignored = write(in->status_fd, &done, sizeof done);
	(void)ignored;
	_exit(0);
}

int job_main(const struct spec *s, const struct pid1_input *in)
{
	TRACE("p1.born");
	/* the report fd is set already: the supervisor set it before the clone (start.c, clone3_pid1) */
	/* directories are made with their exact modes, without a chmod each; the job gets the umask back */
	mode_t job_umask = umask(0);
	/*
	 * Before the counters (they bound new cgroup namespaces to 0), and while the supervisor writes
	 * our oom_score_adj and id maps: the tasks files were opened by host root, and the kernel checks
	 * the opener's credentials, not ours, so the move needs no id map.
	 */
	join_cgroups(in->tasks_fds, s->ntasks);
	TRACE("p1.cgroups_joined");
	become_ns_root(in->sync_fd);
	TRACE("p1.go");
	setup_root(s, in->trees, -1);
	run_job(s, in, job_umask);
}

int job_main_ahead(int sock, struct pid1_input *in)
{
	TRACE("p1.born");
	mode_t job_umask = umask(0);
	become_ns_root(in->sync_fd);
	/* the supervisor gone (the server gone, or the kept connection let go) means this pid 1 is over */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	const char *at = NULL;
	int counters = -1;
	if (userns_bound_counters("/proc", &counters, &at) < 0)
		fail_errno(STEP_COUNTERS, errno, at);
	TRACE("p1.ahead_ready");
	ahead_receive(sock, in, counters, job_umask, job_run_received); /* goes on there, with the run's spec */
}

void job_run_received(const struct spec *s, struct pid1_input *in, int counters, mode_t job_umask)
{
	TRACE("p1.spec_received");
	join_cgroups(in->tasks_fds, s->ntasks);
	TRACE("p1.cgroups_joined");
	setup_root(s, in->trees, counters);
	run_job(s, in, job_umask);
}
