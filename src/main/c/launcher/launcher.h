/* Proctor launcher: shared declarations. */
#ifndef PROCTOR_LAUNCHER_H
#define PROCTOR_LAUNCHER_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MAX_ITEMS 256
/*
 * argv and env entries, each: a job's 256 arguments (the API's limit, JobValidator) come after its
 * profile's command, so argv must take more than 256 (it took 256 in all, and a job with 256 arguments
 * was an internal error); room above that for a profile's longer command or environment.
 */
#define MAX_ARGV 1024

/*
 * Every failure names its step: "step=pivot_root errno=22" (report.c has the one table of names;
 * LaunchStep in Java lists the same).
 */
enum step {
	STEP_SPEC, STEP_OPEN, STEP_CLONE, STEP_IDMAP, STEP_SYNC, STEP_CGROUP, STEP_HOSTNAME,
	STEP_NETWORK, STEP_MOUNTS, STEP_PIVOT_ROOT, STEP_FORK, STEP_STDIO, STEP_DROP_PRIVS,
	STEP_RLIMITS, STEP_NO_NEW_PRIVS, STEP_CLOSE_FDS, STEP_SECCOMP, STEP_EXEC, STEP_COUNTERS,
	STEP_PID1_HARDEN, STEP_OOM_SCORE_ADJ, STEP_SETUP
};

struct bind {
	char *src;
	char *dst;
	int read_only;
};

