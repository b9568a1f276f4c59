/*
 * metrics_http.c: GET /metrics, the Prometheus text page (see
 * metrics_http.h): the request counters, gauges read from the database
 * when scraped, the senders' counters and build information.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event_outbox.h"
#include "gateway.h"
#include "http_auth.h"
#include "http_server.h"
#include "link_inbound.h"
#include "metrics.h"
#include "metrics_http.h"

#define METRICS_PAGE_MAX (64 * 1024)

struct page {
	char	*buf;
	size_t	 len;
	bool	 full;
};

static void page_add(struct page *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
page_add(struct page *p, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (p->full)
		return;
	va_start(ap, fmt);
	r = vsnprintf(p->buf + p->len, METRICS_PAGE_MAX - p->len, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= METRICS_PAGE_MAX - p->len) {
		p->full = true;
		return;
	}
	p->len += (size_t)r;
}

/*
 * `metric{key="label"} N` with N from a count(*) statement.  Each one
 * counts through a partial index (sms_out_due, sms_out_sending,
 * broadcast_recipients_pending), so a scrape costs the length of the
 * queue, not of the table: a GROUP BY status over two million messages
 * took half a second of CPU at every scrape.
 */
static void
add_count(struct page *p, struct store *st, const char *sql,
    const char *metric, const char *key, const char *label)
{
	sqlite3_stmt *stmt;

	if (store_stmt(st, sql, &stmt) != FP_OK)
		return;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		page_add(p, "%s{%s=\"%s\"} %lld\n", metric, key, label,
		    (long long)sqlite3_column_int64(stmt, 0));
	sqlite3_reset(stmt);
}

static void
add_database(struct page *p, struct gw *gw)
{
	struct store *st;
	int64_t v;

	if (gw_store(gw, &st) != FP_OK) {
		page_add(p, "fupin_database_up 0\n");
		return;
	}
	page_add(p, "# HELP fupin_database_up 1 when the database answers.\n"
	    "# TYPE fupin_database_up gauge\nfupin_database_up 1\n");
	if (store_size_bytes(st, &v) == FP_OK)
		page_add(p, "# HELP fupin_database_bytes Size of the database "
		    "file.\n# TYPE fupin_database_bytes gauge\n"
		    "fupin_database_bytes %lld\n", (long long)v);
	/* Queue depths; what became of the messages is counted by
	 * fupin_sms_out_total. */
	page_add(p, "# HELP fupin_sms_out_messages Outbound messages waiting "
	    "(queued) or in flight (sending).\n"
	    "# TYPE fupin_sms_out_messages gauge\n");
	add_count(p, st, "SELECT count(*) FROM sms_out WHERE status = "
	    "'queued'", "fupin_sms_out_messages", "status", "queued");
	add_count(p, st, "SELECT count(*) FROM sms_out WHERE status = "
	    "'sending'", "fupin_sms_out_messages", "status", "sending");
	page_add(p, "# HELP fupin_broadcast_recipients Broadcast recipients "
	    "not yet queued.\n# TYPE fupin_broadcast_recipients gauge\n");
	add_count(p, st, "SELECT count(*) FROM broadcast_recipients WHERE "
	    "status = 'pending'", "fupin_broadcast_recipients", "status",
	    "pending");
	if (event_outbox_pending(st, &v) == FP_OK)
		page_add(p, "# HELP fupin_event_outbox_pending Events not yet "
		    "relayed to MQTT.\n# TYPE fupin_event_outbox_pending "
		    "gauge\nfupin_event_outbox_pending %lld\n", (long long)v);
	/* The bridge's backlog as the gateway sees it in the shared
	 * database; the bridge's own rates and reconnects are in its
	 * bridge.stats log line. */
	if (event_outbox_oldest_age(st, (int64_t)time(NULL), &v) == FP_OK)
		page_add(p, "# HELP fupin_event_outbox_oldest_pending_seconds "
		    "Age of the oldest event not yet relayed (0 when none).\n"
		    "# TYPE fupin_event_outbox_oldest_pending_seconds gauge\n"
		    "fupin_event_outbox_oldest_pending_seconds %lld\n",
		    (long long)v);
}

static void
emit_sender(const char *provider, const char *metric, uint64_t v, void *arg)
{
	struct page *p = arg;

	if (strcmp(metric, "segments_sent") == 0)
		page_add(p, "fupin_sms_segments_sent_total{provider=\"%s\"} "
		    "%llu\n", provider, (unsigned long long)v);
	else if (strcmp(metric, "direct") == 0)
		page_add(p, "fupin_sms_direct_total{provider=\"%s\"} %llu\n",
		    provider, (unsigned long long)v);
	else
		page_add(p, "fupin_sms_out_total{provider=\"%s\",outcome="
		    "\"%s\"} %llu\n", provider, metric,
		    (unsigned long long)v);
}

/* One metric family of the operator links (SMPP, CMPP) per pass, so
 * each family's samples stay together under its TYPE line. */
struct link_pass {
	struct page	*p;
	const char	*metric;	/* link_stats_each's name */
	const char	*family;	/* fupin_link_<family> */
	bool		 is_latency;
};

