/*
 * The throwaway root, built by pid 1 inside the run's own mount namespace so that it vanishes with
 * the run's last process: a scratch tmpfs sized by the disk limit (size and inodes) holds the
 * overlay's upper dir, /tmp and /dev/shm; the image's layers, host binds, the work directory and
 * /dev arrive as detached trees from the supervisor (trees.c) and are attached here. Every path
 * is relative to the working directory (the template's /run, mnttemplate.c, or else the spec's
 * run_dir; then the scratch tmpfs): pid 1 has no privilege on the host and never looks a host path up.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/mount.h>

#include "launcher.h"

#define PATH_LEN 4096
#define ROOT MNT_NEW_ROOT

static int join(char *out, const char *a, const char *b)
{
	struct text t;
	text_init(&t, out, PATH_LEN);
	text_str(&t, a);
	text_str(&t, b[0] == '/' ? "" : "/");
	text_str(&t, b);
	return text_done(&t);
}

/* pid 1 runs with umask 0 (job.c): mkdir gives rwx and the sticky bit as asked (/tmp, /dev/shm: 1777) */
static int make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0)
		return errno == EEXIST ? 0 : -1;
	return mode & ~(mode_t)01777 ? chmod(path, mode) : 0; /* setuid/setgid bits: mkdir drops them */
}

static int make_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	close(fd);
	return 0;
}

/*
 * A detached tmpfs (new mount API): "size", "nr_inodes" and "mode" as given, mount attributes
 * MOUNT_ATTR_*; returns the mount's fd, or -1 with errno.
 */
int mnt_new_tmpfs(const char *size, const char *inodes, const char *mode, unsigned attrs)
{
	int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	int mnt = -1;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", "tmpfs", 0) == 0 &&
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", size, 0) == 0 &&
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "nr_inodes", inodes, 0) == 0 &&
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", mode, 0) == 0 &&
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attrs);
	if (mnt >= 0) {
		/* errno untouched on success: in pid 1 its page is the supervisor's until written (a page copy) */
		close(fs);
		return mnt;
	}
	int err = errno;
	close(fs);
	errno = err;
	return -1;
}

static int attach(int tree, const char *target)
{
	return (int)syscall(SYS_move_mount, tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
}

/*
 * attach, onto a mount point made first only when the image lacks it (ENOENT): an image has /usr,
 * /box, /dev and /proc already, and a mkdir that fails with EEXIST was a system call per mount point
 * and run for nothing. A mount point made here is a directory (mode 0755) for a directory tree, else
 * an empty file; on a read-only layer (EROFS) it cannot be made and the attach fails as it would.
 */
static int attach_made(int tree, const char *target)
{
	int rc = attach(tree, target);
	if (rc == 0 || errno != ENOENT)
		return rc;
	struct stat st;
	if (fstat(tree, &st) < 0)
		return -1;
	if ((S_ISDIR(st.st_mode) ? make_dir(target, 0755) : make_file(target)) < 0 && errno != EROFS)
		return -1;
	return attach(tree, target);
}

/*
 * A bind inside the run's own tree, nosuid and nodev like everything a run can write; read_only and
 * extra (MOUNT_ATTR_*) on top. mount_setattr sets those attributes and leaves every other one as it is:
 * a remount had to restate the flags the kernel locks on a mount from a more privileged namespace
 * (nosuid, nodev, noexec, atime, ro), read first with a statfs, a system call and the page of libc's
 * code it runs, in every run for each bind.
 */
static int bind_mount(const char *src, const char *target, int read_only, uint64_t extra)
{
	if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -1;
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | extra | (read_only ? MOUNT_ATTR_RDONLY : 0),
	};
	return (int)syscall(SYS_mount_setattr, AT_FDCWD, target, 0, &attr, sizeof attr);
}

/* Names are relative and chosen here; the layers' host paths never reach the option string. */
static int overlay(const char *target, int nlower, const char *lower_prefix, const char *upper, const char *work)
{
	char opts[PATH_LEN];
	struct text t;
	text_init(&t, opts, sizeof opts);
	text_str(&t, "lowerdir=");
	for (int i = 0; i < nlower; i++) {
		text_str(&t, i ? ":" : "");
		text_str(&t, lower_prefix);
		text_u64(&t, (uint64_t)i);
	}
	text_str(&t, ",upperdir=");
	text_str(&t, upper);
	text_str(&t, ",workdir=");
	text_str(&t, work);
	text_str(&t, ",userxattr");
	if (text_done(&t) < 0)
		return -1;
	return mount("overlay", target, "overlay", MS_NOSUID | MS_NODEV, opts);
}