/*
 * The launcher protocol, documented here once (the Java side, LaunchRequest, LaunchReport and
 * LaunchFailure, points to this comment). A connection to the launcher's socket per run, or per
 * series of runs when the engine keeps it (the spec's "keep").
 *
 * The run spec, sent by Java (LinuxSandboxEngine.request) as NUL-terminated "key=value" entries
 * ending with an empty one. Keys, with * for required ones; numbers are decimal, u64:
 *
 *   id                the run's name, for messages
 *   arg*              argv, in order (repeated); argv[0] is looked up in the env's PATH
 *   env               one "NAME=value" of the job's whole environment (repeated)
 *   layer*            an image layer directory, top-most first (repeated): overlay lower dirs
 *   bind              "SRC\tDST\tro|rw": a host path shown at DST (repeated)
 *   ro                an image path kept read-only in the run, e.g. /etc (repeated)
 *   box*              host path of the job's work directory, shown as /box
 *   box_overlay       1: /box is a copy-on-write view of the work directory (what the run writes
 *                     there vanishes with it); 0 (default): /box is the work directory itself
 *   run_dir*          an empty host directory the run's private mounts hang from; unused (but
 *                     still required) when the server has its mount namespace template
 *                     (mnttemplate.c), where pid 1 starts in the template's /run instead
 *   uid_base*         first host uid/gid of the 65536 the run's user namespace maps (0 inside)
 *   tasks             a v1 cgroup "tasks" file pid 1 moves itself into (repeated, at most 16)
 *   cgroup_dir        the v2 cgroup directory pid 1 is cloned into
 *   cpu_file          the cgroup CPU counter the supervisor watches (cpu limit, samples)
 *   cpu_format        usec (v2 cpu.stat "usage_usec N") or ns (v1 cpuacct.usage, the default)
 *   mem_file          the cgroup memory counter sampled for the timeline
 *   stdin             file read as stdin ("" or absent: /dev/null); may be a FIFO (see stdout_fifo)
 *   stdout*, stderr*  host files the captured output is written to (created 0600)
 *   stdout_fifo       a FIFO the job's stdout is joined to instead of being captured (stdout stays
 *                     empty, and the output limit counts stderr alone): two runs whose stdout_fifo
 *                     is the other's stdin talk to each other. The supervisor opens both before the
 *                     clone, blocking until the other run's supervisor opens the far ends, in the
 *                     order of their paths (so two supervisors never wait on each other's second
 *                     open), for at most 10 s; it never reads or writes them: only the jobs hold them
 *   seccomp           file of the job's BPF program (compiled in Java)
 *   hostname          the run's host name (default proctor)
 *   network           none (default) or loopback
 *   disk_bytes        size of the scratch tmpfs: the writable layer, /tmp, /dev/shm
 *   disk_inodes*      inodes of the scratch tmpfs: files count against the disk limit
 *   output_max        bytes of stdout+stderr kept (each stream its first output_max) and allowed
 *                     in all before the run is killed (killed_by=output)
 *   cpu_limit_us      the cgroup's CPU time at which the run is killed (0: none)
 *   wall_limit_us     the wall time from exec at which the run is killed
 *   sample_us         timeline sampling interval (0: no samples)
 *   rlimit_cpu_s, rlimit_stack, rlimit_nofile, rlimit_fsize: the job's rlimits (0: launcher default)
 *   keep              1: the engine asks to keep the connection for its next run (0, the default: one
 *                     run per connection). The reply then says keep=1 when the supervisor keeps it:
 *                     after its reply it tears the run down, prepares as an idle one does and waits on
 *                     this connection ("proctor-kept", counted neither idle nor busy) for the next spec,
 *                     sent the same way as the first; the connection's end (the engine let it go)
 *                     sends it back to accept() as an idle supervisor (or out, with enough idle). A
 *                     reply without keep=1 (an error, a cancel, the run killed as internal) is the
 *                     connection's last: the supervisor closes it
 *   ahead             1: when this run keeps its connection, the supervisor makes the next run's pid 1
 *                     right after it, before that run's spec comes (start.c, start_ahead): cloned into
 *                     new namespaces owned by this run's uid_base, its id maps written, ten of its twelve
 *                     counters bounded, on this run's CPU. The next spec on the connection is handed to
 *                     it when it can take it (the same uid_base, network none, cgroup v1, its message
 *                     fits: ahead.c); else it is killed and that run cloned as any. Each pid 1 serves one
 *                     run. The engine asks for it while it runs few runs at once (LauncherServer): it
 *                     takes CPU beside other runs to take ~0.5 ms off the next run's path
 *
 * The reply, sent by the supervisor when the run is over, as "key=value" lines ending with "end";
 * a reply without "end" means the supervisor died. Either the run was executed:
 *
 *   exit_code         the job's exit code, when it exited
 *   signal            the signal that ended the job (9 also when pid 1 was killed before the job's
 *                     status reached the supervisor: a kill by the supervisor or the OOM killer)
 *   wall_us           wall time from exec (pid 1's stamp when its vfork returned) to the job's end
 *   killed_by         none, cpu, wall, output, cancel (the connection was closed) or internal
 *   end_mono_us       when the run ended, on CLOCK_MONOTONIC (the JVM's nanoTime clock): when pid 1
 *                     reaped the job (struct job_exit), or the kill's time when the supervisor
 *                     killed it first; orders two joined runs' ends when the engine did not see
 *                     the order in which their output pipes were closed (JoinedEnds.java)
 *   stdout_bytes, stderr_bytes: bytes the job wrote to each stream (also what was not kept)
 *   cpu_us            the cgroup's CPU counter at the end (the engine prefers its own reading)
 *   pid1_killed       1 when pid 1 died before the job's status reached the supervisor (signal=9 then):
 *                     killed by the supervisor (killed_by says so), or by the OOM killer, which counts
 *                     the kill in the run's cgroup only when pid 1's memory is charged there (a pid 1
 *                     made by a spawner shares the spawner's, spawn.c)
 *   sample            "AT_US,CPU_US,MEM_BYTES" of the timeline, oldest first (repeated)
 *   keep              1 when the spec asked for it and the supervisor keeps the connection (see above)
 *
 * or Proctor failed before or at exec (the job's exec failing is step=exec), and the reply is one
 *
 *   error             "step=NAME errno=N [(strerror)] detail=TEXT", NAME one of enum step's names
 *
 * The setup report, on pid 1's close-on-exec report fd: nothing (EOF) once the job exec'd, or
 * one "step=NAME errno=N detail=TEXT" line, sent on as the reply's error.
 */
