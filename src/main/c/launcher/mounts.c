/*
 * The throwaway root: an overlay of the image's read-only layers with an upper dir on a tmpfs
 * sized by the disk limit, built inside the run's own mount namespace so that it vanishes with
 * the run's last process. Nothing of the host is visible but what the spec binds read-only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher.h"

#define PATH_LEN 4096

static char root[PATH_LEN];

static int join(char *out, const char *a, const char *b)
{
	int n = snprintf(out, PATH_LEN, "%s%s%s", a, (b[0] == '/' ? "" : "/"), b);
	if (n < 0 || n >= PATH_LEN) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0)
		return errno == EEXIST ? 0 : -1;
	return chmod(path, mode); /* umask-proof: /tmp and /dev/shm need 1777 */
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
 * Flags a remount inside a user namespace must keep: the kernel locks nosuid/nodev/noexec
 * and the atime mode of a mount that came from a more privileged namespace (EPERM otherwise).
 */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
	if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
	return f;
}

static int bind_mount(const char *src, const char *target, int read_only, unsigned long extra)
{
	if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -1;
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | extra | locked_flags(target);
	if (read_only)
		flags |= MS_RDONLY;
	return mount(NULL, target, NULL, flags, NULL);
}

/* Paths are chosen by the engine; refuse what would break the overlay option syntax. */
static int overlay_options(const struct spec *s, const char *upper, const char *work, char *out)
{
	size_t used = 0;
	used += (size_t)snprintf(out, PATH_LEN * 4, "lowerdir=");
	for (int i = 0; i < s->nlayers; i++) {
		if (strpbrk(s->layers[i], ":,\\")) {
			errno = EINVAL;
			return -1;
		}
		used += (size_t)snprintf(out + used, PATH_LEN * 4 - used, "%s%s", i ? ":" : "", s->layers[i]);
		if (used >= PATH_LEN * 4) {
			errno = ENAMETOOLONG;
			return -1;
		}
	}
	used += (size_t)snprintf(out + used, PATH_LEN * 4 - used,
				 ",upperdir=%s,workdir=%s,userxattr", upper, work);
	if (used >= PATH_LEN * 4) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int mount_scratch(const struct spec *s, const char **at)
{
	char opts[128], p[PATH_LEN];
	/* stops our mounts from propagating back to the host's namespace */
	*at = "make / rprivate";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	/* one tmpfs for everything the run may write outside /box: the disk limit */
	*at = "scratch tmpfs";
	snprintf(opts, sizeof opts, "size=%llu,mode=0755", (unsigned long long)s->disk_bytes);
	if (mount("tmpfs", s->run_dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return -1;
	static const struct { const char *path; mode_t mode; } dirs[] = {
		{ "upper", 0755 }, { "work", 0755 }, { "root", 0755 }, { "shm", 01777 },
		/* /tmp lives in the upper layer from the start: no copy-up of a host-owned dir needed */
		{ "upper/tmp", 01777 },
	};
	*at = "scratch dirs";
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (join(p, s->run_dir, dirs[i].path) < 0 || make_dir(p, dirs[i].mode) < 0)
			return -1;
	return 0;
}

static int mount_overlay(const struct spec *s, const char **at)
{
	char upper[PATH_LEN], work[PATH_LEN], opts[PATH_LEN * 4];
	*at = "overlay";
	if (join(upper, s->run_dir, "upper") < 0 || join(work, s->run_dir, "work") < 0 ||
	    join(root, s->run_dir, "root") < 0 || overlay_options(s, upper, work, opts) < 0)
		return -1;
	return mount("overlay", root, "overlay", MS_NOSUID | MS_NODEV, opts);
}

static int mount_binds(const struct spec *s, const char **at)
{
	char target[PATH_LEN];
	for (int i = 0; i < s->nbinds; i++) {
		*at = s->binds[i].dst;
		struct stat st;
		if (join(target, root, s->binds[i].dst) < 0 || stat(s->binds[i].src, &st) < 0)
			return -1;
		if ((S_ISDIR(st.st_mode) ? make_dir(target, 0755) : make_file(target)) < 0 && errno != EROFS)
			return -1;
		if (bind_mount(s->binds[i].src, target, s->binds[i].read_only, 0) < 0)
			return -1;
	}
	/* the image's own directories (/etc…) are read-only too, not only its binds */
	for (int i = 0; i < s->nro; i++) {
		*at = s->ro_paths[i];
		if (join(target, root, s->ro_paths[i]) < 0 || bind_mount(target, target, 1, 0) < 0)
			return -1;
	}
	*at = "/box";
	if (join(target, root, "box") < 0 || make_dir(target, 0755) < 0)
		return -1;
	return bind_mount(s->box, target, 0, 0);
}

/* A minimal /dev: no tty, no disks, no kmsg — only the harmless character devices. */
static int mount_dev(const struct spec *s, const char **at)
{
	static const char *const devices[] = { "null", "zero", "full", "random", "urandom" };
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
	};
	char dev[PATH_LEN], p[PATH_LEN], host[64];
	*at = "/dev";
	if (join(dev, root, "dev") < 0 || make_dir(dev, 0755) < 0 ||
	    mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,nr_inodes=64,mode=0755") < 0)
		return -1;
	for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++) {
		*at = devices[i];
		snprintf(host, sizeof host, "/dev/%s", devices[i]);
		if (join(p, dev, devices[i]) < 0 || make_file(p) < 0 ||
		    mount(host, p, NULL, MS_BIND, NULL) < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
		if (join(p, dev, links[i][1]) < 0 || symlink(links[i][0], p) < 0)
			return -1;
	*at = "/dev/shm";
	char shm[PATH_LEN];
	if (join(p, dev, "shm") < 0 || make_dir(p, 01777) < 0 || join(shm, s->run_dir, "shm") < 0)
		return -1;
	return bind_mount(shm, p, 0, MS_NOEXEC);
}

int mnt_build_root(const struct spec *s, const char **at)
{
	char p[PATH_LEN];
	if (mount_scratch(s, at) < 0 || mount_overlay(s, at) < 0 || mount_binds(s, at) < 0 ||
	    mount_dev(s, at) < 0)
		return -1;
	/* a fresh /proc of the run's own pid namespace: only its processes are visible */
	*at = "/proc";
	if (join(p, root, "proc") < 0 || make_dir(p, 0555) < 0 ||
	    mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -1;
	return 0;
}

/* pivot_root(".", ".") then detach the old root: no path leads back to the host's tree. */
int mnt_pivot(const struct spec *s, const char **at)
{
	*at = "chdir new root";
	if (chdir(root) < 0)
		return -1;
	*at = "pivot_root";
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return -1;
	*at = "detach old root";
	if (umount2(".", MNT_DETACH) < 0)
		return -1;
	*at = "chdir /box";
	return chdir("/box");
}
