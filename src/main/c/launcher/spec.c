/* Parses the run spec sent by the Java engine (trusted input, still bounds-checked). */
#include <stdlib.h>
#include <string.h>

#include "launcher.h"

/*
 * Decimal digits only, no sign, no blanks, no overflow: strtoull would take " 5", "+5" and "-1"
 * (as 2^64-1, an unlimited limit) and wrap on overflow, so a malformed limit could lift a bound.
 */
static int parse_u64(const char *v, uint64_t *out)
{
	uint64_t x = 0;
	if (*v == '\0')
		return -1;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		uint64_t digit = (uint64_t)(*p - '0');
		if (x > (UINT64_MAX - digit) / 10)
			return -1;
		x = x * 10 + digit;
	}
	*out = x;
	return 0;
}

static int add(char **arr, int *n, int max, char *v)
{
	if (*n >= max)
		return -1;
	arr[(*n)++] = v;
	return 0;
}

static int parse_bind(struct spec *s, char *v, int max)
{
	/* "SRC\tDST\tro|rw" */
	char *dst = strchr(v, '\t');
	if (!dst || s->nbinds >= max)
		return -1;
	*dst++ = '\0';
	char *mode = strchr(dst, '\t');
	if (!mode)
		return -1;
	*mode++ = '\0';
	s->binds[s->nbinds].src = v;
	s->binds[s->nbinds].dst = dst;
	s->binds[s->nbinds].read_only = strcmp(mode, "rw") != 0;
	s->nbinds++;
	return 0;
}

static int set_number(struct spec *s, const char *key, const char *v)
{
	static const struct { const char *key; size_t off; } nums[] = {
		{ "disk_bytes", offsetof(struct spec, disk_bytes) },
		{ "disk_inodes", offsetof(struct spec, disk_inodes) },
		{ "output_max", offsetof(struct spec, output_max) },
		{ "cpu_limit_us", offsetof(struct spec, cpu_limit_us) },
		{ "wall_limit_us", offsetof(struct spec, wall_limit_us) },
		{ "sample_us", offsetof(struct spec, sample_us) },
		{ "rlimit_cpu_s", offsetof(struct spec, rlimit_cpu_s) },
		{ "rlimit_stack", offsetof(struct spec, rlimit_stack) },
		{ "rlimit_nofile", offsetof(struct spec, rlimit_nofile) },
		{ "rlimit_fsize", offsetof(struct spec, rlimit_fsize) },
	};
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
		if (strcmp(key, nums[i].key) == 0)
			return parse_u64(v, (uint64_t *)((char *)s + nums[i].off));
	return 1;
}

static int set_string(struct spec *s, const char *key, char *v)
{
	static const struct { const char *key; size_t off; } strs[] = {
		{ "id", offsetof(struct spec, id) },
		{ "cgroup_dir", offsetof(struct spec, cgroup_dir) },
		{ "cpu_file", offsetof(struct spec, cpu_file) },
		{ "mem_file", offsetof(struct spec, mem_file) },
		{ "box", offsetof(struct spec, box) },
		{ "run_dir", offsetof(struct spec, run_dir) },
		{ "stdin", offsetof(struct spec, stdin_path) },
		{ "stdout", offsetof(struct spec, stdout_path) },
		{ "stderr", offsetof(struct spec, stderr_path) },
		{ "stdout_fifo", offsetof(struct spec, stdout_fifo) },
		{ "seccomp", offsetof(struct spec, seccomp_path) },
		{ "hostname", offsetof(struct spec, hostname) },
	};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		if (strcmp(key, strs[i].key) == 0) {
			*(char **)((char *)s + strs[i].off) = v;
			return 0;
		}
	return 1;
}