struct spec {
	char *id;
	char **argv;        /* argc entries, then NULL */
	int argc;
	char **envp;        /* envc entries, then NULL */
	int envc;
	char **layers;
	int nlayers;
	struct bind *binds;
	int nbinds;
	char **ro_paths;
	int nro;
	char *tasks[16];
	int ntasks;
	char *cgroup_dir;
	char *cpu_file;
	int cpu_file_usec;     /* 1: v2 cpu.stat "usage_usec N"; 0: v1 cpuacct.usage in ns */
	char *mem_file;
	char *box;
	int box_overlay;
	char *run_dir;
	char *stdin_path;
	char *stdout_path;
	char *stderr_path;
	char *stdout_fifo;
	char *seccomp_path;
	char *hostname;
	int loopback;
	uint64_t disk_bytes;
	uint64_t disk_inodes;
	uint64_t output_max;
	uint64_t cpu_limit_us;
	uint64_t wall_limit_us;
	uint64_t sample_us;
	uint64_t rlimit_cpu_s;
	uint64_t rlimit_stack;
	uint64_t rlimit_nofile;
	uint64_t rlimit_fsize;
	uid_t uid_base;
	int keep;              /* 1: the engine keeps the connection for its next run (see "keep" above) */
	int ahead;             /* 1: the next run's pid 1 is made ahead (see "ahead" above) */
};

/*
 * Detached mount trees of every host directory a run shows, made by the supervisor (host root)
 * before the clone and inherited by pid 1, which attaches them: pid 1 never resolves a host path,
 * so the state directory stays 0700 root and no host path appears in the run's mountinfo.
 */
struct trees {
	int layer[MAX_ITEMS];
	int bind[MAX_ITEMS];
	int box;
	int dev;  /* the run's own /dev: a small tmpfs with the harmless device nodes */
};

/*
 * Pid 1's one message on its status pipe, written once when the job has exited (16 bytes: one
 * write, atomic on a pipe; a short read means pid 1 died first): the job's wait status, and
 * when pid 1's waitpid returned it, on CLOCK_MONOTONIC in microseconds. Stamped here, not when
 * the supervisor reads the message: a supervisor that is slow to run on a busy machine must not
 * move a run's end after the end of the run it is joined to (which one ended first decides an
 * interactive verdict). The run's time namespace keeps offsets 0 (job.c says why), so this is
 * the host's monotonic clock, the supervisors' and the JVM's nanoTime clock.
 */
struct job_exit {
	int32_t status;
	uint32_t reserved;      /* 0 */
	uint64_t end_mono_us;
};

/* What pid 1 gets from the supervisor: its ends of the pipes, and every prepared input. */
struct pid1_input {
	int sync_fd, report_fd, status_fd, stdin_fd, stdout_fd, stderr_fd;
	int out_pipe;          /* 1: stdout_fd is the write end of the supervisor's stdout pipe; 0: a joined run's FIFO */
	int cpu_restore;       /* 1: the job's mask is set to cpu_before before its execve (cpupin.c) */
	cpu_set_t cpu_before;
	char **env_room;       /* a pid 1 made ahead: where its job's environment goes (start.c, pid1_env); else NULL */
	const int *tasks_fds;
	const struct trees *trees;
	void *bpf;
	size_t bpf_len;
};

/* trace.c: step stamps, only in a launcher built with `make TRACE=1` (none in the product) */
#ifdef PROCTOR_TRACE
void trace_open(void);
void trace_stamp(const char *step);
int trace_fd_get(void);
#define TRACE_OPEN() trace_open()
#define TRACE(step) trace_stamp(step)
#define TRACE_FD() trace_fd_get()
#else
#define TRACE_OPEN() ((void)0)
#define TRACE(step) ((void)0)
#define TRACE_FD() (-1)
#endif

/* spec.c */
/*
 * Where spec_parse puts the lists a spec points to, up to MAX_ARGV or MAX_ITEMS each (26 KiB): the supervisor's,
 * on its own stack. Pid 1 gets a packed copy of the entries in use instead (start.c, clone3_pid1).
 */
struct spec_lists {
	char *argv[MAX_ARGV + 1];
	char *envp[MAX_ARGV + 1];
	char *layers[MAX_ITEMS];
	struct bind binds[MAX_ITEMS];
	char *ro_paths[MAX_ITEMS];
};

