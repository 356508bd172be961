/*
 * A supervisor, forked ahead by the launcher server, serves one connection at a time, one run at a time
 * (several on one connection the engine keeps; launcher.h says when it exits). It starts the run's pid 1 (start.c), then watches the run: wall clock, the cgroup's
 * CPU counter (so CPU burnt by every process and thread counts), output volume, and the
 * connection (closed by the engine = cancel). It never interprets the outcome: it reports facts
 * and the engine decides the status.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launcher.h"

#define SPEC_MAX (1 << 20)
#define MAX_SAMPLES 20000
#define SETUP_TIMEOUT_US 10000000ULL
/*
 * The CPU limit is checked no later than this after the run could first have reached it: what a run
 * may burn past its limit is at most this much wall time on every CPU.
 */
#define CPU_CHECK_US 10000ULL
#define DRAIN_BUF (64 * 1024)

struct sample { uint64_t at, cpu, mem; };

struct run {
	const struct spec *s;
	int conn;
	pid_t pid1;
	int pidfd;
	int out_r, err_r, status_r, report_r;
	int out_file, err_file, cpu_fd, mem_fd;
	uint64_t out_bytes, err_bytes, out_kept, err_kept, cpu_us;
	const char *killed_by;
	int have_status, job_status, pid1_done;
	int keep;  /* the reply says keep=1 and the connection stays for the next run */
	/*
	 * start_us: the job's execve as pid 1 stamped it once started (read_report), until then the run's
	 * hand-off to pid 1, which is earlier; setup_deadline: when a run not started by then is given up
	 */
	uint64_t start_us, end_us, killed_us, setup_deadline;
	int started;
	struct sample *samples;  /* their at: CLOCK_MONOTONIC, made relative to start_us in the reply */
	int nsamples;
	char *io;  /* the supervisor's output buffer (io_buffer), DRAIN_BUF bytes */
	size_t report_len;
	char report[1200]; /* what the report pipe said so far (read_report): two failure lines and a stamp fit */
	char error[600];   /* the first failure line of it, or the supervisor's own (setup timed out) */
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000ULL;
}

static int spec_complete(const char *buf, size_t len)
{
	return len >= 2 && buf[len - 1] == '\0' && buf[len - 2] == '\0';
}

/* The spec, whose first have bytes are in buf already (read from a kept connection), up to its empty entry. */
static size_t read_spec(int conn, char *buf, size_t have)
{
	size_t len = have;
	while (buf && len < SPEC_MAX && !spec_complete(buf, len)) {
		ssize_t n = read(conn, buf + len, SPEC_MAX - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	return len;
}

static uint64_t read_number_file(int fd, int usec_key)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (usec_key) { /* v2 cpu.stat: "usage_usec N" */
		char *p = strstr(buf, "usage_usec ");
		return p ? strtoull(p + 11, NULL, 10) : 0;
	}
	return strtoull(buf, NULL, 10);
}

static uint64_t read_cpu_us(struct run *r)
{
	if (r->cpu_fd < 0)
		return 0;
	uint64_t v = read_number_file(r->cpu_fd, r->s->cpu_file_usec);
	return r->s->cpu_file_usec ? v : v / 1000;
}

static void kill_run(struct run *r, const char *why)
{
	if (!r->killed_by) {
		r->killed_by = why;
		r->killed_us = now_us();
	}
	/* SIGKILL to pid 1 tears down the whole pid namespace */
	kill(r->pid1, SIGKILL);
}

static void drain(struct run *r, int *fd, int file, uint64_t *total, uint64_t *kept)
{
	char *buf = r->io;
	ssize_t n = read(*fd, buf, DRAIN_BUF);
	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			close(*fd);
			*fd = -1;
		}
		return;
	}
	*total += (uint64_t)n;
	uint64_t room = r->s->output_max > *kept ? r->s->output_max - *kept : 0;
	size_t keep = (uint64_t)n < room ? (size_t)n : (size_t)room;
	if (keep > 0) {
		send_all(file, buf, keep);
		*kept += keep;
	}
	if (r->out_bytes + r->err_bytes > r->s->output_max)
		kill_run(r, "output");
}

