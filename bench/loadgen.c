/*
 * loadgen.c: the HTTP load generator and sink behind the SMS benchmark
 * (bench/sms_bench.sh).  It is a benchmark tool, not part of the gateway;
 * nothing else calls it.  Three modes:
 *
 *   loadgen [-c CONNS] [-n COUNT | -d SECONDS] [-b BODY] [-H HEADER]...
 *       [-s START] [-t TIMEOUT_MS] [-q] URL
 *	closed loop: CONNS keep-alive connections on one curl multi handle,
 *	each sends its next request as soon as the previous answer is in,
 *	until COUNT requests are done (default 10000) or SECONDS have
 *	passed.  GET, or POST with BODY as an urlencoded form.  In URL and
 *	BODY, %n is a running counter (START, START+1, ...) and %0Wn the
 *	same zero-padded to W digits (W 1-9), so each request carries its
 *	own id and phone number: from=139%08n gives 13900000000,
 *	13900000001, ...; %% is one '%'; any other '%' (URL escapes such as
 *	%20) is copied as is.  With --sessions S --steps 'T0|T1|...' the
 *	requests walk S concurrent USSD sessions through the steps: request
 *	v is step (v / S) % K of session v % S, %s is the session's number
 *	(%0Ws padded), %g its generation (a new one after the last step), %t
 *	the step's text; so 1,000 sessions each see their inputs in order.  Prints requests/s, the count of each HTTP
 *	status, and latency p50/p90/p99/max in ms, then one key=value line
 *	for scripts.
 *
 *   loadgen --sink PORT [--status CODE] [--expect N] [--threads T] [-q]
 *	a minimal HTTP server on 127.0.0.1:PORT (libmicrohttpd) that
 *	answers every request CODE (default 200) with {"id":"<counter>"},
 *	counts requests and notes the first and the last; it prints the
 *	count each second it changes, "sink.done ..." once N requests are
 *	in, and "sink.final ..." on SIGTERM or SIGINT, then exits 0.  GET
 *	/_sink/stats answers the same figures and is not counted.  It plays
 *	Kannel's get-url target and the gateway's http_json provider.
 *
 *   loadgen --free-port
 *	prints a TCP port that was free on 127.0.0.1 a moment ago.
 *
 * It measures from the client's side only: latency is from handing a
 * request to curl to its last byte, so it includes time spent waiting
 * for a connection of our own pool, as a real closed-loop client would.
 * Exit 0 when the run happened (whatever the statuses), 64 on a usage
 * error, 1 when it could not run.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"

#define LG_MAX_CONNS		1024
#define LG_MAX_STATUS		600
#define LG_COUNTER_DIGITS	20	/* of a uint64_t */
#define LG_DEFAULT_COUNT	10000
#define LG_DEFAULT_CONNS	50
#define LG_DEFAULT_TIMEOUT_MS	30000
#define LG_POLL_MS		100
#define LG_SINK_TICK_MS		20
#define LG_SINK_ID_MAX		48
#define LG_EX_USAGE		64

/* ---- time ---------------------------------------------------------------- */

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- templates: URL and body with %n ----------------------------------- */

/* One piece of a template: literal text, or the counter (width > 0). */
struct piece {
	const char	*text;		/* borrowed from argv */
	size_t		 len;
	bool		 is_counter;
	char		 var;		/* counter: 'n', 's', 'g'; or 't' */
	int		 width;		/* 0: no padding */
};

/* USSD sessions (--sessions, --steps); 0 sessions: none. */
static int64_t	  lg_sessions;
static char	**lg_steps;	/* owned by main */
static size_t	  lg_n_steps;
static size_t	  lg_steps_max;	/* longest step text */

struct tmpl {
	struct piece	*pieces;	/* owned */
	size_t		 n;
	size_t		 max_len;	/* longest expansion, no NUL */
};

static void
tmpl_cleanup(struct tmpl *t)
{
	free(t->pieces);
	memset(t, 0, sizeof(*t));
}

