/*
 * loadgen_client.c: the benchmark's closed-loop HTTP/1.1 client (usage in
 * loadgen.c).  CONNS keep-alive connections share one epoll set; each
 * sends its next request as soon as the previous answer is in.
 *
 * Plain sockets, not libcurl: curl's work per transfer (URL parsing, a
 * liveness poll of the kept connection, its timers, and a perform over
 * every handle at each wake-up) cost this client about 20 us of CPU a
 * request.  On a 2-core machine that is CPU taken from the systems being
 * measured, the same time per request for each, so it cut deepest into
 * the faster one (wrk and h2load are written this way for the same
 * reason).  What the client needs of HTTP is small: a request with
 * Content-Length, and an answer framed by Content-Length, chunks or the
 * end of the connection (loadgen_answer.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loadgen.h"

#define LG_READ_CHUNK		16384
#define LG_TICK_MS		10	/* how often deadlines are checked */
#define LG_ERROR_MAX		512
#define LG_EVENTS		64

/* ---- the target ---------------------------------------------------------- */

/* What the URL names: where to connect, the Host header, the path. */
struct target {
	struct sockaddr_storage	 addr;
	socklen_t		 addr_len;
	char			*host;		/* owned: authority as written */
	const char		*path;		/* borrowed from the URL */
};

/* http://HOST[:PORT][/PATH]; false with a message on stderr. */
static bool
target_init(struct target *t, const char *url)
{
	struct addrinfo hints, *res = NULL;
	const char *auth, *end, *hs, *he, *ps;
	char host[256], port[8];
	size_t host_len, port_len;
	int rc;

	memset(t, 0, sizeof(*t));
	if (strncmp(url, "http://", 7) != 0) {
		fprintf(stderr, "loadgen: only http:// URLs, not '%s'\n", url);
		return false;
	}
	auth = url + 7;
	end = auth + strcspn(auth, "/");
	t->path = *end == '/' ? end : "/";
	if (auth[0] == '[') {		/* [v6 address][:port] */
		hs = auth + 1;
		he = memchr(hs, ']', (size_t)(end - hs));
		if (he == NULL)
			goto bad;
		ps = he + 1;
	} else {
		hs = auth;
		he = memchr(auth, ':', (size_t)(end - auth));
		if (he == NULL)
			he = end;
		ps = he;
	}
	if (ps < end && *ps++ != ':')
		goto bad;
	host_len = (size_t)(he - hs);
	port_len = ps < end ? (size_t)(end - ps) : 0;
	if (host_len == 0 || host_len >= sizeof(host) ||
	    port_len >= sizeof(port))
		goto bad;
	memcpy(host, hs, host_len);
	host[host_len] = '\0';
	memcpy(port, port_len > 0 ? ps : "80", port_len > 0 ? port_len : 2);
	port[port_len > 0 ? port_len : 2] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "loadgen: %s port %s: %s\n", host, port,
		    gai_strerror(rc));
		return false;
	}
	memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
	t->addr_len = res->ai_addrlen;
	freeaddrinfo(res);
	t->host = strndup(auth, (size_t)(end - auth));
	if (t->host == NULL) {
		fprintf(stderr, "loadgen: out of memory\n");
		return false;
	}
	return true;
bad:
	fprintf(stderr, "loadgen: cannot read the URL '%s' "
	    "(http://HOST[:PORT]/PATH)\n", url);
	return false;
}

/* ---- one connection ------------------------------------------------------ */

struct conn {
	int		 fd;		/* -1: none (connect at the next request) */
	bool		 is_connecting;
	bool		 wants_out;	/* EPOLLOUT registered */
	bool		 is_busy;	/* a request in flight */
	bool		 is_reused;	/* ... on a connection kept from before */
	bool		 has_bytes;	/* ... and part of its answer is in */
	uint64_t	 v;		/* its counter */
	int64_t		 started_us;
	char		*req;		/* owned: the request being sent */
	size_t		 req_len, req_off;
	struct answer	 ans;
};

