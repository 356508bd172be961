/*
 * proctor-http-load: the load generator of `./proctor bench http`'s measured service phases, in C so that
 * the client's own CPU stays small beside what it measures (the JVM's client spent 0.35 ms of CPU per
 * `wait=true` job and 1.59 ms per polled one on this VM; this one a fraction of that).
 *
 * Usage: proctor-http-load HOST PORT SECONDS CONCURRENCY MODE POLL_MS OUT
 *   HOST       an IPv4 address (the bench's node listens on 127.0.0.1)
 *   MODE       wait: POST /api/v1/jobs?wait=true&timeout_s=30, polling while the answer is not done;
 *              poll: POST /api/v1/jobs, then GET /api/v1/jobs/ID every POLL_MS until it is done
 * The API key is read from the environment (PROCTOR_BENCH_KEY), the job's JSON body from stdin.
 *
 * CONCURRENCY threads each keep one connection alive and submit jobs one after another until SECONDS have
 * passed (a job under way then is finished). For every job, OUT gets "J LATENCY_NS LENGTH\n" and the final
 * response's body (LENGTH bytes, then "\n"), which the JVM checks as it checks its own client's; for a job that
 * went wrong "F REASON\n". The last line is "E CPU_NS": this process's CPU, every thread.
 *
 * Not a general client: HTTP/1.1 over plain TCP, responses framed by Content-Length (the service's are), at
 * most 1 MiB each. A connection the server closed is opened again before the next request; a POST is never
 * sent twice (the server may have taken it).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_RESPONSE (1 << 20)
#define MAX_HEAD 4096

static struct sockaddr_in server;
static const char *key;
static char host_header[64];
static char *body;
static size_t body_len;
static int wait_mode;
static long poll_ns;
static long long deadline;
static FILE *out;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "proctor-http-load: %s: %s\n", what, strerror(errno));
	exit(1);
}

struct client {
	int fd;
	char *buf; /* one response: head and body */
	size_t len;
	char *body; /* into buf */
	size_t body_len;
	int status;
};

static int open_connection(struct client *c)
{
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		return -1;
	}
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(c->fd, (struct sockaddr *)&server, sizeof server) != 0) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL); /* a closed connection is an error here, not a SIGPIPE */
		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A header's value in the head [buf, end), or null; name lower case, with its colon. */
static const char *header(const char *buf, const char *end, const char *name)
{
	size_t n = strlen(name);
	for (const char *line = memmem(buf, (size_t)(end - buf), "\r\n", 2); line && line + 2 < end;
	     line = memmem(line + 2, (size_t)(end - line - 2), "\r\n", 2)) {
		if ((size_t)(end - line - 2) > n && strncasecmp(line + 2, name, n) == 0) {
			return line + 2 + n;
		}
	}
	return NULL;
}

/*
 * One exchange on the client's connection: 0 with c->status and c->body set; -1 when the connection failed
 * (closed, reset) before a whole response came, so the request may not have been taken; -2 for a response
 * this client cannot read.
 */