/* Split `s` (which must outlive t) into pieces; false: out of memory. */
static bool
tmpl_init(struct tmpl *t, const char *s)
{
	size_t cap = 2 * strlen(s) + 1, i = 0;
	const char *lit = s;

	memset(t, 0, sizeof(*t));
	t->pieces = calloc(cap, sizeof(*t->pieces));
	if (t->pieces == NULL)
		return false;
	while (s[i] != '\0') {
		size_t skip = 0;
		int width = 0;
		bool is_counter = false, is_percent = false;

		char var = 0;

		if (s[i] == '%' && (s[i + 1] == 'n' || (lg_sessions > 0 &&
		    strchr("sgt", s[i + 1]) != NULL))) {
			is_counter = true;
			var = s[i + 1];
			skip = 2;
		} else if (s[i] == '%' && s[i + 1] == '0' && s[i + 2] >= '1' &&
		    s[i + 2] <= '9' && (s[i + 3] == 'n' || (lg_sessions > 0 &&
		    (s[i + 3] == 's' || s[i + 3] == 'g')))) {
			is_counter = true;
			var = s[i + 3];
			width = s[i + 2] - '0';
			skip = 4;
		} else if (s[i] == '%' && s[i + 1] == '%') {
			is_percent = true;
			skip = 2;
		}
		if (!is_counter && !is_percent) {
			i++;
			continue;
		}
		/* The literal up to here; for %%, including one '%'. */
		t->pieces[t->n].text = lit;
		t->pieces[t->n].len = (size_t)(s + i - lit) + is_percent;
		t->max_len += t->pieces[t->n].len;
		t->n++;
		if (is_counter) {
			t->pieces[t->n].is_counter = true;
			t->pieces[t->n].var = var;
			t->pieces[t->n].width = width;
			t->max_len += var == 't' ? lg_steps_max : LG_COUNTER_DIGITS;
			t->n++;
		}
		i += skip;
		lit = s + i;
	}
	t->pieces[t->n].text = lit;
	t->pieces[t->n].len = strlen(lit);
	t->max_len += t->pieces[t->n].len;
	t->n++;
	return true;
}

/* Expand with counter `v` into out (t->max_len + 1 bytes); the length. */
static size_t
tmpl_expand(const struct tmpl *t, uint64_t v, char *out)
{
	size_t i, len = 0;
	int w;

	for (i = 0; i < t->n; i++) {
		uint64_t n = v;

		if (!t->pieces[i].is_counter) {
			memcpy(out + len, t->pieces[i].text, t->pieces[i].len);
			len += t->pieces[i].len;
			continue;
		}
		if (t->pieces[i].var != 'n') {
			uint64_t round = v / (uint64_t)lg_sessions;

			if (t->pieces[i].var == 't') {
				const char *step = lg_steps[round % lg_n_steps];

				memcpy(out + len, step, strlen(step));
				len += strlen(step);
				continue;
			}
			n = t->pieces[i].var == 's' ? v % (uint64_t)lg_sessions :
			    round / lg_n_steps;
		}
		w = snprintf(out + len, LG_COUNTER_DIGITS + 1, "%0*" PRIu64,
		    t->pieces[i].width, n);
		if (w > 0)
			len += (size_t)w;
	}
	out[len] = '\0';
	return len;
}

/* ---- client -------------------------------------------------------------- */

struct client_opts {
	const char		*url;
	const char		*body;		/* NULL: GET */
	struct curl_slist	*headers;	/* owned */
	long			 conns;
	int64_t			 count;		/* 0: -d */
	int64_t			 duration_ms;	/* 0 with a count */
	int64_t			 start;
	long			 timeout_ms;
	bool			 is_quiet;
};

/* One connection's request in flight. */
struct slot {
	CURL		*easy;
	int64_t		 started_us;
	char		*url;		/* owned, url_t.max_len + 1 */
	char		*body;		/* owned, or NULL */
	bool		 is_busy;
};

struct run {
	const struct client_opts *o;
	struct tmpl	 url_t, body_t;
	CURLM		*multi;
	struct slot	*slots;		/* o->conns of them */
	int64_t		*lat_us;	/* latencies; grows with -d */
	size_t		 n_lat, cap_lat;
	int64_t		 issued;	/* requests handed to curl */
	long		 in_flight;	/* slots busy */
	int64_t		 first_us, last_us;
	int64_t		 status[LG_MAX_STATUS]; /* [0]: no answer */
	int64_t		 transport_errors;
	char		 first_error[CURL_ERROR_SIZE + 64];
};