/*
 * The report pipe, read without waiting for it (polled with no timeout first): pid 1 writes "exec_us=N\n"
 * once its vfork returned (job.c, run_job: the job exec'd, or failed before it), and any step that fails
 * writes "step=... errno=... detail=...\n" (report.c), the job's before pid 1's stamp. The supervisor is not
 * woken by either: it reads them when it wakes for another reason (a limit's timer, pid 1's end), and polls
 * the pipe only while a run that could have reached its wall limit has not started yet (watch). Waiting for
 * the pipe's EOF here before watching woke the supervisor once more per run, on the job's CPU, right as the
 * job began. Sets started and start_us from the stamp, error from the first failure line.
 */
static void read_report(struct run *r)
{
	while (r->report_r >= 0) {
		struct pollfd p = { .fd = r->report_r, .events = POLLIN };
		int pr = poll(&p, 1, 0);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			break;
		ssize_t n = read(r->report_r, r->report + r->report_len, sizeof r->report - 1 - r->report_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0)
			r->report_len += (size_t)n;
		if (n <= 0 || r->report_len >= sizeof r->report - 1) {
			close(r->report_r);
			r->report_r = -1;
		}
	}
	r->report[r->report_len] = '\0';
	for (const char *line = r->report; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (!nl && r->report_r >= 0)
			break; /* a line still being written: read again later */
		if (len > 5 && strncmp(line, "step=", 5) == 0 && !r->error[0]) {
			size_t keep = len < sizeof r->error - 1 ? len : sizeof r->error - 1;
			memcpy(r->error, line, keep);
			r->error[keep] = '\0';
		} else if (len > 8 && strncmp(line, "exec_us=", 8) == 0 && !r->started) {
			char *end;
			unsigned long long v = strtoull(line + 8, &end, 10);
			if (end == line + len && v > 0) {
				r->started = 1;
				r->start_us = v;
			}
		}
		line += nl ? len + 1 : len;
	}
}

static void take_sample(struct run *r, uint64_t now)
{
	if (r->nsamples >= MAX_SAMPLES || !r->samples)
		return;
	struct sample *x = &r->samples[r->nsamples++];
	x->at = now;
	x->cpu = read_cpu_us(r);
	x->mem = r->mem_fd >= 0 ? read_number_file(r->mem_fd, 0) : 0;
}

/*
 * No stamp read yet though the wall limit, counted from the hand-off, is reached: the setup may still be under
 * way, and the wall time has not begun (the report pipe is polled for the stamp then, watch)
 */
static int stamp_overdue(const struct run *r, uint64_t now)
{
	return !r->started && now >= r->start_us + r->s->wall_limit_us;
}

static int next_timeout_ms(const struct run *r, uint64_t now, uint64_t next_cpu, uint64_t next_sample)
{
	if (r->pid1_done || r->killed_by)
		return 20; /* only pid 1's end, its pipes' EOF or the engine's cancel is waited for now */
	uint64_t until = r->start_us + r->s->wall_limit_us;
	if (stamp_overdue(r, now)) /* the report pipe is polled (watch), the setup's time limited */
		until = r->setup_deadline;
	if (r->s->cpu_limit_us && next_cpu < until)
		until = next_cpu;
	if (r->s->sample_us && next_sample < until)
		until = next_sample;
	return until <= now ? 0 : (int)((until - now + 999) / 1000);
}

static void on_pid1_exit(struct run *r)
{
	int st;
	if (waitpid(r->pid1, &st, WNOHANG) == r->pid1) {
		TRACE("sup.pid1_reaped");
		r->pid1_done = 1;
		if (!r->end_us)
			r->end_us = now_us();
	}
}

/* Pid 1's message (struct job_exit): the job's status, and its end as pid 1 stamped it. */
static void read_status(struct run *r)
{
	struct job_exit done;
	ssize_t n = read(r->status_r, &done, sizeof done);
	if (n == (ssize_t)sizeof done) {
		r->have_status = 1;
		TRACE("sup.status_read");
		r->job_status = done.status;
		r->end_us = done.end_mono_us;
	}
	close(r->status_r);
	r->status_r = -1;
}

/*
 * When the CPU limit is next checked, with used_us of it used at now: the earliest the run could reach
 * it, every CPU of the machine busy from now on (the job may run on any of them, whatever the
 * supervisor's mask), and never sooner than CPU_CHECK_US. A run far from its limit is not woken for it
 * (checked every CPU_CHECK_US, a run pinned to the job's CPU was interrupted 100 times a second for
 * nothing); one near it is checked as often as before, so it burns no more past its limit than before.
 */