static int mount_scratch(const struct spec *s, const char **at)
{
	char size[32], inodes[32];
	/* stops our mounts from propagating back to the host's namespace */
	*at = "make / rprivate";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	/*
	 * One tmpfs for everything the run may write outside /box: the disk limit, in bytes and in
	 * inodes (without nr_inodes a run could leave millions of empty files, whose kernel memory
	 * outlives the run's memory cgroup).
	 */
	*at = "scratch tmpfs";
	struct text t;
	text_init(&t, size, sizeof size);
	text_u64(&t, s->disk_bytes);
	text_init(&t, inodes, sizeof inodes);
	text_u64(&t, s->disk_inodes);
	int scratch = mnt_new_tmpfs(size, inodes, "0700", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	/* attached on the working directory (start.c), then entered through its own fd */
	if (scratch < 0 || attach(scratch, ".") < 0 || fchdir(scratch) < 0)
		return -1;
	close(scratch);
	static const struct { const char *path; mode_t mode; } dirs[] = {
		{ "upper", 0755 }, { "work", 0755 }, { ROOT, 0755 }, { "shm", 01777 },
		/* /tmp lives in the upper layer from the start: no copy-up of a host-owned dir needed */
		{ "upper/tmp", 01777 },
	};
	*at = "scratch dirs";
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (make_dir(dirs[i].path, dirs[i].mode) < 0)
			return -1;
	return 0;
}

static int mount_overlay(const struct spec *s, const struct trees *t, const char **at)
{
	char lower[32];
	*at = "image layers";
	for (int i = 0; i < s->nlayers; i++) {
		struct text name;
		text_init(&name, lower, sizeof lower);
		text_str(&name, "layer");
		text_u64(&name, (uint64_t)i);
		if (make_dir(lower, 0700) < 0 || attach(t->layer[i], lower) < 0)
			return -1;
	}
	*at = "overlay";
	return overlay(ROOT, s->nlayers, "layer", "upper", "work");
}

static int mount_binds(const struct spec *s, const struct trees *t, const char **at)
{
	char target[PATH_LEN];
	for (int i = 0; i < s->nbinds; i++) {
		*at = s->binds[i].dst;
		if (join(target, ROOT, s->binds[i].dst) < 0 || attach_made(t->bind[i], target) < 0)
			return -1;
	}
	/* the image's own directories (/etc…) are read-only too, not only its binds */
	for (int i = 0; i < s->nro; i++) {
		*at = s->ro_paths[i];
		if (join(target, ROOT, s->ro_paths[i]) < 0 || bind_mount(target, target, 1, 0) < 0)
			return -1;
	}
	return 0;
}

/*
 * /box: the work directory itself, or (box_overlay) a copy-on-write view of it whose writes land
 * on the scratch tmpfs and vanish with the run, so that one test cannot rewrite ./main or leave
 * state for the next. The view's root keeps the work directory's owner and mode.
 */
static int mount_box(const struct spec *s, const struct trees *t, const char **at)
{
	*at = "/box";
	if (!s->box_overlay)
		return attach_made(t->box, ROOT "/box");
	if (make_dir(ROOT "/box", 0755) < 0)
		return -1;
	struct stat st;
	if (fstat(t->box, &st) < 0 || make_dir("box0", 0700) < 0 || attach(t->box, "box0") < 0 ||
	    make_dir("boxupper", st.st_mode & 07777) < 0 || chown("boxupper", st.st_uid, st.st_gid) < 0 ||
	    make_dir("boxwork", 0700) < 0)
		return -1;
	return overlay(ROOT "/box", 1, "box", "boxupper", "boxwork");
}

/* The run's own /dev (trees.c), read-only, with the scratch tmpfs's shm dir as /dev/shm. */
static int mount_dev(const struct trees *t, const char **at)
{
	*at = "/dev";
	if (attach_made(t->dev, ROOT "/dev") < 0)
		return -1;
	*at = "/dev/shm";
	return bind_mount("shm", ROOT "/dev/shm", 0, MOUNT_ATTR_NOEXEC);
}

int mnt_build_root(const struct spec *s, const struct trees *t, const char **at)
{
	if (mount_scratch(s, at) < 0)
		return -1;
	TRACE("p1.m.scratch");
	if (mount_overlay(s, t, at) < 0)
		return -1;
	TRACE("p1.m.overlay");
	if (mount_binds(s, t, at) < 0)
		return -1;
	TRACE("p1.m.binds_ro");
	if (mount_box(s, t, at) < 0)
		return -1;
	TRACE("p1.m.box");
	if (mount_dev(t, at) < 0)
		return -1;
	TRACE("p1.m.dev");
	/*
	 * A fresh /proc of the run's own pid namespace. hidepid=invisible: the job sees only the
	 * processes it could ptrace, not pid 1 (whose command line names the launcher's socket);
	 * subset=pid: none of the host-wide files (/proc/sys, config.gz, iomem, interrupts, keys,
	 * kallsyms, sched_debug…). Both need Linux 5.8; the launcher's mount calls already need 5.12.
	 * Pid 1 bounds its counters through the namespace's older /proc (job.c), so this one is
	 * mounted restricted at once.
	 */
	*at = "/proc hidepid=invisible,subset=pid";
	static const unsigned long proc_flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	static const char proc_opts[] = "hidepid=invisible,subset=pid";
	if (mount("proc", ROOT "/proc", "proc", proc_flags, proc_opts) == 0)
		return 0;
	/* an image without /proc: the mount point is made (as for the trees above, only when missing) */
	if (errno != ENOENT || make_dir(ROOT "/proc", 0555) < 0 ||
	    mount("proc", ROOT "/proc", "proc", proc_flags, proc_opts) < 0)
		return -1;
	return 0;
}

/* pivot_root(".", ".") then detach the old root: no path leads back to the host's tree. */
int mnt_pivot(const char **at)
{
	TRACE("p1.pivot_begin");
	*at = "chdir new root";
	if (chdir(ROOT) < 0)
		return -1;
	*at = "pivot_root";
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return -1;
	TRACE("p1.pivoted");
	*at = "detach old root";
	if (umount2(".", MNT_DETACH) < 0)
		return -1;
	TRACE("p1.old_root_detached");
	*at = "chdir /box";
	return chdir("/box");
}