static size_t
discard(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;
}

static bool
slot_init(struct run *r, struct slot *s)
{
	const struct client_opts *o = r->o;
	CURL *e;

	s->url = malloc(r->url_t.max_len + 1);
	if (s->url == NULL)
		return false;
	if (o->body != NULL) {
		s->body = malloc(r->body_t.max_len + 1);
		if (s->body == NULL)
			return false;
	}
	e = curl_easy_init();
	if (e == NULL)
		return false;
	s->easy = e;
	curl_easy_setopt(e, CURLOPT_PRIVATE, s);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, o->headers);
	if (o->body != NULL)
		curl_easy_setopt(e, CURLOPT_POST, 1L);
	return true;
}

/* Hand the next request to curl on slot s. */
static bool
slot_start(struct run *r, struct slot *s)
{
	uint64_t v = (uint64_t)(r->o->start + r->issued);
	size_t len;

	tmpl_expand(&r->url_t, v, s->url);
	if (curl_easy_setopt(s->easy, CURLOPT_URL, s->url) != CURLE_OK)
		return false;
	if (s->body != NULL) {
		len = tmpl_expand(&r->body_t, v, s->body);
		curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE, (long)len);
		curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
	}
	s->started_us = now_us();
	if (r->first_us == 0)
		r->first_us = s->started_us;
	if (curl_multi_add_handle(r->multi, s->easy) != CURLM_OK)
		return false;
	s->is_busy = true;
	r->in_flight++;
	r->issued++;
	return true;
}

static bool
want_more(const struct run *r, int64_t t_us)
{
	if (r->o->count > 0)
		return r->issued < r->o->count;
	return t_us - r->first_us < r->o->duration_ms * 1000;
}

static bool
note_latency(struct run *r, int64_t us)
{
	int64_t *grown;

	if (r->n_lat == r->cap_lat) {
		r->cap_lat = r->cap_lat > 0 ? 2 * r->cap_lat : 65536;
		grown = realloc(r->lat_us, r->cap_lat * sizeof(*grown));
		if (grown == NULL)
			return false;
		r->lat_us = grown;
	}
	r->lat_us[r->n_lat++] = us;
	return true;
}