struct run {
	const struct client_opts *o;
	struct target	 t;
	struct tmpl	 path_t, body_t;
	char		*fixed;		/* owned: " HTTP/1.1\r\nHost: ..." */
	size_t		 fixed_len;
	char		*body;		/* owned scratch: a body or a path */
	int		 ep;
	struct conn	*conns;		/* o->conns of them */
	int64_t		*lat_us;	/* latencies; grows with -d */
	size_t		 n_lat, cap_lat;
	uint64_t	*ok_v;		/* --ok-file: counters of 2xx */
	size_t		 n_ok, cap_ok;
	int64_t		 issued;
	long		 in_flight;
	int64_t		 first_us, last_us;
	int64_t		 status[LG_MAX_STATUS]; /* [0]: no answer */
	char		 first_error[LG_ERROR_MAX];
	bool		 is_oom;
};

static bool
want_more(const struct run *r, int64_t t_us)
{
	if (r->is_oom)
		return false;
	if (r->o->count > 0)
		return r->issued < r->o->count;
	return r->first_us == 0 ||
	    t_us - r->first_us < r->o->duration_ms * 1000;
}

static void
note_latency(struct run *r, int64_t us)
{
	int64_t *grown;
	size_t cap;

	if (r->is_oom)
		return;
	if (r->n_lat == r->cap_lat) {
		cap = r->cap_lat > 0 ? 2 * r->cap_lat : 65536;
		grown = realloc(r->lat_us, cap * sizeof(*grown));
		if (grown == NULL) {
			r->is_oom = true;
			return;
		}
		r->lat_us = grown;
		r->cap_lat = cap;
	}
	r->lat_us[r->n_lat++] = us;
}

