/* Proctor launcher: shared declarations. */
#ifndef PROCTOR_LAUNCHER_H
#define PROCTOR_LAUNCHER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MAX_ITEMS 256

/* Every failure names its step: "step=pivot_root errno=22" on the report fd. */
enum step {
	STEP_SPEC, STEP_OPEN, STEP_CLONE, STEP_IDMAP, STEP_SYNC, STEP_CGROUP, STEP_HOSTNAME,
	STEP_NETWORK, STEP_MOUNTS, STEP_PIVOT_ROOT, STEP_FORK, STEP_STDIO, STEP_DROP_PRIVS,
	STEP_RLIMITS, STEP_NO_NEW_PRIVS, STEP_CLOSE_FDS, STEP_SECCOMP, STEP_EXEC
};

struct bind {
	char *src;
	char *dst;
	int read_only;
};

/* The run spec, sent by Java as NUL-terminated "key=value" entries ending with an empty one. */
struct spec {
	char *id;
	char *argv[MAX_ITEMS + 1];
	int argc;
	char *envp[MAX_ITEMS + 1];
	int envc;
	char *layers[MAX_ITEMS];
	int nlayers;
	struct bind binds[MAX_ITEMS];
	int nbinds;
	char *ro_paths[MAX_ITEMS];
	int nro;
	char *tasks[16];
	int ntasks;
	char *cgroup_dir;
	char *cpu_file;
	int cpu_file_usec;     /* 1: v2 cpu.stat "usage_usec N"; 0: v1 cpuacct.usage in ns */
	char *mem_file;
	char *box;
	char *run_dir;
	char *stdin_path;
	char *stdout_path;
	char *stderr_path;
	char *seccomp_path;
	char *hostname;
	int loopback;
	uint64_t disk_bytes;
	uint64_t capture_max;
	uint64_t output_max;
	uint64_t cpu_limit_us;
	uint64_t wall_limit_us;
	uint64_t sample_us;
	uint64_t rlimit_cpu_s;
	uint64_t rlimit_stack;
	uint64_t rlimit_nofile;
	uint64_t rlimit_fsize;
	uid_t uid_base;
};

/* spec.c */
int spec_parse(char *buf, size_t len, struct spec *s, const char **bad_key);

/* report.c: the report fd carries one line per failure; EOF without a line means exec happened. */
void report_set_fd(int fd);
void __attribute__((noreturn)) fail(enum step step);
void __attribute__((noreturn)) fail_errno(enum step step, int err, const char *detail);
const char *step_name(enum step step);

/* userns.c */
int userns_write_maps(pid_t pid, uid_t base);
int userns_drop_to_job_user(void);

/* mounts.c */
int mnt_build_root(const struct spec *s, const char **failed_at);
int mnt_pivot(const struct spec *s, const char **failed_at);

/* net.c */
int net_loopback_up(void);

/* seccomp.c */
int seccomp_load_file(const char *path, void **prog, size_t *len);
int seccomp_install(void *prog, size_t len);

/* supervisor.c */
void supervise(int conn) __attribute__((noreturn));

/* job.c: what runs inside the new namespaces */
int job_main(const struct spec *s, int sync_fd, int report_fd, int status_fd, int stdin_fd,
	     int stdout_fd, int stderr_fd, const int *tasks_fds, void *bpf, size_t bpf_len)
	__attribute__((noreturn));

#define JOB_UID 1000
#define JOB_GID 1000

#endif