/* A finished transfer: count it and, if more are due, start the next. */
static bool
finish(struct run *r, CURLMsg *m)
{
	struct slot *s = NULL;
	int64_t t = now_us();
	long code = 0;

	curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
	curl_multi_remove_handle(r->multi, m->easy_handle);
	s->is_busy = false;
	r->in_flight--;
	r->last_us = t;
	if (!note_latency(r, t - s->started_us))
		return false;
	if (m->data.result != CURLE_OK) {
		r->transport_errors++;
		r->status[0]++;
		if (r->first_error[0] == '\0')
			snprintf(r->first_error, sizeof(r->first_error),
			    "%s (%s)", curl_easy_strerror(m->data.result),
			    s->url);
	} else {
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
		r->status[code > 0 && code < LG_MAX_STATUS ? code : 0]++;
	}
	if (want_more(r, t))
		return slot_start(r, s);
	return true;
}

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
	for (i = 0; i < LG_MAX_STATUS; i++) {
		if (r->status[i] == 0)
			continue;
		if (i >= 200 && i < 300)
			ok += r->status[i];
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

static int
client_run(const struct client_opts *o)
{
	struct run r;
	CURLMsg *m;
	int running, left, rc = 1;
	long i;
	bool is_ok = true;

	memset(&r, 0, sizeof(r));
	r.o = o;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "loadgen: curl_global_init failed\n");
		return 1;
	}
	r.multi = curl_multi_init();
	r.slots = calloc((size_t)o->conns, sizeof(*r.slots));
	if (r.multi == NULL || r.slots == NULL ||
	    !tmpl_init(&r.url_t, o->url) ||
	    (o->body != NULL && !tmpl_init(&r.body_t, o->body)))
		goto oom;
	/* Our own connections only: one per slot, kept between requests. */
	curl_multi_setopt(r.multi, CURLMOPT_MAXCONNECTS, o->conns);
	curl_multi_setopt(r.multi, CURLMOPT_MAX_HOST_CONNECTIONS, o->conns);
	curl_multi_setopt(r.multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
	if (o->count > 0) {
		r.cap_lat = (size_t)o->count;
		r.lat_us = malloc(r.cap_lat * sizeof(*r.lat_us));
		if (r.lat_us == NULL)
			goto oom;
	}
	for (i = 0; i < o->conns; i++)
		if (!slot_init(&r, &r.slots[i]))
			goto oom;
	for (i = 0; i < o->conns && (r.issued == 0 || want_more(&r, now_us()));
	    i++)
		if (!slot_start(&r, &r.slots[i]))
			goto oom;
	/*
	 * A transfer may finish within the perform that starts it (loopback,
	 * a kept connection), so the loop runs while any slot is busy, not
	 * while curl says something is running; it waits only when nothing
	 * was finished this round.
	 */
	while (r.in_flight > 0 && is_ok) {
		bool is_any = false;

		if (curl_multi_perform(r.multi, &running) != CURLM_OK)
			break;
		while (is_ok && (m = curl_multi_info_read(r.multi, &left)) !=
		    NULL)
			if (m->msg == CURLMSG_DONE) {
				is_ok = finish(&r, m);
				is_any = true;
			}
		if (is_ok && !is_any && running > 0)
			curl_multi_poll(r.multi, NULL, 0, LG_POLL_MS, NULL);
	}
	if (!is_ok)
		goto oom;
	report(&r);
	rc = 0;
	goto done;
oom:
	fprintf(stderr, "loadgen: out of memory or curl refused a request\n");
done:
	for (i = 0; r.slots != NULL && i < o->conns; i++) {
		if (r.slots[i].easy != NULL) {
			if (r.slots[i].is_busy)
				curl_multi_remove_handle(r.multi,
				    r.slots[i].easy);
			curl_easy_cleanup(r.slots[i].easy);
		}
		free(r.slots[i].url);
		free(r.slots[i].body);
	}
	free(r.slots);
	free(r.lat_us);
	tmpl_cleanup(&r.url_t);
	tmpl_cleanup(&r.body_t);
	curl_multi_cleanup(r.multi);
	curl_global_cleanup();
	return rc;
}

/* ---- sink ---------------------------------------------------------------- */

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

struct sink {
	unsigned int	 status;
	int64_t		 expect;
	atomic_llong	 count;
	atomic_llong	 first_us;
	atomic_llong	 last_us;
	atomic_llong	 done_us;	/* when request `expect` came */
};

/*
 * "count=N first_to_last_s=S rate=R" into buf: all requests so far, or
 * with is_expected the first `expect` of them, however many came since.
 */
static void
sink_figures(struct sink *k, bool is_expected, char *buf, size_t len)
{
	long long n = is_expected ? k->expect : atomic_load(&k->count);
	long long last = atomic_load(is_expected ? &k->done_us : &k->last_us);
	double secs = (double)(last - atomic_load(&k->first_us)) / 1e6;

	snprintf(buf, len, "count=%lld first_to_last_s=%.6f rate=%.1f", n,
	    secs, n > 1 && secs > 0 ? (double)(n - 1) / secs : 0.0);
}

static enum MHD_Result
answer(struct MHD_Connection *c, unsigned int status, const char *body,
    const char *type)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(body), (void *)(uintptr_t)
	    body, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The con_cls marker of a request whose first call we have seen. */
static int sink_seen;

static enum MHD_Result
sink_access(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct sink *k = cls;
	char body[LG_SINK_ID_MAX + 128], fig[LG_SINK_ID_MAX + 96];
	long long n, t, zero = 0;

	(void)method;
	(void)version;
	(void)upload_data;
	if (*con_cls == NULL) {
		*con_cls = &sink_seen;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		*upload_data_size = 0;	/* the body is read and dropped */
		return MHD_YES;
	}
	if (strcmp(url, "/_sink/stats") == 0) {
		sink_figures(k, false, fig, sizeof(fig));
		snprintf(body, sizeof(body), "%s\n", fig);
		return answer(c, MHD_HTTP_OK, body, "text/plain");
	}
	t = now_us();
	atomic_compare_exchange_strong(&k->first_us, &zero, t);
	atomic_store(&k->last_us, t);
	n = atomic_fetch_add(&k->count, 1) + 1;
	if (n == k->expect)
		atomic_store(&k->done_us, t);
	snprintf(body, sizeof(body), "{\"id\":\"%lld\"}", n);
	return answer(c, k->status, body, "application/json");
}