static uint64_t next_cpu_check(const struct run *r, uint64_t now, uint64_t used_us)
{
	static uint64_t ncpus;
	if (!ncpus) {
		long n = sysconf(_SC_NPROCESSORS_CONF);
		ncpus = n > 0 ? (uint64_t)n : 1;
	}
	uint64_t left = r->s->cpu_limit_us > used_us ? r->s->cpu_limit_us - used_us : 0;
	uint64_t after = left / ncpus;
	if (after < CPU_CHECK_US)
		after = CPU_CHECK_US;
	return after > UINT64_MAX - now ? UINT64_MAX : now + after;
}

static void check_limits(struct run *r, uint64_t now, uint64_t *next_cpu, uint64_t *next_sample)
{
	if (r->pid1_done)
		return;
	if (stamp_overdue(r, now) || (!r->started && now >= r->setup_deadline))
		read_report(r);
	if (!r->started && !r->killed_by && now >= r->setup_deadline) {
		if (!r->error[0])
			snprintf(r->error, sizeof r->error, "step=%s errno=%d detail=setup timed out", step_name(STEP_SETUP),
				 ETIMEDOUT);
		kill_run(r, "internal");
	}
	if (r->started && now >= r->start_us + r->s->wall_limit_us)
		kill_run(r, "wall");
	if (r->s->cpu_limit_us && now >= *next_cpu) {
		r->cpu_us = read_cpu_us(r);
		if (r->cpu_us >= r->s->cpu_limit_us)
			kill_run(r, "cpu");
		*next_cpu = next_cpu_check(r, now, r->cpu_us);
	}
	if (r->s->sample_us && now >= *next_sample) {
		take_sample(r, now);
		*next_sample = now + r->s->sample_us;
	}
}

/*
 * The status pipe is not polled: pid 1 writes its one message just before it exits, so the message is
 * there when its pidfd says it has exited, and is read then (after the loop). Polled, it woke the
 * supervisor once more per run, between pid 1's write and its exit (a sleep and a wake-up more).
 */
static void watch(struct run *r)
{
	/* what pid 1 burnt in the cgroup before the job's start counts too */
	uint64_t next_cpu = r->s->cpu_limit_us ? next_cpu_check(r, r->start_us, read_cpu_us(r)) : 0;
	uint64_t next_sample = r->start_us, done_at = 0;
	int conn_open = 1;
	while (!(r->pid1_done && r->out_r < 0 && r->err_r < 0)) {
		uint64_t now = now_us();
		if (r->pid1_done && !done_at)
			done_at = now;
		if (done_at && now - done_at > 2000000ULL)
			break; /* pipes held past the namespace's death: cannot happen, never hang on it */
		/* the report pipe only while a run past its provisional wall deadline has not started (read_report) */
		int report = stamp_overdue(r, now) && !r->pid1_done ? r->report_r : -1;
		struct pollfd p[5] = {
			{ .fd = r->out_r, .events = POLLIN }, { .fd = r->err_r, .events = POLLIN },
			{ .fd = report, .events = POLLIN }, { .fd = r->pidfd, .events = POLLIN },
			{ .fd = conn_open ? r->conn : -1, .events = POLLIN },
		};
		if (r->pid1_done)
			p[3].fd = -1;
		int pr = poll(p, 5, next_timeout_ms(r, now, next_cpu, next_sample));
		if (pr < 0 && errno != EINTR)
			break;
		if (pr > 0) {
			TRACE("sup.wake");
			if (p[0].revents)
				drain(r, &r->out_r, r->out_file, &r->out_bytes, &r->out_kept);
			if (p[1].revents)
				drain(r, &r->err_r, r->err_file, &r->err_bytes, &r->err_kept);
			if (p[2].revents)
				read_report(r);
			if (p[3].revents)
				on_pid1_exit(r);
			if (p[4].revents) { /* the engine closed the connection: cancel */
				conn_open = 0;
				kill_run(r, "cancel");
			}
		}
		check_limits(r, now_us(), &next_cpu, &next_sample);
	}
	if (!r->pid1_done) {
		kill_run(r, r->killed_by ? r->killed_by : "internal");
		waitpid(r->pid1, NULL, 0);
		r->pid1_done = 1;
	}
	if (r->status_r >= 0)
		read_status(r);
	/* pid 1 and every process of its namespace gone: the whole report is there */
	read_report(r);
}