static int exchange(struct client *c, const char *method, const char *path, const char *payload, size_t payload_len)
{
	char head[512];
	int n = snprintf(head, sizeof head,
			 "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n%s", method, path, host_header,
			 key, payload ? "Content-Type: application/json\r\n" : "");
	if (n <= 0 || (size_t)n >= sizeof head - 40) {
		return -2;
	}
	if (payload) {
		n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n", payload_len);
	}
	n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
	if (write_all(c->fd, head, (size_t)n) != 0 || (payload && write_all(c->fd, payload, payload_len) != 0)) {
		return -1;
	}
	c->len = 0;
	size_t head_len = 0, total = 0;
	for (;;) {
		ssize_t r = read(c->fd, c->buf + c->len, MAX_RESPONSE - c->len);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			return -1;
		}
		c->len += (size_t)r;
		if (head_len == 0) {
			char *e = memmem(c->buf, c->len < MAX_HEAD ? c->len : MAX_HEAD, "\r\n\r\n", 4);
			if (!e) {
				if (c->len >= MAX_HEAD) {
					return -2;
				}
				continue;
			}
			head_len = (size_t)(e - c->buf) + 4;
			if (c->len < 12 || memcmp(c->buf, "HTTP/1.1 ", 9) != 0) {
				return -2;
			}
			c->status = atoi(c->buf + 9);
			const char *cl = header(c->buf, e + 2, "content-length:");
			if (!cl) {
				return -2;
			}
			long long v = strtoll(cl, NULL, 10);
			if (v < 0 || (size_t)v > MAX_RESPONSE - head_len) {
				return -2;
			}
			total = head_len + (size_t)v;
			const char *connection = header(c->buf, e + 2, "connection:");
			if (connection) {
				while (*connection == ' ') {
					connection++;
				}
				if (strncasecmp(connection, "close", 5) == 0) {
					/* read this response, then open a new connection for the next */
					c->status = -c->status;
				}
			}
		}
		if (c->len >= total) {
			break;
		}
	}
	if (c->len > total) {
		return -2; /* bytes after the response: not what was asked */
	}
	c->body = c->buf + head_len;
	c->body_len = total - head_len;
	if (c->status < 0) {
		c->status = -c->status;
		close(c->fd);
		c->fd = -1;
	}
	return 0;
}

/*
 * The value of the response object's top-level string field "name" (the service writes compact JSON, and the
 * job view's "id" and "state" come before any nested object): its length, or -1.
 */
static int field(const struct client *c, const char *name, const char **value)
{
	char pattern[32];
	int n = snprintf(pattern, sizeof pattern, "\"%s\":\"", name);
	const char *end = c->body + c->body_len;
	const char *nested = memchr(c->body + 1, '{', c->body_len > 0 ? c->body_len - 1 : 0);
	const char *p = memmem(c->body, c->body_len, pattern, (size_t)n);
	if (!p || (nested && p > nested)) {
		return -1;
	}
	p += n;
	const char *q = memchr(p, '"', (size_t)(end - p));
	if (!q) {
		return -1;
	}
	*value = p;
	return (int)(q - p);
}

/* 1 when the answer's job is done, 0 when not yet, -1 when the answer says no state */
static int done(const struct client *c)
{
	const char *state;
	int n = field(c, "state", &state);
	if (n < 0) {
		return -1;
	}
	return n == 4 && memcmp(state, "done", 4) == 0;
}

static void failed(const char *reason)
{
	pthread_mutex_lock(&out_lock);
	fprintf(out, "F %s\n", reason);
	pthread_mutex_unlock(&out_lock);
}

/* A job whose request ("submission", "poll") was answered with an error status. */
static void refused(const char *request, int status)
{
	char reason[64];
	snprintf(reason, sizeof reason, "%s answered %d", request, status);
	failed(reason);
}