static int set_key(struct spec *s, const struct spec_room *room, const char *key, char *v)
{
	if (strcmp(key, "arg") == 0) /* one entry kept for argv's NULL */
		return add(s->argv, &s->argc, room->argv_max, v);
	if (strcmp(key, "env") == 0)
		return add(s->envp, &s->envc, room->envp_max, v);
	if (strcmp(key, "layer") == 0)
		return add(s->layers, &s->nlayers, room->layers_max, v);
	if (strcmp(key, "ro") == 0)
		return add(s->ro_paths, &s->nro, room->ro_max, v);
	if (strcmp(key, "tasks") == 0)
		return add(s->tasks, &s->ntasks, 16, v);
	if (strcmp(key, "bind") == 0)
		return parse_bind(s, v, room->binds_max);
	if (strcmp(key, "cpu_format") == 0) {
		s->cpu_file_usec = strcmp(v, "usec") == 0;
		return s->cpu_file_usec || strcmp(v, "ns") == 0 ? 0 : -1;
	}
	if (strcmp(key, "box_overlay") == 0) {
		s->box_overlay = strcmp(v, "1") == 0;
		return s->box_overlay || strcmp(v, "0") == 0 ? 0 : -1;
	}
	if (strcmp(key, "ahead") == 0) {
		s->ahead = strcmp(v, "1") == 0;
		return s->ahead || strcmp(v, "0") == 0 ? 0 : -1;
	}
	if (strcmp(key, "keep") == 0) {
		s->keep = strcmp(v, "1") == 0;
		return s->keep || strcmp(v, "0") == 0 ? 0 : -1;
	}
	if (strcmp(key, "network") == 0) {
		s->loopback = strcmp(v, "loopback") == 0;
		return strcmp(v, "loopback") == 0 || strcmp(v, "none") == 0 ? 0 : -1;
	}
	if (strcmp(key, "uid_base") == 0) {
		uint64_t base;
		if (parse_u64(v, &base) < 0 || base == 0 || base > 4000000000ULL)
			return -1;
		s->uid_base = (uid_t)base;
		return 0;
	}
	int r = set_number(s, key, v);
	if (r <= 0)
		return r;
	return set_string(s, key, v);
}

/*
 * buf holds "k=v\0k=v\0...\0"; pointers into buf are kept, the lists' entries go to lists. Returns 0 or
 * -1 with *bad_key set.
 */
int spec_parse(char *buf, size_t len, struct spec *s, struct spec_lists *lists, const char **bad_key)
{
	struct spec_room room = {
		.argv = lists->argv, .envp = lists->envp, .layers = lists->layers, .binds = lists->binds,
		.ro_paths = lists->ro_paths, .argv_max = MAX_ARGV, .envp_max = MAX_ARGV, .layers_max = MAX_ITEMS,
		.binds_max = MAX_ITEMS, .ro_max = MAX_ITEMS,
	};
	return spec_parse_into(buf, len, s, &room, bad_key);
}

int spec_parse_into(char *buf, size_t len, struct spec *s, const struct spec_room *room, const char **bad_key)
{
	memset(s, 0, sizeof *s);
	s->argv = room->argv;
	s->envp = room->envp;
	s->layers = room->layers;
	s->binds = room->binds;
	s->ro_paths = room->ro_paths;
	size_t pos = 0;
	while (pos < len && buf[pos] != '\0') {
		char *entry = buf + pos;
		size_t elen = strnlen(entry, len - pos);
		if (pos + elen >= len) {
			*bad_key = "(unterminated)";
			return -1;
		}
		pos += elen + 1;
		char *eq = strchr(entry, '=');
		if (!eq) {
			*bad_key = entry;
			return -1;
		}
		*eq = '\0';
		if (set_key(s, room, entry, eq + 1) != 0) {
			*bad_key = entry;
			return -1;
		}
	}
	s->argv[s->argc] = NULL;
	s->envp[s->envc] = NULL;
	/* disk_inodes 0 would be tmpfs's "unlimited": millions of inodes outliving the run's memory cgroup */
	if (s->argc == 0 || !s->run_dir || !s->box || s->nlayers == 0 || !s->uid_base || !s->disk_inodes ||
	    !s->stdout_path || !s->stderr_path) {
		*bad_key = "(missing required key)";
		return -1;
	}
	return 0;
}