int spec_parse(char *buf, size_t len, struct spec *s, struct spec_lists *lists, const char **bad_key);
/*
 * The same into lists of the given sizes: argv and envp hold *_max entries and their NULL (a pid 1 made
 * ahead parses its spec again into lists sized to it, ahead.c, not into 26 KiB of struct spec_lists).
 */
struct spec_room {
	char **argv, **envp, **layers, **ro_paths;
	struct bind *binds;
	int argv_max, envp_max, layers_max, binds_max, ro_max;
};
int spec_parse_into(char *buf, size_t len, struct spec *s, const struct spec_room *room, const char **bad_key);

/*
 * report.c: failures, named by their step. Inside the run the report fd carries one line per
 * failure (EOF without a line means exec happened); in the supervisor reply_error answers the
 * engine with an error= reply.
 */
void report_set_fd(int fd);
void __attribute__((noreturn)) fail(enum step step);
void __attribute__((noreturn)) fail_errno(enum step step, int err, const char *detail);
const char *step_name(enum step step);
void send_all(int fd, const char *buf, size_t len);
/* Answers the engine "error=step=NAME errno=N (strerror) detail=TEXT", and ends the supervisor. */
void reply_error(int conn, enum step step, int err, const char *detail) __attribute__((noreturn));

/* userns.c */
int userns_owner_begin(uid_t base);
int userns_owner_end(void);
int userns_write_maps(int proc_dir, uid_t base);  /* proc_dir: /proc/PID of pid 1 */
/*
 * Bounds the run's user namespace counters through proc: all twelve when dir_out is NULL; else all but
 * max_mnt_namespaces and max_cgroup_namespaces, left to userns_bound_late_counters with the directory
 * put in *dir_out.
 */
int userns_bound_counters(const char *proc, int *dir_out, const char **failed_at);
int userns_bound_late_counters(int dir, const char **failed_at);
void userns_read_last_cap(void);
int userns_drop_bounding(void);
int userns_clear_caps(void);
int userns_drop_to_job_user(void);

/* text.c: a string built into buf (NUL-terminated at every step); over once something did not fit */
struct text {
	char *buf;
	size_t cap, len;
	int over;
};
void text_init(struct text *t, char *buf, size_t cap);
void text_str(struct text *t, const char *s);
void text_u64(struct text *t, uint64_t v);
int text_done(const struct text *t); /* 0, or -1 with errno ENAMETOOLONG if anything did not fit */

/* trees.c: in the supervisor, before the clone (trees_open leaves t->dev to start_prepare) */
int trees_open(const struct spec *s, struct trees *t, const char **failed_at);
int trees_make_dev(void);  /* the run's own /dev, a detached tmpfs: its fd, or -1 */
void trees_close(struct trees *t, const struct spec *s);

/* mounts.c: in pid 1, whose working directory is the template's /run (or run_dir), then its scratch tmpfs */
#define MNT_NEW_ROOT "root"  /* where the run's root is built, relative to the scratch tmpfs */
int mnt_new_tmpfs(const char *size, const char *inodes, const char *mode, unsigned attrs);
int mnt_build_root(const struct spec *s, const struct trees *t, const char **failed_at);
int mnt_pivot(const char **failed_at);

/*
 * fds.c: every descriptor closed but those in keep (nkeep entries in any order, -1 for none, repeats allowed;
 * sorted in place), a close_range per gap between the kept ones, not a close each. 0, or -1 with errno.
 */
int close_fds_but(int *keep, int nkeep);

/* cgroup files a supervisor keeps open from run to run (cgfiles.c) */
#define CGFILES_MAX 128
int cgfiles_open(const char *path, int flags); /* flags without O_CLOEXEC (always added); never closed by the caller */
int cgfiles_fds(int *out, int max);            /* the descriptors kept, into out: their count */
void cgfiles_drop(void);                       /* every kept file closed */

/* net.c */
int net_loopback_up(void);