/* One job, start to end: 0, or -1 when the connection is to be opened again. */
static int one_job(struct client *c)
{
	long long t0 = now_ns();
	int r = exchange(c, "POST", wait_mode ? "/api/v1/jobs?wait=true&timeout_s=30" : "/api/v1/jobs", body, body_len);
	if (r != 0) {
		failed(r == -1 ? "connection lost during the submission" : "unreadable response to the submission");
		return -1;
	}
	if (c->status >= 300) {
		refused("submission", c->status);
		return 0;
	}
	const char *id;
	int id_len = field(c, "id", &id);
	if (id_len <= 0 || id_len > 64) {
		failed("no id in the submission's answer");
		return 0;
	}
	char path[128];
	snprintf(path, sizeof path, "/api/v1/jobs/%.*s", id_len, id);
	for (int d; (d = done(c)) != 1;) {
		if (d < 0) {
			failed("no job state in an answer");
			return 0;
		}
		struct timespec pause = {poll_ns / 1000000000L, poll_ns % 1000000000L};
		nanosleep(&pause, NULL);
		if (c->fd < 0 && open_connection(c) != 0) {
			failed("cannot connect");
			return -1;
		}
		/* a GET may be sent again on a fresh connection: it changes nothing */
		r = exchange(c, "GET", path, NULL, 0);
		if (r == -1) {
			if (c->fd >= 0) {
				close(c->fd);
			}
			if (open_connection(c) != 0) {
				failed("cannot connect");
				return -1;
			}
			r = exchange(c, "GET", path, NULL, 0);
		}
		if (r != 0) {
			failed("unreadable response to a poll");
			return -1;
		}
		if (c->status >= 300) {
			refused("poll", c->status);
			return 0;
		}
	}
	long long latency = now_ns() - t0;
	pthread_mutex_lock(&out_lock);
	fprintf(out, "J %lld %zu\n", latency, c->body_len);
	fwrite(c->body, 1, c->body_len, out);
	fputc('\n', out);
	pthread_mutex_unlock(&out_lock);
	return 0;
}

static void *worker(void *arg)
{
	(void)arg;
	struct client c = {.fd = -1};
	c.buf = malloc(MAX_RESPONSE);
	if (!c.buf) {
		die("malloc");
	}
	while (now_ns() < deadline) {
		if (c.fd < 0 && open_connection(&c) != 0) {
			failed("cannot connect");
			usleep(10000);
			continue;
		}
		if (one_job(&c) != 0 && c.fd >= 0) {
			close(c.fd);
			c.fd = -1;
		}
	}
	if (c.fd >= 0) {
		close(c.fd);
	}
	free(c.buf);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 8) {
		fprintf(stderr, "usage: proctor-http-load HOST PORT SECONDS CONCURRENCY wait|poll POLL_MS OUT\n");
		return 2;
	}
	server.sin_family = AF_INET;
	server.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1) {
		fprintf(stderr, "proctor-http-load: not an IPv4 address: %s\n", argv[1]);
		return 2;
	}
	snprintf(host_header, sizeof host_header, "%s:%d", argv[1], atoi(argv[2]));
	double seconds = atof(argv[3]);
	int concurrency = atoi(argv[4]);
	wait_mode = strcmp(argv[5], "wait") == 0;
	poll_ns = atol(argv[6]) * 1000000L;
	key = getenv("PROCTOR_BENCH_KEY");
	if (seconds <= 0 || concurrency < 1 || concurrency > 256 || (!wait_mode && strcmp(argv[5], "poll") != 0)
	    || poll_ns <= 0 || !key || strlen(key) > 300) {
		fprintf(stderr, "proctor-http-load: bad arguments (or PROCTOR_BENCH_KEY unset)\n");
		return 2;
	}
	size_t cap = 1 << 16;
	body = malloc(cap);
	for (size_t r; body && (r = fread(body + body_len, 1, cap - body_len, stdin)) > 0;) {
		body_len += r;
		if (body_len == cap) {
			body = realloc(body, cap *= 2);
		}
	}
	if (!body || body_len == 0) {
		fprintf(stderr, "proctor-http-load: no job body on stdin\n");
		return 2;
	}
	out = fopen(argv[7], "we");
	if (!out) {
		die(argv[7]);
	}
	deadline = now_ns() + (long long)(seconds * 1e9);
	pthread_t threads[256];
	for (int i = 0; i < concurrency; i++) {
		if ((errno = pthread_create(&threads[i], NULL, worker, NULL)) != 0) {
			die("pthread_create");
		}
	}
	for (int i = 0; i < concurrency; i++) {
		pthread_join(threads[i], NULL);
	}
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	long long cpu = (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000000LL
			+ (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1000LL;
	fprintf(out, "E %lld\n", cpu);
	if (fclose(out) != 0) {
		die(argv[7]);
	}
	return 0;
}