static int
sink_run(int port, unsigned int status, int64_t expect, long threads,
    bool is_quiet)
{
	struct sink k;
	struct MHD_Daemon *d;
	struct sockaddr_in sa;
	struct sigaction act;
	struct MHD_OptionItem ops[8];
	size_t n_ops = 0;
	char fig[256];
	long long shown = -1, n;
	int64_t t0 = now_us(), next_tick = t0 + 1000000, t;
	bool is_done = false;

	memset(&k, 0, sizeof(k));
	k.status = status;
	k.expect = expect;
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGTERM, &act, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/*
	 * One epoll thread unless told otherwise: the sink must cost little
	 * CPU next to the system it measures.  libmicrohttpd warns about a
	 * pool size of 0 or 1, so the option is left out then.
	 */
	ops[n_ops++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &sa };
	ops[n_ops++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
	    4000, NULL };
	ops[n_ops++] = (struct MHD_OptionItem){
	    MHD_OPTION_CONNECTION_TIMEOUT, 120, NULL };
	if (threads > 1)
		ops[n_ops++] = (struct MHD_OptionItem){
		    MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL };
	ops[n_ops] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG,
	    (uint16_t)port, NULL, NULL, sink_access, &k,
	    MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "loadgen: cannot listen on 127.0.0.1:%d\n",
		    port);
		return 1;
	}
	printf("sink.ready port=%d status=%u\n", port, status);
	fflush(stdout);
	while (got_signal == 0) {
		sleep_ms(LG_SINK_TICK_MS);
		n = atomic_load(&k.count);
		t = now_us();
		if (!is_done && expect > 0 && n >= expect) {
			is_done = true;
			sink_figures(&k, true, fig, sizeof(fig));
			printf("sink.done %s\n", fig);
			fflush(stdout);
		}
		if (t >= next_tick) {
			next_tick += 1000000;
			if (!is_quiet && n != shown) {
				printf("sink.progress t=%.0fs count=%lld\n",
				    (double)(t - t0) / 1e6, n);
				fflush(stdout);
			}
			shown = n;
		}
	}
	MHD_stop_daemon(d);
	sink_figures(&k, false, fig, sizeof(fig));
	printf("sink.final %s\n", fig);
	fflush(stdout);
	return 0;
}

/* ---- free port ----------------------------------------------------------- */

static int
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), rc = 1;

	if (fd < 0) {
		perror("loadgen: socket");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0) {
		printf("%u\n", (unsigned int)ntohs(sa.sin_port));
		rc = 0;
	} else
		perror("loadgen: bind");
	close(fd);
	return rc;
}

/* ---- main ---------------------------------------------------------------- */

__attribute__((noreturn)) static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen [-c CONNS] [-n COUNT | -d SECONDS] [-b BODY] "
	    "[-H HEADER]...\n"
	    "               [-s START] [-t TIMEOUT_MS] [-q] URL\n"
	    "       loadgen --sink PORT [--status CODE] [--expect N] "
	    "[--threads T] [-q]\n"
	    "       loadgen --free-port\n"
	    "In URL and BODY, %%n is a running counter, %%0Wn the same with W "
	    "digits;\nwith --sessions S --steps 'T0|T1|..': %%s session, %%g "
	    "generation, %%t step text.\n");
	exit(LG_EX_USAGE);
}

static int64_t
num_arg(const char *what, const char *s, int64_t min, int64_t max)
{
	int64_t v;

	if (parse_int64(s, min, max, &v) != FP_OK) {
		fprintf(stderr, "loadgen: %s must be a number from %" PRId64
		    " to %" PRId64 ", not '%s'\n", what, min, max, s);
		exit(LG_EX_USAGE);
	}
	return v;
}

enum { OPT_SINK = 256, OPT_STATUS, OPT_EXPECT, OPT_THREADS, OPT_FREE_PORT,
    OPT_SESSIONS, OPT_STEPS };

