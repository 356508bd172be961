/*
 * The cgroup files a supervisor opens for its runs (the v1 "tasks" files pid 1 moves itself in by, the
 * CPU and memory counters it watches), kept open from run to run. The engine recycles its cgroups (its
 * pool, CgroupPool.java): a supervisor serves run after run in the same few, and opened each of their
 * files again for every run, a path of 6-8 components through /sys/fs/cgroup and a kernfs open each
 * (6-6.5 us of CPU an open here; 0.5 us for a descriptor already open), then closed them after it.
 *
 * A kept file is found by its path and open flags. A path names one cgroup for as long as the engine
 * lives: the engine never gives a name twice (its pool numbers every cgroup it makes), so a kept
 * descriptor is never another cgroup's. One whose cgroup was removed (replaced after its uses, or for
 * what a run left in it) is not named by a spec again; it waits, like any file not used for long, to be
 * the least recently used when room is needed, and is closed then (an open file does not keep a
 * removed cgroup: the kernel drains it at the removal, and every later read or write fails, ENODEV). A
 * run that fails drops every kept file (cgfiles_drop), so a failure is never met twice by what was kept.
 *
 * The descriptors are the supervisor's own (close-on-exec). A pid 1 cloned by the supervisor inherits
 * them until its hardening closes every descriptor it does not need (job.c); the spawner closes them
 * as it starts (spawn.c); the job never has them. end_run keeps them (cgfiles_fds).
 */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "launcher.h"

/* CGFILES_MAX (launcher.h): ~16 cgroups' files (tasks in 6 hierarchies, CPU and memory counters), more than a pool rotates */
#define CGFILES_PATH 256
/*
 * The lowest descriptor a kept file gets, if the limit allows (else where it was opened): above the ~30 a
 * run takes, and low enough that the descriptor table stays small (at 1024 each close_range to the end walked
 * a table of 2048 slots; no cheaper than the scattered calls it saved)
 */
#define CGFILES_LOW 64

struct cgfile {
	uint64_t hash;
	uint64_t used; /* the use's number: the least recently used is replaced */
	int fd;
	int flags;
	char path[CGFILES_PATH];
};

static struct cgfile files[CGFILES_MAX];
static int nfiles; /* files[0..nfiles): every one open */
static uint64_t uses;

static uint64_t path_hash(const char *path, int flags)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)(unsigned)flags; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

/* An entry for a new file: a free one, else the least recently used, its file closed. */
static struct cgfile *room(void)
{
	if (nfiles < CGFILES_MAX)
		return &files[nfiles++];
	struct cgfile *lru = &files[0];
	for (int i = 1; i < nfiles; i++)
		if (files[i].used < lru->used)
			lru = &files[i];
	close(lru->fd);
	return lru;
}

int cgfiles_open(const char *path, int flags)
{
	flags |= O_CLOEXEC;
	uint64_t h = path_hash(path, flags);
	for (int i = 0; i < nfiles; i++) {
		struct cgfile *f = &files[i];
		if (f->hash == h && f->flags == flags && strcmp(f->path, path) == 0) {
			f->used = ++uses;
			return f->fd;
		}
	}
	int fd = open(path, flags);
	size_t len = strlen(path);
	if (fd < 0 || len >= CGFILES_PATH)
		return fd; /* a path too long to keep: this run's only, closed with the run's other files */
	/*
	 * Kept above the descriptors of a run (taken lowest first), side by side: end_run's close_range calls
	 * go around them in one gap, not one per kept file scattered among a run's
	 */
	int high = fcntl(fd, F_DUPFD_CLOEXEC, CGFILES_LOW);
	if (high >= 0) {
		close(fd);
		fd = high;
	}
	struct cgfile *f = room();
	f->hash = h;
	f->used = ++uses;
	f->fd = fd;
	f->flags = flags;
	memcpy(f->path, path, len + 1);
	return fd;
}

int cgfiles_fds(int *out, int max)
{
	int n = nfiles < max ? nfiles : max;
	for (int i = 0; i < n; i++)
		out[i] = files[i].fd;
	return n;
}

void cgfiles_drop(void)
{
	for (int i = 0; i < nfiles; i++)
		close(files[i].fd);
	nfiles = 0;
}