/*
 * The reply: its fixed lines formatted on the stack (no heap buffer grown, faulted in and freed per
 * run), the timeline's samples, when there are any, after them, then "end".
 */
static void reply(struct run *r)
{
	char head[512];
	int status_len;
	if (r->have_status && WIFEXITED(r->job_status))
		status_len = snprintf(head, sizeof head, "exit_code=%d\n", WEXITSTATUS(r->job_status));
	else if (r->have_status && WIFSIGNALED(r->job_status))
		status_len = snprintf(head, sizeof head, "signal=%d\n", WTERMSIG(r->job_status));
	else /* pid 1 was killed before the job's status reached us: by us, or the OOM killer */
		status_len = snprintf(head, sizeof head, "signal=%d\n", SIGKILL);
	uint64_t end = r->end_us ? r->end_us : now_us();
	/*
	 * wall_us: a job that ended before we stamped its start (we ran late) has used no wall time we saw.
	 * end_mono_us: CLOCK_MONOTONIC, as the JVM's nanoTime: which of two joined runs ended first. A run we
	 * killed ended when we decided to, before its pid namespace was torn down and its pipes closed.
	 * Every value is bounded (20-digit numbers, killed_by one of six words): it all fits in head.
	 */
	int len = status_len + snprintf(head + status_len, sizeof head - (size_t)status_len,
					"wall_us=%llu\nend_mono_us=%llu\nkilled_by=%s\nstdout_bytes=%llu\n"
					"stderr_bytes=%llu\ncpu_us=%llu\n%s%s%s",
					(unsigned long long)(end > r->start_us ? end - r->start_us : 0),
					(unsigned long long)(r->killed_us && r->killed_us < end ? r->killed_us : end),
					r->killed_by ? r->killed_by : "none", (unsigned long long)r->out_bytes,
					(unsigned long long)r->err_bytes, (unsigned long long)read_cpu_us(r),
					r->have_status ? "" : "pid1_killed=1\n", r->keep ? "keep=1\n" : "",
					r->nsamples > 0 ? "" : "end\n");
	if (len < 0 || (size_t)len >= sizeof head)
		_exit(1); /* cannot happen (see above); no reply then: the engine reports the supervisor died */
	send_all(r->conn, head, (size_t)len);
	if (r->nsamples == 0)
		return;
	char *text = NULL;
	size_t text_len = 0;
	FILE *f = open_memstream(&text, &text_len);
	if (!f)
		_exit(1);
	for (int i = 0; i < r->nsamples; i++)
		fprintf(f, "sample=%llu,%llu,%llu\n",
			(unsigned long long)(r->samples[i].at > r->start_us ? r->samples[i].at - r->start_us : 0),
			(unsigned long long)r->samples[i].cpu, (unsigned long long)r->samples[i].mem);
	fprintf(f, "end\n");
	fclose(f);
	send_all(r->conn, text, text_len);
	free(text);
}

/* len bytes of zeroed memory of the supervisor's own, never copied into a pid 1 cloned from it (MADV_DONTFORK); NULL on failure. */
static void *unshared_mapping(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, len, MADV_DONTFORK) < 0) {
		munmap(p, len);
		return NULL;
	}
	return p;
}

/*
 * The timeline's samples, MAX_SAMPLES of them (~470 KiB): mapped once per supervisor and kept from run to run
 * (a run's samples are its first nsamples), not in any pid 1 (MADV_DONTFORK). A calloc per run was served from
 * the heap once glibc's mmap threshold had grown past its size: zeroed, faulted in page by page and trimmed
 * again, every run. NULL if it cannot be mapped (the run then has no timeline).
 */
static struct sample *samples_buffer(void)
{
	static struct sample *kept;
	if (!kept)
		kept = unshared_mapping(MAX_SAMPLES * sizeof *kept);
	return kept;
}