/* --steps 'a|b|c' into lg_steps (the string is split in place). */
static void
split_steps(char *s)
{
	char *p;

	for (p = s; p != NULL; p = strchr(p, '|') != NULL ?
	    strchr(p, '|') + 1 : NULL)
		lg_n_steps++;
	lg_steps = calloc(lg_n_steps, sizeof(*lg_steps));
	if (lg_steps == NULL) {
		fprintf(stderr, "loadgen: out of memory\n");
		exit(1);
	}
	lg_n_steps = 0;
	for (p = s; p != NULL;) {
		char *bar = strchr(p, '|');

		if (bar != NULL)
			*bar = '\0';
		lg_steps[lg_n_steps++] = p;
		if (strlen(p) > lg_steps_max)
			lg_steps_max = strlen(p);
		p = bar != NULL ? bar + 1 : NULL;
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sink", required_argument, NULL, OPT_SINK },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "free-port", no_argument, NULL, OPT_FREE_PORT },
		{ "sessions", required_argument, NULL, OPT_SESSIONS },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	struct client_opts o;
	struct curl_slist *h;
	int64_t sink_port = 0, status = 200, expect = 0, threads = 1;
	int ch, rc;
	bool is_free_port = false;

	memset(&o, 0, sizeof(o));
	o.conns = LG_DEFAULT_CONNS;
	o.timeout_ms = LG_DEFAULT_TIMEOUT_MS;
	while ((ch = getopt_long(argc, argv, "b:c:d:H:n:qs:t:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			o.body = optarg;
			break;
		case 'c':
			o.conns = (long)num_arg("-c", optarg, 1, LG_MAX_CONNS);
			break;
		case 'd':
			o.duration_ms = 1000 * num_arg("-d", optarg, 1, 86400);
			break;
		case 'H':
			h = curl_slist_append(o.headers, optarg);
			if (h == NULL) {
				fprintf(stderr, "loadgen: out of memory\n");
				return 1;
			}
			o.headers = h;
			break;
		case 'n':
			o.count = num_arg("-n", optarg, 1, INT64_C(1) << 40);
			break;
		case 'q':
			o.is_quiet = true;
			break;
		case 's':
			o.start = num_arg("-s", optarg, 0, INT64_C(1) << 60);
			break;
		case 't':
			o.timeout_ms = (long)num_arg("-t", optarg, 1, 3600000);
			break;
		case OPT_SINK:
			sink_port = num_arg("--sink", optarg, 1, 65535);
			break;
		case OPT_STATUS:
			status = num_arg("--status", optarg, 200, 599);
			break;
		case OPT_EXPECT:
			expect = num_arg("--expect", optarg, 1,
			    INT64_C(1) << 40);
			break;
		case OPT_THREADS:
			threads = num_arg("--threads", optarg, 1, 64);
			break;
		case OPT_FREE_PORT:
			is_free_port = true;
			break;
		case OPT_SESSIONS:
			lg_sessions = num_arg("--sessions", optarg, 1, 10000000);
			break;
		case OPT_STEPS:
			split_steps(optarg);
			break;
		default:
			usage();
		}
	}
	if (is_free_port) {
		if (optind != argc)
			usage();
		return free_port();
	}
	if (sink_port > 0) {
		if (optind != argc)
			usage();
		return sink_run((int)sink_port, (unsigned int)status, expect,
		    (long)threads, o.is_quiet);
	}
	if (optind != argc - 1 || (o.count > 0 && o.duration_ms > 0) ||
	    (lg_sessions > 0) != (lg_n_steps > 0))
		usage();
	if (o.count == 0 && o.duration_ms == 0)
		o.count = LG_DEFAULT_COUNT;
	if (o.count > 0 && o.count < o.conns)
		o.conns = (long)o.count;
	o.url = argv[optind];
	if (o.body != NULL) {
		/* A small form: no "Expect: 100-continue" round trip. */
		h = curl_slist_append(o.headers, "Expect:");
		if (h == NULL) {
			fprintf(stderr, "loadgen: out of memory\n");
			return 1;
		}
		o.headers = h;
	}
	rc = client_run(&o);
	curl_slist_free_all(o.headers);
	free(lg_steps);
	return rc;
}