static void
emit_link(const char *provider, const char *metric, uint64_t v, void *arg)
{
	struct link_pass *lp = arg;

	if (lp->is_latency) {
		if (strncmp(metric, "latency_le_", 11) == 0)
			page_add(lp->p, "fupin_link_submit_latency_seconds_bucket"
			    "{provider=\"%s\",le=\"%g\"} %llu\n", provider,
			    strtod(metric + 11, NULL) / 1e6,
			    (unsigned long long)v);
		else if (strcmp(metric, "latency_count") == 0)
			page_add(lp->p, "fupin_link_submit_latency_seconds_bucket"
			    "{provider=\"%s\",le=\"+Inf\"} %llu\n"
			    "fupin_link_submit_latency_seconds_count"
			    "{provider=\"%s\"} %llu\n", provider,
			    (unsigned long long)v, provider,
			    (unsigned long long)v);
		else if (strcmp(metric, "latency_sum_us") == 0)
			page_add(lp->p, "fupin_link_submit_latency_seconds_sum"
			    "{provider=\"%s\"} %.6f\n", provider, (double)v / 1e6);
		return;
	}
	if (strcmp(metric, lp->metric) == 0)
		page_add(lp->p, "fupin_link_%s{provider=\"%s\"} %llu\n",
		    lp->family, provider, (unsigned long long)v);
}

static void
add_links(struct page *p)
{
	static const struct {
		const char *metric, *family, *type, *help;
	} fam[] = {
		{ "binds", "binds_total", "counter", "Successful binds "
		    "(SMPP) or logins (CMPP)." },
		{ "bind_failures", "bind_failures_total", "counter",
		    "Failed binds or logins." },
		{ "submits", "submits_total", "counter", "Submits sent "
		    "(message parts)." },
		{ "throttled", "throttled_total", "counter", "Answers asking "
		    "us to slow down." },
		{ "mo", "mo_total", "counter", "MO messages received." },
		{ "reports", "reports_total", "counter", "Delivery reports "
		    "received." },
		{ "window_used", "window_used", "gauge", "Submits awaiting "
		    "an answer." },
		{ "window_size", "window_size", "gauge", "The window." },
		{ "up", "up", "gauge", "1 while bound." },
	};
	struct link_pass lp = { p, NULL, NULL, false };
	size_t i;

	for (i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		page_add(p, "# HELP fupin_link_%s %s\n# TYPE fupin_link_%s %s\n",
		    fam[i].family, fam[i].help, fam[i].family, fam[i].type);
		lp.metric = fam[i].metric;
		lp.family = fam[i].family;
		link_stats_each(emit_link, &lp);
	}
	page_add(p, "# HELP fupin_link_submit_latency_seconds From a submit "
	    "to its answer.\n"
	    "# TYPE fupin_link_submit_latency_seconds histogram\n");
	lp.is_latency = true;
	link_stats_each(emit_link, &lp);
}

static void
emit_request(const char *route, int status, uint64_t n, void *arg)
{
	page_add(arg, "fupin_http_requests_total{route=\"%s\",status=\"%d\"} "
	    "%llu\n", route, status, (unsigned long long)n);
}

void
metrics_http_handle(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	struct page p = { 0 };

	/* SPEC 3.5: no token needed on loopback; elsewhere any valid one. */
	/* SPEC 3.5: the whole gateway's figures, so an admin token off
	 * loopback (a county's viewer sees only its county elsewhere). */
	if (!req->is_loopback) {
		const struct cfg_token *t = NULL;

		if (http_auth_bearer(gw, req, &t) != FP_OK) {
			http_resp_error(resp, 401, "unauthorized",
			    "a bearer token is required off loopback");
			resp->www_authenticate = "Bearer";
			return;
		}
		if (t->role != CFG_ROLE_ADMIN) {
			http_resp_error(resp, 403, "forbidden",
			    "/metrics needs an admin token off loopback");
			return;
		}
	}
	p.buf = malloc(METRICS_PAGE_MAX);
	if (p.buf == NULL) {
		http_resp_error(resp, 500, "internal", "out of memory");
		return;
	}
	page_add(&p, "# HELP fupin_build_info Build information.\n"
	    "# TYPE fupin_build_info gauge\n"
	    "fupin_build_info{version=\"%s\",revision=\"%s\",node=\"%s\"} 1\n",
	    FP_VERSION, FP_GIT_REV, gw->cfg->node_id);
	page_add(&p, "# HELP fupin_start_time_seconds Start time of the "
	    "process.\n# TYPE fupin_start_time_seconds gauge\n"
	    "fupin_start_time_seconds %lld\n", (long long)gw->started_at);
	page_add(&p, "# HELP fupin_http_requests_total HTTP requests "
	    "answered, by route and status.\n"
	    "# TYPE fupin_http_requests_total counter\n");
	metrics_each_request(gw->metrics, emit_request, &p);
	add_database(&p, gw);
	if (gw->sender != NULL && gw->sender_metrics != NULL) {
		page_add(&p, "# HELP fupin_sms_segments_sent_total Segments "
		    "accepted by each provider.\n# TYPE "
		    "fupin_sms_segments_sent_total counter\n"
		    "# HELP fupin_sms_out_total Outbound messages by provider "
		    "and outcome.\n# TYPE fupin_sms_out_total counter\n"
		    "# HELP fupin_sms_direct_total Messages handed to the "
		    "sender at their commit, without a claim.\n"
		    "# TYPE fupin_sms_direct_total counter\n");
		gw->sender_metrics(gw->sender, emit_sender, &p);
	}
	add_links(&p);
	http_resp_set(resp, 200, "text/plain; version=0.0.4; charset=utf-8",
	    p.buf, p.len);
	free(p.buf);
}