static void
conn_close(struct run *r, struct conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(r->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	c->is_connecting = false;
	c->wants_out = false;
}

static void
set_out(struct run *r, struct conn *c, bool on)
{
	struct epoll_event ev;

	if (c->wants_out == on)
		return;
	ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(r->ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->wants_out = on;
}

/* --ok-file: note the counter of a request answered 2xx. */
static void
note_ok(struct run *r, uint64_t v)
{
	uint64_t *grown;
	size_t cap;

	if (r->o->ok_file == NULL || r->is_oom)
		return;
	if (r->n_ok == r->cap_ok) {
		cap = r->cap_ok > 0 ? 2 * r->cap_ok : 65536;
		grown = realloc(r->ok_v, cap * sizeof(*grown));
		if (grown == NULL) {
			r->is_oom = true;
			return;
		}
		r->ok_v = grown;
		r->cap_ok = cap;
	}
	r->ok_v[r->n_ok++] = v;
}

/* The %n of each 2xx answer into o->ok_file; false with a message. */
static bool
write_ok_file(const struct run *r)
{
	FILE *f = fopen(r->o->ok_file, "w");
	size_t i;
	int rc;

	if (f == NULL) {
		perror(r->o->ok_file);
		return false;
	}
	for (i = 0; i < r->n_ok; i++)
		fprintf(f, "%" PRIu64 "\n", lg_values != NULL ?
		    lg_values[r->ok_v[i] % lg_n_values] : r->ok_v[i]);
	rc = ferror(f);
	if (fclose(f) != 0 || rc != 0) {
		perror(r->o->ok_file);
		return false;
	}
	return true;
}

/* The request in flight on c is over: answered (status > 0) or not. */
static void
complete(struct run *r, struct conn *c, int status, const char *why)
{
	int64_t t = lg_now_us();

	c->is_busy = false;
	r->in_flight--;
	r->last_us = t;
	note_latency(r, t - c->started_us);
	if (status > 0 && status < LG_MAX_STATUS) {
		r->status[status]++;
		if (status >= 200 && status < 300)
			note_ok(r, c->v);
		/* An answer before the whole request went: the rest of it
		 * would be read as the start of the next one. */
		if (c->ans.is_close || c->req_off < c->req_len)
			conn_close(r, c);
		return;
	}
	r->status[0]++;
	if (r->first_error[0] == '\0') {
		tmpl_expand(&r->path_t, c->v, r->body);	/* scratch */
		snprintf(r->first_error, sizeof(r->first_error),
		    "%s (http://%s%s)", why, r->t.host, r->body);
	}
	conn_close(r, c);
}

/* Open c's connection; false (and errno) when it fails at once. */
static bool
conn_open(struct run *r, struct conn *c)
{
	struct epoll_event ev;
	int one = 1;

	c->fd = socket(r->t.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return false;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = c;
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
		close(c->fd);
		c->fd = -1;
		return false;
	}
	c->wants_out = true;
	c->is_connecting = true;
	if (connect(c->fd, (struct sockaddr *)&r->t.addr, r->t.addr_len) == 0)
		c->is_connecting = false;
	else if (errno != EINPROGRESS) {
		int saved = errno;

		conn_close(r, c);
		errno = saved;
		return false;
	}
	return true;
}

/* Send what is left of the request; false (and errno) on an error. */
static bool
conn_send(struct run *r, struct conn *c)
{
	while (c->req_off < c->req_len) {
		ssize_t n = send(c->fd, c->req + c->req_off,
		    c->req_len - c->req_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			set_out(r, c, true);
			return true;
		}
		if (n <= 0)
			return false;
		c->req_off += (size_t)n;
	}
	set_out(r, c, false);
	return true;
}

/* The next request into c->req. */
static void
build_request(struct run *r, struct conn *c)
{
	const char *method = r->o->body != NULL ? "POST " : "GET ";
	size_t len = strlen(method), body_len = 0;
	int w;

	memcpy(c->req, method, len);
	len += tmpl_expand(&r->path_t, c->v, c->req + len);
	memcpy(c->req + len, r->fixed, r->fixed_len);
	len += r->fixed_len;
	if (r->o->body != NULL) {
		body_len = tmpl_expand(&r->body_t, c->v, r->body);
		w = sprintf(c->req + len, "Content-Length: %zu\r\n", body_len);
		len += (size_t)w;
	}
	memcpy(c->req + len, "\r\n", 2);
	len += 2;
	memcpy(c->req + len, r->body, body_len);
	c->req_len = len + body_len;
	c->req_off = 0;
}

/*
 * A kept connection failed before any of the answer came: the server
 * may have closed it as the request went out (the keep-alive race), so
 * the request goes once more on a new connection, as curl does, and is
 * counted once.  false: not that case, or the new connection failed.
 */
static bool
retry_fresh(struct run *r, struct conn *c)
{
	if (!c->is_reused || c->has_bytes)
		return false;
	c->is_reused = false;
	conn_close(r, c);
	c->req_off = 0;
	answer_reset(&c->ans);
	if (!conn_open(r, c))
		return false;
	return c->is_connecting || conn_send(r, c);
}

/*
 * Start requests on c until one is under way or none is due: a request
 * that fails at once (connection refused) is counted and the next one
 * tried, in this loop rather than by recursion.
 */
static void
launch(struct run *r, struct conn *c)
{
	int64_t t;

	while (!c->is_busy && want_more(r, (t = lg_now_us()))) {
		c->v = (uint64_t)(r->o->start + r->issued);
		c->started_us = t;
		if (r->first_us == 0)
			r->first_us = c->started_us;
		r->issued++;
		r->in_flight++;
		c->is_busy = true;
		c->is_reused = c->fd >= 0;
		c->has_bytes = false;
		answer_reset(&c->ans);
		build_request(r, c);
		if (c->fd < 0 && !conn_open(r, c)) {
			complete(r, c, 0, strerror(errno));
			continue;
		}
		if (!c->is_connecting && !conn_send(r, c) &&
		    !retry_fresh(r, c))
			complete(r, c, 0, strerror(errno));
	}
}

/* The request on c failed: retried on a new connection, or counted. */
static void
fail(struct run *r, struct conn *c, const char *why)
{
	if (retry_fresh(r, c))
		return;
	complete(r, c, 0, why);
	launch(r, c);
}

/* c's socket is ready. */
static void
on_ready(struct run *r, struct conn *c, uint32_t events)
{
	char buf[LG_READ_CHUNK];
	ssize_t n;
	int done;

	if (c->is_connecting) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err == 0 && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) ==
		    0)
			return;
		if (err != 0) {
			complete(r, c, 0, strerror(err));
			launch(r, c);
			return;
		}
		c->is_connecting = false;
	}
	if (c->req_off < c->req_len && c->is_busy && !conn_send(r, c)) {
		fail(r, c, strerror(errno));
		return;
	}
	if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) == 0)
		return;
	n = recv(c->fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (!c->is_busy) {
		/* The server closed a kept connection between requests. */
		conn_close(r, c);
		return;
	}
	if (n < 0) {
		fail(r, c, strerror(errno));
		return;
	}
	if (n == 0) {
		if (!answer_ends_at_close(&c->ans)) {
			fail(r, c, "connection closed before the answer");
			return;
		}
		complete(r, c, c->ans.status, NULL);
		launch(r, c);
		return;
	}
	c->has_bytes = true;
	done = answer_take(&c->ans, r->o->body != NULL ? "POST" : "GET", buf,
	    (size_t)n);
	if (done == 0)
		return;
	if (done < 0)
		complete(r, c, 0, "not an HTTP/1.x answer");
	else
		complete(r, c, c->ans.status, NULL);
	launch(r, c);
}

