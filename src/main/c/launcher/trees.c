/*
 * The host side of a run's mount tree, prepared by the supervisor (host root) before the clone:
 * a detached copy (open_tree) of every host directory the run shows, with its mount attributes
 * already set, and the run's own /dev. Pid 1 inherits the descriptors and only attaches them
 * (move_mount), so it never resolves a host path: the state directory stays 0700 root, and the
 * run's mountinfo names no host path (runc passes bind sources into user namespaces the same way).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/mount.h>

#include "launcher.h"

static int clone_tree(const char *path, int recursive, uint64_t attrs)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path, flags);
	if (fd < 0)
		return -1;
	struct mount_attr attr = { .attr_set = attrs };
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
		    sizeof attr) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/*
 * Each run gets device nodes of its own: a lock or an inotify watch on /dev/null is then not a
 * channel between runs, as it would be on one shared template. Only the harmless character
 * devices: no tty, no disk, no kmsg, no mem. Made here because a user namespace cannot mknod.
 */
int trees_make_dev(void)
{
	static const struct { const char *name; unsigned minor; } nodes[] = {
		{ "null", 3 }, { "zero", 5 }, { "full", 7 }, { "random", 8 }, { "urandom", 9 },
	};
	static const char *const links[][2] = {
		{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	};
	/* a few inodes and no data: nothing can be stored in /dev even before it is made read-only */
	int mnt = mnt_new_tmpfs("4k", "16", "0755", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return -1;
	/* mknod honours the umask: 0 while the nodes are made (two calls, not a chmod per node) */
	mode_t umask_was = umask(0);
	for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
		if (mknodat(mnt, nodes[i].name, S_IFCHR | 0666, makedev(1, nodes[i].minor)) < 0) {
			umask(umask_was);
			goto fail;
		}
	umask(umask_was);
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
		if (symlinkat(links[i][1], mnt, links[i][0]) < 0)
			goto fail;
	/* the mount point of the run's /dev/shm (on its scratch tmpfs) */
	if (mkdirat(mnt, "shm", 0755) < 0)
		goto fail;
	/* a run cannot add anything to /dev */
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	if (syscall(SYS_mount_setattr, mnt, "", AT_EMPTY_PATH, &ro, sizeof ro) < 0)
		goto fail;
	return mnt;
fail:;
	int err = errno;
	close(mnt);
	errno = err;
	return -1;
}

int trees_open(const struct spec *s, struct trees *t, const char **at)
{
	t->box = -1; /* t->dev: made ahead (start_prepare), by an idle supervisor */
	for (int i = 0; i < s->nlayers; i++)
		t->layer[i] = -1;
	for (int i = 0; i < s->nbinds; i++)
		t->bind[i] = -1;
	/* image layers are only ever read: the overlay's upper dir takes every write */
	for (int i = 0; i < s->nlayers; i++) {
		*at = s->layers[i];
		if ((t->layer[i] = clone_tree(s->layers[i], 0, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					      MOUNT_ATTR_NODEV)) < 0)
			return -1;
	}
	/*
	 * Host binds with everything below them, each read-only unless the image says otherwise, all
	 * nosuid (no setuid program of the host gains anything) and nodev (a device node planted in a
	 * bound directory stays inert).
	 */
	for (int i = 0; i < s->nbinds; i++) {
		*at = s->binds[i].src;
		uint64_t attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (s->binds[i].read_only ? MOUNT_ATTR_RDONLY : 0);
		if ((t->bind[i] = clone_tree(s->binds[i].src, 1, attrs)) < 0)
			return -1;
	}
	*at = s->box;
	if ((t->box = clone_tree(s->box, 0, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)) < 0)
		return -1;
	return 0;
}

void trees_close(struct trees *t, const struct spec *s)
{
	for (int i = 0; i < s->nlayers; i++)
		if (t->layer[i] >= 0)
			close(t->layer[i]);
	for (int i = 0; i < s->nbinds; i++)
		if (t->bind[i] >= 0)
			close(t->bind[i]);
	if (t->box >= 0)
		close(t->box);
	if (t->dev >= 0)
		close(t->dev);
}