/*
 * mnttemplate.c: the mount namespace runs are cloned in (the server makes it once; its fd, or -1).
 * MNT_TEMPLATE_RUN: the empty directory of it where pid 1 attaches its scratch tmpfs.
 */
#define MNT_TEMPLATE_RUN "run"
int mnt_template_make(const char *dir);

/* netpool.c: network namespaces made ahead by a child of the launcher server, one per run */
int netpool_start(void);          /* the pool's end, shared by the server and its supervisors, or -1 */
int netpool_take(int pool);       /* a new namespace's fd (close-on-exec), or -1 if none is ready */

/* seccomp.c; the program seccomp_load_file returns stays the caller's to read until its next call (never freed by it) */
int seccomp_load_file(const char *path, void **prog, size_t *len);
int seccomp_install(void *prog, size_t len);
int seccomp_install_reaper(void);

/*
 * supervisor.c: supervisors are forked ahead by the server (server.c). An idle one ("proctor-idle")
 * makes what does not depend on the spec (struct prepared), then waits in accept() on the server's
 * listening socket. The connection it accepts is one run it supervises ("proctor-sup"): it takes a
 * network namespace from the pool, reads the spec, runs it and replies; then, with every descriptor
 * of that run closed and its namespaces left, it prepares and waits for the next connection, one run
 * at a time, unless enough others are idle (then it exits). When the reply said keep=1 (the spec's
 * "keep" above) it keeps the connection instead and, prepared the same way, waits on it for the next
 * spec ("proctor-kept"), back to accept() when the engine closes it; when the spec also said "ahead",
 * it first makes the next run's pid 1 ("proctor-ahead", start.c, start_ahead), which the next spec goes
 * to when it can; its spawner ("proctor-spawn", spawn.c), a child forked on its first such pid 1, clones it. No fork of a supervisor on a run's path, and none per run once the pool is warm. A supervisor whose run failed before its reply (an error
 * reply) exits; idle and kept ones die with the server (parent-death signal).
 */
#define SUP_SLOTS 128
/* SLOT_KEPT: waiting for its next spec on a connection the engine kept; counted neither idle nor busy */
enum { SLOT_FREE, SLOT_IDLE, SLOT_BUSY, SLOT_KEPT };
/*
 * Shared between the server and its supervisors (MAP_SHARED): each supervisor's state in its slot.
 * The server forks supervisors while fewer than low are idle (a supervisor that takes a connection
 * and leaves fewer wakes it on taken_fd); one done with its run stays while fewer than
 * max(high, busy_peak + low) are idle.
 */
struct sup_table {
	_Atomic int state[SUP_SLOTS];
	int low, high;
	/*
	 * The most supervisors ever busy at once. One done with its run stays while fewer than
	 * max(high, busy_peak + low) are idle: the pool keeps what the service's own peak needs. With
	 * high alone, a node whose runs overlapped 4-6 at a time (joined runs, a supervisor still
	 * tearing a run's mounts down while the next starts) shed idle ones at each lull and forked
	 * them again at the next burst: ~4 forks a second in bench http's node.
	 */
	_Atomic int busy_peak;
	/*
	 * Which busy supervisor has each CPU for its run (cpupin.c): its slot + 1, or 0. A run is kept on
	 * one CPU from its connection to its reply, and no two runs on the same one.
	 */
	_Atomic int cpu_owner[CPU_SETSIZE];
};
int sup_table_idle(const struct sup_table *t);
int sup_table_busy(const struct sup_table *t);
struct server_fds {
	int listen_fd, pool, taken_fd;
	int mnt_template, mnt_host;  /* mnttemplate.c, and the server's own mount namespace; or -1 */
	int net_host;                /* the server's network namespace, rejoined after each run; or -1 */
	pid_t server;
	struct sup_table *table;
	/*
	 * The lowest byte of what the kernel put at the top of the launcher's stack (argv, envp, auxv and
	 * their strings: main's argv, the lowest of them): kept in every pid 1 (start.c, pid1_stack_init)
	 */
	const void *stack_args;
};
void supervisor_idle(const struct server_fds *fds, int slot) __attribute__((noreturn));