/* The run's state once pid 1 is started: its pipes, the capture files, the cgroup counters. */
static void begin_watch(struct run *r, const struct spec *s, int conn, const struct started *st, char *io)
{
	memset(r, 0, sizeof *r);
	r->s = s;
	r->io = io;
	r->conn = conn;
	r->pid1 = st->pid1;
	r->pidfd = st->pidfd;
	r->out_r = st->out_r;
	r->err_r = st->err_r;
	r->status_r = st->status_r;
	r->report_r = st->report_r;
	r->out_file = st->out_file;
	r->err_file = st->err_file;
	/* both kept open from run to run (cgfiles.c) */
	r->cpu_fd = s->cpu_file ? cgfiles_open(s->cpu_file, O_RDONLY) : -1;
	/* memory is read for the timeline's samples only: a run without them opens one counter file less */
	r->mem_fd = s->mem_file && s->sample_us ? cgfiles_open(s->mem_file, O_RDONLY) : -1;
	if (s->sample_us)
		r->samples = samples_buffer();
	/* provisional until pid 1's stamp is read (read_report): pid 1 has just been handed the run (start_run) */
	r->start_us = now_us();
	r->setup_deadline = r->start_us + SETUP_TIMEOUT_US;
}

/*
 * Whether a run's connection stays for the engine's next run: the spec asked, and the run ended as a run
 * does (its job's end, or a kill for its cpu, wall or output limit). Not after a cancel (the engine shut
 * its end) or an internal kill (the watch broke off): the connection's state is not vouched for.
 */
static int keeps(const struct run *r)
{
	const char *k = r->killed_by;
	return r->s->keep && (!k || strcmp(k, "cpu") == 0 || strcmp(k, "wall") == 0 || strcmp(k, "output") == 0);
}

/* What the next run's pid 1 made ahead needs of the last run on a kept connection. */
struct last_run {
	uid_t uid_base;
	int ahead;  /* 1: its spec could have been handed to a pid 1 made ahead */
};

/*
 * One run, replied to; the caller closes what is left of it. have: bytes of the spec already in buf.
 * 1 if the connection is kept (the reply said so: still open), else 0 (closed). (A failure before the
 * run's start ends the process.)
 */
