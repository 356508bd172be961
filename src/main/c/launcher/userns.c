/* User namespace: the job's ids map to an unprivileged host range, never to host root. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher.h"

/*
 * Writes data to the file at path, relative to dir (a directory fd, or AT_FDCWD), in one write, and
 * leaves the file open: the value is set by the write, and the caller's process closes its
 * descriptors in bulk with close_range (the supervisor after each run, end_run; pid 1 once the job is
 * forked, harden_pid1), so each file costs an open and a write, not a close too. On this VM a system
 * call costs ~1.5 us of CPU: the fifteen files written per run were fifteen closes.
 */
static int write_file(int dir, const char *path, const char *data)
{
	int fd = openat(dir, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = strlen(data);
	ssize_t n = write(fd, data, len);
	return n == (ssize_t)len ? 0 : -1;
}

/*
 * The kernel charges a user namespace's per-user counters (inotify instances and watches, the
 * other /proc/sys/user/max_* and the rlimit counters) to the euid that created it, on top of the
 * namespace's own limits. Created by host root, a job holding 128 inotify instances made
 * inotify_init1 fail for host root and every other job. So the supervisor creates it as the
 * run's own unprivileged range (the uid that becomes 0 inside): with SECBIT_NO_SETUID_FIXUP it
 * keeps its capabilities while its euid is not 0, and takes euid 0 back right after the clone.
 */
int userns_owner_begin(uid_t base)
{
	if (prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0) < 0)
		return -1;
	if (setresgid(-1, base, -1) < 0)
		return -1;
	return setresuid(-1, base, -1);
}

int userns_owner_end(void)
{
	if (setresuid(-1, 0, -1) < 0)
		return -1;
	return setresgid(-1, 0, -1);
}

/*
 * Written by the (host-root) supervisor, through pid 1's /proc directory (proc_dir): inside ids 0..65535 map to base..base+65535.
 * Host root is never mapped, so a file owned by host root is "nobody" inside and an escape
 * out of the namespace lands on an unprivileged uid. Each concurrent job has a base of its own,
 * so per-user kernel limits (pipe buffers, epoll watches…) are not shared between jobs.
 */
int userns_write_maps(int proc_dir, uid_t base)
{
	char map[64];
	snprintf(map, sizeof map, "0 %u 65536\n", (unsigned)base);
	if (write_file(proc_dir, "uid_map", map) < 0)
		return -1;
	return write_file(proc_dir, "gid_map", map);
}

/*
 * Limits of the run's own user namespace, written by pid 1 (root of it, with CAP_SYS_RESOURCE
 * there) through the run's own /proc: a bound per run below its range's per-user host limits.
 * Namespaces of every kind: 0, so even a seccomp profile that let clone or unshare through could
 * not nest one; fanotify: 0.
 */
int userns_bound_counters(const char *proc, int *dir_out, const char **at)
{
	static const struct { const char *name; const char *value; } limits[] = {
		{ "max_inotify_instances", "32" }, { "max_inotify_watches", "8192" },
		{ "max_fanotify_groups", "0" }, { "max_fanotify_marks", "0" },
		{ "max_user_namespaces", "0" }, { "max_pid_namespaces", "0" }, { "max_net_namespaces", "0" },
		{ "max_ipc_namespaces", "0" }, { "max_uts_namespaces", "0" }, { "max_time_namespaces", "0" },
	};
	char path[256];
	struct text t;
	text_init(&t, path, sizeof path);
	text_str(&t, proc);
	text_str(&t, "/sys/user");
	*at = "/proc/sys/user";
	if (text_done(&t) < 0)
		return -1;
	/*
	 * one path walk for the twelve files (ten here, two in userns_bound_late_counters); it and they stay
	 * open until harden_pid1 (job.c) closes them
	 */
	int dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1;
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		*at = limits[i].name;
		/* a kernel without the counter (fanotify's came in 5.13) has nothing to bound */
		if (write_file(dir, limits[i].name, limits[i].value) < 0 && errno != ENOENT)
			return -1;
	}
	if (!dir_out)
		return userns_bound_late_counters(dir, at);
	*dir_out = dir;
	return 0;
}

/*
 * The last two counters, through userns_bound_counters' directory: written once pid 1 has unshared its
 * cgroup namespace and built the run's root (the unshare counts against max_cgroup_namespaces, and every
 * detached mount pid 1 makes, fsmount's and open_tree's, is an anonymous mount namespace counted against
 * max_mnt_namespaces: bounded to 0 first, the scratch tmpfs fails with ENOSPC). Apart from the others
 * only for a pid 1 cloned ahead of its spec, which bounds the other ten while it waits (start.c,
 * start_ahead).
 */
int userns_bound_late_counters(int dir, const char **at)
{
	*at = "max_mnt_namespaces";
	if (write_file(dir, "max_mnt_namespaces", "0") < 0)
		return -1;
	*at = "max_cgroup_namespaces";
	return write_file(dir, "max_cgroup_namespaces", "0");
}

static int last_cap = -1;

/*
 * The highest capability the kernel knows, read once by the server before any supervisor is forked
 * (so every pid 1 reads it from a page it shares unchanged): with it, userns_drop_bounding drops exactly
 * those and makes no call that fails. A failed call writes errno, whose page (the thread's, on the heap
 * of this static binary) pid 1 shares with its supervisor: a copy-on-write fault with a page copy in every
 * run. -1 (no /proc) keeps the loop that stops at the kernel's EINVAL.
 */
void userns_read_last_cap(void)
{
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char text[16];
	ssize_t n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return;
	text[n] = '\0';
	int cap = 0, digits = 0;
	for (char *p = text; *p >= '0' && *p <= '9' && cap < 64; p++, digits++)
		cap = cap * 10 + (*p - '0');
	if (digits > 0 && cap < 64)
		last_cap = cap;
}

/*
 * The bounding set (so no later execve of a file with capabilities can regain one; it needs
 * CAP_SETPCAP, so it comes before the rest), then the ambient set. Pid 1 does this once, before it
 * forks the job, which inherits both sets empty: each drop makes new credentials, and doing it in
 * both processes put ~40 of them on the job's path. Capabilities are numbered without gaps up to
 * the kernel's last (last_cap); where that is unknown, the loop ends at the first one the kernel
 * does not know (EINVAL).
 */
int userns_drop_bounding(void)
{
	for (int cap = 0; cap <= (last_cap >= 0 ? last_cap : 63); cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
			continue;
		if (errno != EINVAL)
			return -1;
		break;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -1;
	return 0;
}

/* Permitted, effective and inheritable emptied: with the bounding set empty, no capability is left. */
int userns_clear_caps(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof data);
	return (int)syscall(SYS_capset, &hdr, data);
}

/*
 * Becomes uid/gid 1000 inside the namespace with no capability and no supplementary group. The
 * bounding and ambient sets are already empty (pid 1 dropped them before the fork).
 */
int userns_drop_to_job_user(void)
{
	if (setgroups(0, NULL) < 0)
		return -1;
	if (setresgid(JOB_GID, JOB_GID, JOB_GID) < 0)
		return -1;
	if (setresuid(JOB_UID, JOB_UID, JOB_UID) < 0)
		return -1;
	/* Belt and braces: the uid change must have cleared every capability. */
	return userns_clear_caps();
}