/* cpupin.c: a run's supervisor, pid 1 and job (until its execve) on one CPU */
void run_cpu_init(void);
void run_cpu_pin(struct sup_table *t, int slot, int prefer);
void run_cpu_unpin(struct sup_table *t, int slot);
int run_cpu_for_job(cpu_set_t *mask);
void run_cpu_forget_slot(struct sup_table *t, int slot);
int run_cpu_owned(void);
int run_cpu_hand_over(pid_t pid, int from, cpu_set_t *mask);

/* start.c: what an idle supervisor makes before its spec comes: [0] the supervisor's end, [1] pid 1's */
struct prepared {
	int out[2], err[2], status[2], report[2], sync[2];
	int dev;  /* the run's /dev (trees_make_dev) */
	int mnt_template, mnt_host;  /* the server's (struct server_fds), or -1: pid 1 starts in run_dir */
	pid_t parent;                /* the launcher server, this supervisor's parent (its parent-death signal) */
	int keep[4];                 /* the supervisor's own (struct server_fds), closed by pid 1 at once; or -1 */
	/*
	 * The supervisor's end of its spawner's socket as spawn.c holds it (spawn_sock), not a copy: the spawner
	 * comes and goes between runs (spawn_release), and a copy went stale, its number then one of a run's
	 * files, closed in pid 1 (EBADF). A pid 1 the supervisor clones reads it at its clone and closes it.
	 */
	const int *spawner;
};
int start_prepare(struct prepared *p);  /* 0, or -1 with errno */
/*
 * start.c: pid 1's own stack, mapped once per supervisor before its first run; stack_args is struct
 * server_fds's (start.c says why)
 */
void pid1_stack_init(const void *stack_args);
void pid1_stack_ready(void);

/* clone3's arguments, as far as Linux 5.7 (CLONE_INTO_CGROUP) */
struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
		 set_tid, set_tid_size, cgroup;
};
#if defined(__x86_64__)
/*
 * start.c: clone3(args, size) with the child on args->stack: the child calls fn(arg), which never returns;
 * the parent gets the child's pid or -errno.
 */
long proctor_clone3_call(struct clone_args_v2 *args, size_t size, void (*fn)(void *), void *arg);
#endif

/* start.c: what the supervisor holds of a started run */
struct started {
	pid_t pid1;
	int pidfd;
	int out_r, err_r, status_r, report_r;  /* the job's stdout, stderr; pid 1's status; setup report */
	int out_file, err_file;                /* the capture files */
	int mntns;                             /* pid 1's mount namespace, held past its exit (start.c), or -1 */
};
/* Why a start failed: the supervisor answers the engine with it (start.c never writes to conn). */
struct start_failure {
	enum step step;
	int err;
	const char *detail;
};
/*
 * Who makes a pid 1 ahead in another process (spawn_pid1 below; start_ahead tries it first): its arguments
 * and results are spawn_pid1's.
 */
typedef long (*spawn_fn)(uid_t uid_base, int cpu, int netns, struct prepared *prep, int sock, int *pidfd);
/*
 * start.c: a pid 1 cloned ahead of its spec (by the spawner of a supervisor waiting on a kept connection,
 * spawn.c, or by the supervisor itself when it has none), for the uid_base
 * of the connection's last run (the engine sends a work dir's runs to the connections its earlier runs
 * kept): the clone, the id maps, oom_score_adj and eleven of the twelve counters off the next run's path.
 * pid1 0: none.
 */
struct ahead {
	pid_t pid1;
	int pidfd, sock, proc_dir, mntns;
	uid_t uid_base;
	int cpu;  /* the CPU it was made on (its supervisor's last run's, cpupin.c), where it waits; or -1 */
};
/*
 * 0: prep's pipes and /dev are the pid 1's; -1: no pid 1 ahead (a run is cloned for its spec), prep still
 * there; -2: none, and prep could not be made again (errno). netns: a prepared network namespace (always
 * closed here). conn is closed in pid 1.
 */
