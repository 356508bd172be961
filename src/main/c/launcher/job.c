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
#include <sys/wait.h>
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
	set_rlimit(RLIMIT_CORE, 0);              /* no core dumps filling the disk */
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

static void reset_signals(void)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL); /* SIG_IGN survives execve: the job must start clean */
}

static void write_self(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t ignored = write(fd, value, strlen(value));
		(void)ignored;
		close(fd);
	}
}

/* pid 2: becomes the job. */
static void __attribute__((noreturn)) exec_job(const struct spec *s, int report_fd, int stdin_fd,
					       int stdout_fd, int stderr_fd, void *bpf, size_t bpf_len)
{
	reset_signals();
	/* pid 1 is shielded from the OOM killer by the supervisor; the job is not */
	write_self("/proc/self/oom_score_adj", "0");
	if (dup2(stdin_fd, 0) < 0 || dup2(stdout_fd, 1) < 0 || dup2(stderr_fd, 2) < 0)
		fail(STEP_STDIO);
	if (setsid() < 0)
		fail(STEP_STDIO);
	if (userns_drop_to_job_user() < 0)
		fail(STEP_DROP_PRIVS);
	set_rlimits(s);
	/* setuid binaries and file capabilities can never raise privileges again */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(STEP_NO_NEW_PRIVS);
	/* no fd of the launcher leaks into the job: only 0-2 and the close-on-exec report fd */
	if (report_fd > 3 && close_range(3, (unsigned)report_fd - 1, 0) < 0)
		fail(STEP_CLOSE_FDS);
	if (close_range((unsigned)report_fd + 1, ~0U, 0) < 0)
		fail(STEP_CLOSE_FDS);
	if (bpf && seccomp_install(bpf, bpf_len) < 0)
		fail(STEP_SECCOMP);
	execvpe(s->argv[0], s->argv, s->envp);
	fail_errno(STEP_EXEC, errno, s->argv[0]);
}

static void join_cgroups(const int *tasks_fds, int ntasks)
{
	/* v1: the process moves itself ("0" = the writer): no parent-side pid write (7-12 ms here) */
	for (int i = 0; i < ntasks; i++) {
		if (write(tasks_fds[i], "0", 1) != 1)
			fail(STEP_CGROUP);
		close(tasks_fds[i]);
	}
	/* the job sees its own cgroup as the root of /proc/self/cgroup */
	if (ntasks > 0 && unshare(CLONE_NEWCGROUP) < 0)
		fail(STEP_CGROUP);
}

static void setup_root(const struct spec *s)
{
	const char *at = NULL;
	if (sethostname(s->hostname ? s->hostname : "proctor", strlen(s->hostname ? s->hostname : "proctor")) < 0 ||
	    setdomainname("sandbox", 7) < 0)
		fail(STEP_HOSTNAME);
	if (s->loopback && net_loopback_up() < 0)
		fail(STEP_NETWORK);
	if (mnt_build_root(s, &at) < 0)
		fail_errno(STEP_MOUNTS, errno, at);
	if (mnt_pivot(s, &at) < 0)
		fail_errno(STEP_PIVOT_ROOT, errno, at);
}

/* Reaps every orphan; returns when the job itself has exited, with its wait status. */
static int reap_until_job_exits(pid_t job)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid == job)
			return status;
		if (pid < 0 && errno != EINTR)
			return -1;
	}
}

int job_main(const struct spec *s, int sync_fd, int report_fd, int status_fd, int stdin_fd,
	     int stdout_fd, int stderr_fd, const int *tasks_fds, void *bpf, size_t bpf_len)
{
	report_set_fd(report_fd);
	char go;
	if (read(sync_fd, &go, 1) != 1) /* the supervisor has written our uid/gid maps */
		fail(STEP_SYNC);
	close(sync_fd);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 || setgroups(0, NULL) < 0)
		fail(STEP_IDMAP);
	join_cgroups(tasks_fds, s->ntasks);
	setup_root(s);
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* the supervisor gone means the run is over */
	pid_t job = fork();
	if (job < 0)
		fail(STEP_FORK);
	if (job == 0)
		exec_job(s, report_fd, stdin_fd, stdout_fd, stderr_fd, bpf, bpf_len);
	/* pid 1 keeps nothing the job could use: not its stdio, not the report fd */
	close(report_fd);
	close(stdin_fd);
	close(stdout_fd);
	close(stderr_fd);
	int status = reap_until_job_exits(job);
	ssize_t ignored = write(status_fd, &status, sizeof status);
	(void)ignored;
	_exit(0);
}