/* Requests past their deadline are given up, as curl's timeout did. */
static void
check_deadlines(struct run *r, int64_t t)
{
	char why[64];
	long i;

	for (i = 0; i < r->o->conns; i++) {
		struct conn *c = &r->conns[i];

		if (!c->is_busy || t - c->started_us < r->o->timeout_ms * 1000)
			continue;
		snprintf(why, sizeof(why), "timed out after %ld ms",
		    r->o->timeout_ms);
		complete(r, c, 0, why);
		launch(r, c);
	}
}

/* ---- the run ------------------------------------------------------------- */

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Latency at quantile q (0-1) of the sorted array, nearest rank, in ms. */
static double
quantile_ms(const int64_t *v, size_t n, double q)
{
	size_t rank;

	if (n == 0)
		return 0.0;
	rank = (size_t)(q * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (double)v[rank - 1] / 1000.0;
}

static void
report(struct run *r)
{
	const struct client_opts *o = r->o;
	double secs = (double)(r->last_us - r->first_us) / 1e6;
	double rate = secs > 0 ? (double)r->n_lat / secs : 0.0;
	double p50, p90, p99, pmax;
	int64_t ok = 0;
	char codes[1024];
	size_t len = 0;
	int i, w;

	qsort(r->lat_us, r->n_lat, sizeof(*r->lat_us), cmp_i64);
	p50 = quantile_ms(r->lat_us, r->n_lat, 0.50);
	p90 = quantile_ms(r->lat_us, r->n_lat, 0.90);
	p99 = quantile_ms(r->lat_us, r->n_lat, 0.99);
	pmax = r->n_lat > 0 ? (double)r->lat_us[r->n_lat - 1] / 1000.0 : 0;
	codes[0] = '\0';
	for (i = 200; i < 300; i++)
		ok += r->status[i];
	for (i = 0; i < LG_MAX_STATUS; i++) {
		if (r->status[i] == 0)
			continue;
		w = snprintf(codes + len, sizeof(codes) - len, "%s%d:%" PRId64,
		    len > 0 ? "," : "", i, r->status[i]);
		if (w < 0 || (size_t)w >= sizeof(codes) - len)
			break;
		len += (size_t)w;
	}
	if (!o->is_quiet) {
		printf("%s %s, %ld connections\n", o->body != NULL ? "POST" :
		    "GET", o->url, o->conns);
		printf("  requests   %" PRId64 " in %.3f s = %.1f requests/s\n",
		    (int64_t)r->n_lat, secs, rate);
		printf("  statuses   %s (0 = no HTTP answer)\n", codes);
		printf("  latency ms p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
		    p50, p90, p99, pmax);
		if (r->first_error[0] != '\0')
			printf("  first error: %s\n", r->first_error);
	}
	printf("loadgen requests=%zu ok=%" PRId64 " failed=%" PRId64
	    " seconds=%.3f rate=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f"
	    " max_ms=%.2f codes=%s\n", r->n_lat, ok, (int64_t)r->n_lat - ok,
	    secs, rate, p50, p90, p99, pmax, codes[0] != '\0' ? codes : "-");
	fflush(stdout);
}

/* What every request carries after its path: version, Host, headers. */
static bool
fixed_init(struct run *r)
{
	const struct client_opts *o = r->o;
	const char *h = o->headers != NULL ? o->headers : "";
	bool has_type = false, has_host = false, has_agent = false;
	const char *p;
	size_t cap;
	int w;

	/* As curl: a header given with -H replaces our own. */
	for (p = h; *p != '\0'; p = strstr(p, "\r\n") + 2) {
		has_type |= strncasecmp(p, "Content-Type:", 13) == 0;
		has_host |= strncasecmp(p, "Host:", 5) == 0;
		has_agent |= strncasecmp(p, "User-Agent:", 11) == 0;
	}
	cap = strlen(r->t.host) + strlen(h) + 160;
	r->fixed = malloc(cap);
	if (r->fixed == NULL)
		return false;
	w = snprintf(r->fixed, cap, " HTTP/1.1\r\n%s%s%s%s%s%s",
	    has_host ? "" : "Host: ", has_host ? "" : r->t.host,
	    has_host ? "" : "\r\n",
	    has_agent ? "" : "User-Agent: fupin-loadgen\r\n", h,
	    o->body != NULL && !has_type ? "Content-Type: "
	    "application/x-www-form-urlencoded\r\n" : "");
	if (w < 0 || (size_t)w >= cap)
		return false;
	r->fixed_len = (size_t)w;
	return true;
}

static bool
run_init(struct run *r, const struct client_opts *o)
{
	size_t req_max;
	long i;

	memset(r, 0, sizeof(*r));
	r->o = o;
	r->ep = -1;
	if (!target_init(&r->t, o->url))
		return false;
	if (!tmpl_init(&r->path_t, r->t.path) ||
	    !tmpl_init(&r->body_t, o->body != NULL ? o->body : "") ||
	    !fixed_init(r))
		goto oom;
	r->body = malloc(r->body_t.max_len + r->path_t.max_len + 1);
	r->conns = calloc((size_t)o->conns, sizeof(*r->conns));
	if (r->body == NULL || r->conns == NULL)
		goto oom;
	req_max = 8 + r->path_t.max_len + r->fixed_len + 40 +
	    r->body_t.max_len;
	for (i = 0; i < o->conns; i++) {
		r->conns[i].fd = -1;
		r->conns[i].req = malloc(req_max);
		if (r->conns[i].req == NULL || !answer_init(&r->conns[i].ans))
			goto oom;
	}
	if (o->count > 0) {
		r->cap_lat = (size_t)o->count;
		r->lat_us = malloc(r->cap_lat * sizeof(*r->lat_us));
		if (r->lat_us == NULL)
			goto oom;
	}
	r->ep = epoll_create1(EPOLL_CLOEXEC);
	if (r->ep < 0) {
		perror("loadgen: epoll_create1");
		return false;
	}
	return true;
oom:
	fprintf(stderr, "loadgen: out of memory\n");
	return false;
}

static void
run_cleanup(struct run *r)
{
	long i;

	for (i = 0; r->conns != NULL && i < r->o->conns; i++) {
		conn_close(r, &r->conns[i]);
		free(r->conns[i].req);
		answer_cleanup(&r->conns[i].ans);
	}
	if (r->ep >= 0)
		close(r->ep);
	free(r->conns);
	free(r->lat_us);
	free(r->ok_v);
	free(r->body);
	free(r->fixed);
	free(r->t.host);
	tmpl_cleanup(&r->path_t);
	tmpl_cleanup(&r->body_t);
}

int
client_run(const struct client_opts *o)
{
	struct epoll_event ev[LG_EVENTS];
	struct run r;
	int64_t t, next_tick;
	long i;
	int n, k, rc = 1;

	if (!run_init(&r, o))
		goto done;
	for (i = 0; i < o->conns; i++)
		launch(&r, &r.conns[i]);
	next_tick = lg_now_us() + LG_TICK_MS * 1000;
	while (r.in_flight > 0 && !r.is_oom) {
		n = epoll_wait(r.ep, ev, LG_EVENTS, LG_TICK_MS);
		if (n < 0 && errno != EINTR) {
			perror("loadgen: epoll_wait");
			goto done;
		}
		for (k = 0; k < n; k++)
			on_ready(&r, ev[k].data.ptr, ev[k].events);
		t = lg_now_us();
		if (t >= next_tick) {
			next_tick = t + LG_TICK_MS * 1000;
			check_deadlines(&r, t);
		}
	}
	if (r.is_oom) {
		fprintf(stderr, "loadgen: out of memory\n");
		goto done;
	}
	report(&r);
	if (o->ok_file != NULL && !write_ok_file(&r))
		goto done;
	rc = 0;
done:
	run_cleanup(&r);
	return rc;
}
