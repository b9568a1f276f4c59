/*
 * loadgen_sink.c: the benchmark's counting HTTP server (usage in
 * loadgen.c): it plays Kannel's get-url target and the gateway's
 * http_json provider, answers every request at once and notes when the
 * first and the last came.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "loadgen.h"

#define LG_SINK_TICK_MS		20
#define LG_SINK_ID_MAX		48

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
	t = lg_now_us();
	atomic_compare_exchange_strong(&k->first_us, &zero, t);
	atomic_store(&k->last_us, t);
	n = atomic_fetch_add(&k->count, 1) + 1;
	if (n == k->expect)
		atomic_store(&k->done_us, t);
	snprintf(body, sizeof(body), "{\"id\":\"%lld\"}", n);
	return answer(c, k->status, body, "application/json");
}

int
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
	int64_t t0 = lg_now_us(), next_tick = t0 + 1000000, t;
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
		lg_sleep_ms(LG_SINK_TICK_MS);
		n = atomic_load(&k.count);
		t = lg_now_us();
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

