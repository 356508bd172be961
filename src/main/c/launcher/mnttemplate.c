/*
 * The mount namespace every run's is copied from. clone3(CLONE_NEWNS) copies the caller's whole
 * mount table into the new namespace, and pid 1 then detaches all of it again after pivot_root:
 * with the host's table (every mount of the machine, one more per job's work directory) that was
 * two walks over every host mount per run, on the run's path (the copy in clone3, the detach in
 * pid 1), and a third when the namespace died. So the server makes, once, a namespace that holds
 * three mounts: a small read-only tmpfs as its root; on it an empty directory /run (0711: pid 1,
 * which is not host root, must pass through it) where pid 1 attaches its scratch tmpfs; and a proc
 * of the host's pid namespace on /proc, which the kernel asks for before it lets pid 1 (root of a
 * user namespace only) mount a proc of its own (fs_fully_visible), and through which pid 1 bounds
 * its user namespace's counters (job.c). A supervisor joins it just for its clone3 (start.c), so
 * each run's namespace is a copy of these three mounts, which pid 1 detaches once its own root is
 * built: no host path is in a run's namespace even before the pivot.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/mount.h>

#include "launcher.h"

/* In a child of the server: a new mount namespace reduced to the template's tree. dir: any host directory. */
static int build(const char *dir)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	int root = mnt_new_tmpfs("4k", "8", "0755", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (root < 0 || mkdirat(root, "proc", 0555) < 0 || mkdirat(root, MNT_TEMPLATE_RUN, 0711) < 0)
		return -1;
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	if (syscall(SYS_mount_setattr, root, "", AT_EMPTY_PATH, &ro, sizeof ro) < 0 ||
	    syscall(SYS_move_mount, root, "", AT_FDCWD, dir, MOVE_MOUNT_F_EMPTY_PATH) < 0 || chdir(dir) < 0)
		return -1;
	if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -1;
	if (syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return -1;
	return 0;
}

int mnt_template_make(const char *dir)
{
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		char ok = build(dir) == 0 ? 'y' : 'n';
		ssize_t ignored = write(ready[1], &ok, 1);
		(void)ignored;
		for (;;)
			pause(); /* until the server has its namespace's fd and kills it */
	}
	close(ready[1]);
	char ok = 'n';
	ssize_t n = read(ready[0], &ok, 1);
	close(ready[0]);
	int fd = -1;
	if (n == 1 && ok == 'y') {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	int err = errno;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	errno = n == 1 && ok == 'y' ? err : EPERM;
	return fd;
}