static int supervise(int conn, size_t have, int netns, char *buf, char *io, struct prepared *prep, int prep_err,
		     struct ahead *ahead, struct last_run *last)
{
	prctl(PR_SET_NAME, "proctor-sup", 0, 0, 0);
	if (prep_err)
		reply_error(conn, STEP_OPEN, prep_err, "spec buffer, pipes and /dev made ahead");
	size_t len = read_spec(conn, buf, have);
	TRACE("sup.spec_read");
	/*
	 * The spec's bytes as sent, for a pid 1 made ahead (spec_parse changes buf): after them in buf, where a
	 * spec that fits the pid 1's message always has room (AHEAD_MSG_MAX is far below half of SPEC_MAX).
	 */
	char *raw = NULL;
	if (ahead->pid1 > 0 && len <= AHEAD_MSG_MAX) {
		raw = buf + ((len + 63) & ~(size_t)63);
		memcpy(raw, buf, len);
	}
	struct spec s;
	struct spec_lists lists;
	const char *bad = NULL;
	if (spec_parse(buf, len, &s, &lists, &bad) < 0)
		reply_error(conn, STEP_SPEC, EINVAL, bad);
	TRACE("sup.spec_parsed");
	void *bpf = NULL;
	size_t bpf_len = 0;
	if (s.seccomp_path && *s.seccomp_path && seccomp_load_file(s.seccomp_path, &bpf, &bpf_len) < 0)
		reply_error(conn, STEP_SECCOMP, errno, s.seccomp_path);
	TRACE("sup.bpf_loaded");
	struct started st = { .pidfd = -1, .mntns = -1 };
	struct start_failure why;
	if (start_run(&s, raw, len, conn, netns, bpf, bpf_len, prep, ahead, &st, &why) < 0)
		reply_error(conn, why.step, why.err, why.detail);
	/* what the next pid 1 ahead is made for, if this connection is kept (start.c, start_ahead) */
	last->uid_base = s.uid_base;
	last->ahead = s.ahead && !s.loopback && !s.cgroup_dir;
	TRACE("sup.started");
	struct run r;
	begin_watch(&r, &s, conn, &st, io);
	TRACE("sup.watch_begun");
	watch(&r);
	TRACE("sup.watched");
	if (r.error[0]) {
		/* a step failed (or the setup timed out): pid 1 is gone, and the reply is that failure */
		cgfiles_drop(); /* whatever failed, no kept file meets the next run */
		char line[800];
		int n = snprintf(line, sizeof line, "error=%s\nend\n", r.error);
		send_all(conn, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
		close(conn);
		return 0;
	}
	r.keep = keeps(&r);
	reply(&r);
	/* the engine reads the reply to its "end" line: it has the whole of it now, before the run's mounts go */
	if (!r.keep)
		close(conn);
	TRACE("sup.replied");
	/* r.samples is the supervisor's kept buffer (samples_buffer): never freed, not from malloc */
	/* the run's mounts go now, after the reply (start.c, hold_mount_ns) */
	if (st.mntns >= 0)
		close(st.mntns);
	TRACE("sup.mntns_closed");
	return r.keep;
}

/*
 * The buffer the job's output passes through on its way to the capture files: a mapping of its own,
 * not in any pid 1 (MADV_DONTFORK). On the stack (64 KiB, probed page by page) its pages were copied
 * into every pid 1 cloned from here and copied back on write (16 copy-on-write faults a run, each
 * with its copy) as soon as the supervisor drained the pipes while pid 1 lived; now the clone copies
 * none of them and the supervisor writes its own pages. NULL if it cannot be mapped.
 */
static char *io_buffer(void)
{
	return unshared_mapping(DRAIN_BUF);
}

/*
 * Back to what an idle supervisor holds, after a run: every descriptor closed but the supervisor's own
 * (stdio, the server's sockets and namespaces, a kept connection: keep, any order, sorted here, -1 for none) — the run's connection,
 * pipes, capture and cgroup files, /dev, mount trees — then the server's network namespace (the run's
 * was joined for its clone, start.c) and the root directory. 0, or -1: this supervisor then exits
 * rather than serve another run from a state it cannot vouch for.
 */
static int end_run(const struct server_fds *f, int *keep, int nkeep)
{
	if (close_fds_but(keep, nkeep) < 0)
		return -1;
	if (f->net_host >= 0 && setns(f->net_host, CLONE_NEWNET) < 0)
		return -1;
	return chdir("/");
}

/* Whether enough others are idle that a supervisor with nothing to do exits (server.c says how many). */
static int enough_idle(const struct sup_table *t)
{
	int keep_idle = atomic_load(&t->busy_peak) + t->low;
	if (keep_idle < t->high)
		keep_idle = t->high;
	return sup_table_idle(t) >= keep_idle;
}

/*
 * The next spec's first bytes on a connection the engine kept, into buf: their count, or 0 when the
 * engine let the connection go (closed) — then it is closed here too.
 */
static size_t await_kept(int kept, char *buf)
{
	ssize_t n;
	while ((n = read(kept, buf, SPEC_MAX)) < 0 && errno == EINTR) {
	}
	if (n <= 0)
		close(kept);
	return n > 0 ? (size_t)n : 0;
}

void supervisor_idle(const struct server_fds *f, int slot)
{
	/* the table of supervisors is the launcher's: not mapped in any pid 1 this one clones */
	if (madvise(f->table, sizeof *f->table, MADV_DONTFORK) < 0)
		_exit(0);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* the spec buffer, touched now, not on a run's path; reused run after run */
	/* a mapping of its own (page-aligned, for madvise: the spec buffer is kept out of a pid 1 made ahead) */
	char *buf = mmap(NULL, SPEC_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (buf == MAP_FAILED)
		buf = NULL;
	if (buf)
		memset(buf, 0, 4096);
	char *io = io_buffer();
	pid1_stack_init(f->stack_args);
	run_cpu_init();
	TRACE_OPEN();
	/* the last two entries: the spawner's socket (spawn.c), made on the first pid 1 ahead; the run's connection when it is kept, else -1 */
	int keep[] = { 0, 1, 2, f->listen_fd, f->pool, f->taken_fd, f->mnt_template, f->mnt_host, f->net_host, TRACE_FD(), -1, -1 };
	int nkeep = (int)(sizeof keep / sizeof keep[0]);
	int sorted[sizeof keep / sizeof keep[0] + CGFILES_MAX]; /* and the cgroup files kept open (cgfiles.c) */
	pid_t self = getpid();
	int kept = -1; /* the last run's connection, kept by the engine for its next run; or -1 */
	struct last_run last = { 0, 0 };
	struct ahead ahead = { .pid1 = 0 };
	for (;;) {
		/*
		 * The service gone (its launcher killed by PDEATHSIG) ends this supervisor, and a run at once,
		 * not at its wall limit. Set again for every run: a change of the effective uid clears it
		 * (a run's start changes it twice, userns.c).
		 */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != f->server)
			_exit(0);
		prctl(PR_SET_NAME, kept >= 0 ? "proctor-kept" : "proctor-idle", 0, 0, 0);
		/* made while no run waits: pipes and /dev */
		struct prepared prep;
		/* a failure is the answer to the connection this one accepts (no loop of failing forks) */
		int prep_err = !buf || !io ? ENOMEM : start_prepare(&prep) < 0 ? errno : 0;
		prep.mnt_template = f->mnt_template;
		prep.mnt_host = f->mnt_host;
		prep.parent = f->server;
		prep.keep[0] = f->listen_fd;
		prep.keep[1] = f->pool;
		prep.keep[2] = f->taken_fd;
		prep.keep[3] = f->net_host;
		prep.spawner = spawn_sock();
		pid1_stack_ready(); /* the pages of pid 1's arguments, writable again before the run (start.c) */
		int conn = -1;
		size_t have = 0;
		ahead.pid1 = 0;
		if (kept >= 0) { /* buf and io were there for the run that kept it */
			atomic_store(&f->table->state[slot], SLOT_KEPT);
			/* its next run is likely the same work dir's: its pid 1 made now, off that run's path */
			if (!prep_err && last.ahead) {
				/*
				 * The spec buffer is not in the pid 1 made ahead (it gets its spec in a message): the
				 * supervisor's writes to it (the spec's read and parse) are then no copy-on-write faults
				 */
				if (buf)
					madvise(buf, SPEC_MAX, MADV_DONTFORK);
				if (start_ahead(last.uid_base, kept, netpool_take(f->pool), &prep, &ahead, spawn_pid1) == -2)
					prep_err = errno;
				if (buf)
					madvise(buf, SPEC_MAX, MADV_DOFORK);
			}
			run_cpu_unpin(f->table, slot); /* pinned through the last run's end and the next pid 1's making */
			have = await_kept(kept, buf);
			if (have > 0) {
				conn = kept;
			} else {
				if (ahead_discard(&ahead, &prep) < 0)
					prep_err = errno;
				spawn_release();
				if (enough_idle(f->table))
					_exit(0);
				atomic_store(&f->table->state[slot], SLOT_IDLE);
				prctl(PR_SET_NAME, "proctor-idle", 0, 0, 0);
			}
			kept = -1;
		}
		run_cpu_unpin(f->table, slot);
		while (conn < 0 && (conn = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			if (errno != EINTR && errno != ECONNABORTED)
				usleep(10000); /* out of fds or memory for now: wait, do not spin */
		TRACE("sup.accepted");
		/*
		 * Busy now: with fewer than low idle, the server forks more at once (not later: a joined
		 * run's supervisor may wait for its partner's, which needs an idle one).
		 */
		atomic_store(&f->table->state[slot], SLOT_BUSY);
		int busy = sup_table_busy(f->table), peak = atomic_load(&f->table->busy_peak);
		while (busy > peak && !atomic_compare_exchange_weak(&f->table->busy_peak, &peak, busy)) {
		}
		if (sup_table_idle(f->table) < f->table->low) {
			ssize_t ignored = write(f->taken_fd, &self, sizeof self);
			(void)ignored;
		}
		run_cpu_pin(f->table, slot, ahead.pid1 > 0 ? ahead.cpu : -1);
		TRACE("sup.pinned");
		int netns = ahead.pid1 > 0 ? -1 : netpool_take(f->pool); /* the pid 1 ahead is in one already */
		TRACE("sup.netns_taken");
		int kept_conn = supervise(conn, have, netns, buf, io, &prep, prep_err, &ahead, &last);
		/* still pinned: unpinned at the loop's top, once the next pid 1 is made there (start.c, start_ahead) */
		keep[nkeep - 2] = *spawn_sock();
		keep[nkeep - 1] = kept_conn ? conn : -1;
		memcpy(sorted, keep, sizeof keep);
		int nsorted = nkeep + cgfiles_fds(sorted + nkeep, CGFILES_MAX);
		/* a kept connection promised in the reply is dropped only if this state cannot be vouched for */
		if (end_run(f, sorted, nsorted) < 0)
			_exit(0);
		if (kept_conn) {
			kept = conn; /* waits for its next spec at the loop's top, once prepared: not idle */
			continue;
		}
		spawn_release();
		if (enough_idle(f->table))
			_exit(0);
		atomic_store(&f->table->state[slot], SLOT_IDLE);
	}
}