int start_ahead(uid_t uid_base, int conn, int netns, struct prepared *prep, struct ahead *a, spawn_fn spawn);
/*
 * spawn.c: a pid 1 ahead made by the supervisor's spawner, sharing the spawner's memory; its parent the
 * supervisor. netns and pid 1's ends of prep and sock are passed to the spawner (the caller still closes its
 * own). Its pid and *pidfd; -1 (no spawner, or it made none: the caller may clone one itself); or -2 (the
 * spawner died before it replied: a pid 1 may hold those ends, which then serve no other).
 */
long spawn_pid1(uid_t uid_base, int cpu, int netns, struct prepared *prep, int sock, int *pidfd);
/*
 * spawn.c: where the supervisor's end of its spawner's socket pair (kept from run to run) is held: -1 there
 * while there is no spawner (struct prepared's spawner)
 */
const int *spawn_sock(void);
/*
 * spawn.c: the spawner, if any, killed and reaped: a supervisor going back to accept() keeps none (an idle
 * supervisor has nothing below it); the next kept connection's first pid 1 ahead forks one again.
 */
void spawn_release(void);
/* What a spawner gives a pid 1 it makes: its ends of the run's pipes, /dev, its socket; own, own_net: the spawner's, which pid 1 closes */
struct spawn_ends {
	int out, err, status, report, sync, dev, sock, own, own_net;
};
/* start.c: that pid 1 cloned, in the spawner (pid 1's pid, or -1 with errno) */
long start_spawned(const struct spawn_ends *e, uid_t uid_base, pid_t supervisor, int *pidfd);
/* A pid 1 ahead no run will use, killed and reaped, with what the supervisor held of it; prep made again (-1: failed). */
int ahead_discard(struct ahead *a, struct prepared *prep);
/*
 * 0, or -1 with *why set (pid 1, if it was cloned, is killed and reaped); conn is closed in pid 1.
 * netns: a prepared network namespace pid 1 is born in (closed here), or -1 for a new one. ahead: a pid 1
 * cloned ahead (pid1 0: none), given this run when it can take it (spec's bytes: spec_buf, spec_len),
 * else discarded (prep then made again, and a network namespace taken from the pool).
 */
int start_run(const struct spec *s, const char *spec_buf, size_t spec_len, int conn, int netns, void *bpf,
	      size_t bpf_len, struct prepared *prep, struct ahead *ahead, struct started *out,
	      struct start_failure *why);

/* job.c: what runs inside the new namespaces */
int job_main(const struct spec *s, const struct pid1_input *in) __attribute__((noreturn));
/*
 * A pid 1 cloned ahead of its spec (start.c, start_ahead): made root of its namespace and its counters
 * bounded, it waits on sock for its run (ahead.c), then goes on in job_run_received.
 */
int job_main_ahead(int sock, struct pid1_input *in) __attribute__((noreturn));
void job_run_received(const struct spec *s, struct pid1_input *in, int counters, mode_t job_umask)
	__attribute__((noreturn));

/*
 * ahead.c: the one message a pid 1 cloned ahead gets (its spec, program, CPU and descriptors). A spec
 * fits in it with at most AHEAD_FDS_MAX descriptors (SCM_RIGHTS' limit in one message) and
 * AHEAD_MSG_MAX bytes in all; one that does not is cloned for, as before.
 */
#define AHEAD_FDS_MAX 253
#define AHEAD_MSG_MAX (96 * 1024)
int ahead_fits(const struct spec *s, size_t spec_len, size_t bpf_len);
int ahead_send(int sock, const struct spec *s, const char *spec, size_t spec_len, const void *bpf, size_t bpf_len,
	       int in, int fifo, const int *tasks, const struct trees *t, int cpu_restore, const cpu_set_t *cpu_before);
/* What a pid 1 made ahead goes on with, once ahead_receive has its run (job.c, job_run_received). */
typedef void (*ahead_run_fn)(const struct spec *s, struct pid1_input *in, int counters, mode_t job_umask);
void ahead_receive(int sock, struct pid1_input *in, int counters, mode_t job_umask, ahead_run_fn run)
	__attribute__((noreturn));

#define JOB_UID 1000
#define JOB_GID 1000

#endif
