/*
 * http_server.c: libmicrohttpd glue (see http_server.h).
 *
 * The access handler is called several times per request: first with
 * the headers (we match the route and check Content-Length there, so a
 * 404/405/413 never reads the body), then once per chunk of body (we
 * copy into a buffer bounded by http.max_body), then once more with no
 * data, when the handler runs and the response is queued.
 *
 * A few polling threads (epoll) serve every connection; none of them
 * ever blocks.  A route marked is_inline runs its handler right there:
 * the hot paths (sendsms, the MO webhooks, USSD) parse and check,
 * suspend the connection and hand their job to the writer
 * (writer_submit), whose callback after the commit resumes the
 * connection; the polling thread
 * is then called again and sends the answer.  No thread sleeps per
 * request.  Every other route's handler may block (writer_run, reads),
 * so its request is suspended and run by a small pool of worker
 * threads, which resume it when the handler returns.
 */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "compiler.h"
#include "gateway.h"
#include "http_replay.h"
#include "http_server.h"
#include "log.h"
#include "metrics.h"
#include "parse.h"

#define HTTP_STACK_BYTES	(256 * 1024)
#define HTTP_POLL_THREADS_MAX	4	/* epoll threads, never blocking */
#define HTTP_WORKERS		16	/* for the handlers that block */
#define HTTP_DRAIN_MS		30000	/* stop: wait for running handlers */
#define HTTP_QUERY_MAX		8192	/* a longer query is refused (414) */
/*
 * Each connection's memory pool (headers, the URL, read buffers; bodies
 * are copied out as they arrive): libmicrohttpd clears it for every
 * request, and its default of 32 KiB made that clearing a third of a
 * USSD request's instructions.  16 KiB holds the longest query we take
 * and the headers.
 */
#define HTTP_CONN_MEMORY	(16 * 1024)

struct http_server {
	struct MHD_Daemon	*daemon;
	struct gw		*gw;
	const struct http_route	*routes;	/* borrowed, NULL path ends */
	int			 port;
	atomic_int		 n_running;	/* handler reached, not answered */
	atomic_bool		 is_draining;	/* stopping: no more handlers */
	/* The worker pool: a queue of suspended requests. */
	pthread_mutex_t		 lock;
	pthread_cond_t		 has_work;
	struct http_req		*head, *tail;
	bool			 stopping;
	pthread_t		 workers[HTTP_WORKERS];
	int			 n_workers;
};

/* -fanalyzer: the body is the response's, freed by the next
 * http_resp_set, by send_resp (handed to libmicrohttpd) or with the
 * request; a false "leak" (gcc 12 loses the store into *resp). */
FP_ANALYZER_LEAK_OFF
void
http_resp_set(struct http_resp *resp, int status, const char *content_type,
    const char *body, size_t len)
{
	free(resp->body);
	resp->status = status;
	resp->content_type = content_type;
	resp->body = malloc(len + 1);
	if (resp->body == NULL) {
		resp->status = 500;
		resp->body_len = 0;
		return;
	}
	memcpy(resp->body, body, len);
	resp->body[len] = '\0';
	resp->body_len = len;
}
FP_ANALYZER_LEAK_ON

void
http_resp_header(struct http_resp *resp, const char *name, const char *value)
{
	char *v;

	if (resp->n_headers >= HTTP_RESP_HEADERS)
		return;
	v = strdup(value);
	if (v == NULL)
		return;
	resp->headers[resp->n_headers].name = name;
	resp->headers[resp->n_headers].value = v;
	resp->n_headers++;
}

static void
resp_headers_free(struct http_resp *resp)
{
	int i;

	for (i = 0; i < resp->n_headers; i++)
		free(resp->headers[i].value);
	resp->n_headers = 0;
}

void
http_resp_error(struct http_resp *resp, int status, const char *code,
    const char *message)
{
	struct json_object *o = json_object_new_object();
	const char *s;

	json_object_object_add(o, "error", json_object_new_string(code));
	json_object_object_add(o, "message", json_object_new_string(message));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	http_resp_set(resp, status, "application/json", s, strlen(s));
	json_object_put(o);
}

const char *
http_req_arg(struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
	    name);
}

const char *
http_req_header(struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
http_req_cookie(struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

/* The last address of an X-Forwarded-For list, if it looks like one. */
static bool
forwarded_for(const char *xff, char *out, size_t size)
{
	const char *last = strrchr(xff, ',');
	size_t n;

	last = last != NULL ? last + 1 : xff;
	while (*last == ' ' || *last == '\t')
		last++;
	n = strspn(last, "0123456789abcdefABCDEF.:");
	if (n == 0 || n >= size || (last[n] != '\0' && last[n] != ' ' &&
	    last[n] != '\t'))
		return false;
	memcpy(out, last, n);
	out[n] = '\0';
	return true;
}

void
http_req_client(struct http_req *req, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	const char *xff;

	snprintf(out, size, "unknown");
	if (req->srv != NULL && req->srv->gw->cfg->http.behind_proxy) {
		xff = http_req_header(req, "X-Forwarded-For");
		if (xff != NULL && forwarded_for(xff, out, size))
			return;
	}
	ci = MHD_get_connection_info(req->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, out, (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, out, (socklen_t)size);
}

const struct http_route *
http_route_match(const struct http_route *routes, const char *path,
    int method_bit, bool *path_known, const char **allow)
{
	const struct http_route *r;
	int methods = 0;

	*path_known = false;
	for (r = routes; r->path != NULL; r++) {
		bool hit = r->is_prefix ?
		    strncmp(path, r->path, strlen(r->path)) == 0 :
		    strcmp(path, r->path) == 0;

		if (!hit)
			continue;
		*path_known = true;
		methods |= r->methods;
		if ((r->methods & method_bit) != 0)
			return r;
	}
	if (allow != NULL)
		*allow = methods == (HTTP_GET | HTTP_POST) ? "GET, HEAD, POST" :
		    methods == HTTP_POST ? "POST" : "GET, HEAD";
	return NULL;
}

static bool
peer_is_loopback(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return false;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)
		    (const void *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)
		    (const void *)sa;
		const uint8_t *a = in6->sin6_addr.s6_addr;

		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && a[12] == 127;
	}
	return false;
}

static enum MHD_Result
send_resp(struct http_server *srv, struct http_req *req,
    struct http_resp *resp, const char *label)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *resp_body;
	size_t resp_len;

	if (resp->body == NULL)
		http_resp_set(resp, resp->status, resp->content_type, "", 0);
	resp_body = resp->body;
	resp_len = resp->body_len;
	r = MHD_create_response_from_buffer(resp->body_len, resp->body,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL)
		return MHD_NO;
	resp->body = NULL;	/* now libmicrohttpd's */
	if (resp->content_type != NULL && resp->body_len > 0)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		    resp->content_type);
	if (resp->allow != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, resp->allow);
	if (resp->www_authenticate != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    resp->www_authenticate);
	for (int i = 0; i < resp->n_headers; i++)
		MHD_add_response_header(r, resp->headers[i].name,
		    resp->headers[i].value);
	resp_headers_free(resp);	/* libmicrohttpd copied them */
	if (atomic_load(&srv->is_draining))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION,
		    "close");
	/* The answer a replay of this signed request will get; a failure
	 * is forgotten, so the sender's retry is taken afresh. */
	if (req->is_signed && srv->gw->replay != NULL) {
		if (resp->status >= 500)
			http_replay_forget(srv->gw->replay, req->sig);
		else
			http_replay_answer(srv->gw->replay, req->sig,
			    resp->status, resp->content_type, resp_body,
			    resp_len);
		req->is_signed = false;
	}
	ret = MHD_queue_response(req->conn, (unsigned int)resp->status, r);
	MHD_destroy_response(r);
	metrics_count_request(srv->gw->metrics, label, resp->status);
	if (resp->status >= 500)
		log_warnx("http.answer method=%s route=%s status=%d",
		    req->method, label, resp->status);
	else
		log_debug("http.answer method=%s route=%s status=%d",
		    req->method, label, resp->status);
	return ret;
}

/* First call: allocate the request, route it, check the length. */
/* -fanalyzer: the request and its raw query are libmicrohttpd's
 * *con_cls, freed by on_completed; a false "leak". */
FP_ANALYZER_LEAK_OFF
static enum MHD_Result
begin(struct http_server *srv, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
	struct http_resp resp = { 0 };
	const char *allow = NULL, *cl;
	struct http_req *req;
	bool known;
	int64_t len;

	req = *con_cls;		/* made by on_uri, with the raw query */
	if (req == NULL)
		req = calloc(1, sizeof(*req));
	if (req == NULL)
		return MHD_NO;
	*con_cls = req;
	req->is_begun = true;
	req->srv = srv;
	req->conn = conn;
	req->method = method;
	req->path = url;
	/* Behind a reverse proxy every peer is the proxy: none counts. */
	req->is_loopback = !srv->gw->cfg->http.behind_proxy &&
	    peer_is_loopback(conn);
	if (req->raw_query == NULL)
		req->raw_query = strdup("");
	if (req->raw_query == NULL)
		return MHD_NO;
	if (strlen(req->raw_query) > HTTP_QUERY_MAX) {
		http_resp_error(&resp, 414, "uri_too_long",
		    "the query string is too long");
		return send_resp(srv, req, &resp, "unmatched");
	}
	/* libmicrohttpd decodes the path into a C string: a %00 would cut
	 * it short ("/console/a.html%00.png" read as "/console/a.html"). */
	if (req->has_nul_path) {
		http_resp_error(&resp, 400, "bad_path",
		    "the path holds a NUL character (%00)");
		return send_resp(srv, req, &resp, "unmatched");
	}
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		req->method_bit = HTTP_GET;
	else if (strcmp(method, "POST") == 0)
		req->method_bit = HTTP_POST;
	req->route = http_route_match(srv->routes, url, req->method_bit,
	    &known, &allow);
	if (req->route == NULL && !known) {
		http_resp_error(&resp, 404, "not_found", "no such path");
		return send_resp(srv, req, &resp, "unmatched");
	}
	if (req->route == NULL) {
		http_resp_error(&resp, 405, "method_not_allowed",
		    "method not allowed for this path");
		resp.allow = allow;
		return send_resp(srv, req, &resp, "unmatched");
	}
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && (parse_int64(cl, 0, INT64_MAX, &len) != FP_OK ||
	    len > srv->gw->cfg->http.max_body_bytes)) {
		req->too_big = true;
		http_resp_error(&resp, 413, "body_too_large",
		    "request body exceeds http.max_body");
		return send_resp(srv, req, &resp, req->route->label);
	}
	return MHD_YES;
}
FP_ANALYZER_LEAK_ON

static void
take_body(struct http_server *srv, struct http_req *req, const char *data,
    size_t len)
{
	size_t max = (size_t)srv->gw->cfg->http.max_body_bytes;
	char *nb;

	if (req->too_big)
		return;
	if (req->body_len + len > max) {
		/* Chunked body past the limit: drop it, answer 413 later. */
		req->too_big = true;
		free(req->body);
		req->body = NULL;
		req->body_len = req->body_cap = 0;
		return;
	}
	if (req->body_len + len + 1 > req->body_cap) {
		/* From 256 bytes: a webhook's form fits, and glibc keeps
		 * blocks that small in a per-thread cache (4 KiB went through
		 * the arena and its consolidation, every request). */
		size_t cap = req->body_cap == 0 ? 256 : req->body_cap;

		while (cap < req->body_len + len + 1)
			cap *= 2;
		if (cap > max + 1)
			cap = max + 1;
		nb = realloc(req->body, cap);
		if (nb == NULL) {
			req->too_big = true;
			return;
		}
		req->body = nb;
		req->body_cap = cap;
	}
	memcpy(req->body + req->body_len, data, len);
	req->body_len += len;
	req->body[req->body_len] = '\0';
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_req *req = *con_cls;
	struct http_resp resp = { 0 };

	(void)version;
	if (req == NULL || !req->is_begun)
		return begin(srv, conn, url, method, con_cls);
	if (*upload_data_size > 0) {
		take_body(srv, req, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (req->is_deferred) {
		/* Called again after http_req_resume. */
		if (!req->is_done)
			return MHD_YES;
		if (req->finish != NULL)
			req->finish(srv->gw, req, req->resp, req->finish_arg,
			    req->result);
		req->finish = NULL;
		return send_resp(srv, req, req->resp, req->route->label);
	}
	if (req->too_big) {
		http_resp_error(&resp, 413, "body_too_large",
		    "request body exceeds http.max_body");
		return send_resp(srv, req, &resp, req->route->label);
	}
	if (req->body == NULL) {
		req->body = calloc(1, 1);
		if (req->body == NULL)
			return MHD_NO;
	}
	req->resp = calloc(1, sizeof(*req->resp));
	if (req->resp == NULL)
		return MHD_NO;
	/*
	 * Counted until answered, so that http_server_stop waits for it.
	 * Count first, then look at is_draining (the stop sets that first,
	 * then looks at the count): one of the two sees the other.
	 */
	atomic_fetch_add(&srv->n_running, 1);
	req->is_counted = true;
	if (atomic_load(&srv->is_draining)) {
		http_resp_error(req->resp, 503, "stopping",
		    "the gateway is stopping; retry");
		return send_resp(srv, req, req->resp, req->route->label);
	}
	req->resp->status = 200;
	req->resp->content_type = "application/json";
	if (req->route->is_inline) {
		req->route->handler(srv->gw, req, req->resp);
		if (req->is_deferred)
			return MHD_YES;	/* suspended; answered later */
		return send_resp(srv, req, req->resp, req->route->label);
	}
	/* A handler that may block: to the worker pool. */
	http_req_defer(req, NULL, NULL);
	pthread_mutex_lock(&srv->lock);
	if (srv->tail != NULL)
		srv->tail->next = req;
	else
		srv->head = req;
	srv->tail = req;
	pthread_cond_signal(&srv->has_work);
	pthread_mutex_unlock(&srv->lock);
	return MHD_YES;
}

void
http_req_defer(struct http_req *req, http_finish_fn *finish, void *arg)
{
	req->finish = finish;
	req->finish_arg = arg;
	req->is_done = false;
	req->is_deferred = true;
	MHD_suspend_connection(req->conn);
}

void
http_req_resume(void *arg, enum fp_err result)
{
	struct http_req *req = arg;

	req->result = result;
	req->is_done = true;
	/* Takes libmicrohttpd's lock: what we wrote is seen by the polling
	 * thread, which calls on_access again. */
	MHD_resume_connection(req->conn);
}

static void *
worker_main(void *arg)
{
	struct http_server *srv = arg;
	struct http_req *req;

	pthread_mutex_lock(&srv->lock);
	for (;;) {
		while (srv->head == NULL && !srv->stopping)
			pthread_cond_wait(&srv->has_work, &srv->lock);
		if (srv->head == NULL)
			break;
		req = srv->head;
		srv->head = req->next;
		if (srv->head == NULL)
			srv->tail = NULL;
		req->next = NULL;
		pthread_mutex_unlock(&srv->lock);
		req->route->handler(srv->gw, req, req->resp);
		http_req_resume(req, FP_OK);
		pthread_mutex_lock(&srv->lock);
	}
	pthread_mutex_unlock(&srv->lock);
	return NULL;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct http_req *req = *con_cls;

	(void)conn;
	(void)toe;
	if (req == NULL)
		return;
	if (req->finish != NULL && req->is_done)	/* never answered */
		req->finish(srv->gw, req, req->resp, req->finish_arg,
		    FP_EBUSY);
	if (req->is_counted)
		atomic_fetch_sub(&srv->n_running, 1);
	if (req->resp != NULL) {
		free(req->resp->body);
		resp_headers_free(req->resp);
	}
	free(req->resp);
	free(req->user);
	free(req->body);
	free(req->raw_query);
	free(req->replay_body);
	free(req);
	*con_cls = NULL;
}

static struct log_limit mhd_lines = LOG_LIMIT_INIT("http.server", LOG_PER_S);

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	/* One client can make thousands of these (refused connections):
	 * never more than the budget a second. */
	if (log_allow(&mhd_lines))
		log_warnx("http.server message=\"%s\"", msg);
}

/*
 * libmicrohttpd's first call for a request, with the URI as sent: the
 * request starts here so the raw query string (which the signature of
 * SPEC 3.1 covers byte for byte) is kept.  Returned as *con_cls.
 */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct http_req *req = calloc(1, sizeof(*req));
	const char *q = uri != NULL ? strchr(uri, '?') : NULL;
	const char *p;

	(void)cls;
	(void)conn;
	if (req == NULL)
		return NULL;
	for (p = uri; p != NULL && *p != '\0' && p != q; p++)
		if (p[0] == '%' && p[1] == '0' && p[2] == '0') {
			req->has_nul_path = true;
			break;
		}
	req->raw_query = strdup(q != NULL ? q + 1 : "");
	if (req->raw_query == NULL) {
		free(req);
		return NULL;
	}
	return req;
}

static int
parse_listen(const struct cfg *cfg, struct sockaddr_storage *ss,
    socklen_t *sl)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(cfg->http.listen_host, ':') != NULL) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)cfg->http.listen_port);
		*sl = sizeof(*in6);
		return inet_pton(AF_INET6, cfg->http.listen_host,
		    &in6->sin6_addr) == 1 ? 0 : -1;
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)(void *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)cfg->http.listen_port);
		*sl = sizeof(*in);
		return inet_pton(AF_INET, cfg->http.listen_host,
		    &in->sin_addr) == 1 ? 0 : -1;
	}
}

/*
 * Polling threads: half the CPUs, at least one.  The writer keeps a core
 * busy under load, and on two cores a second polling thread only took
 * turns with the first: one answered USSD and sendsms with 12-20 % less
 * CPU a request (A/B on the 2-core machine).
 */
static unsigned int
poll_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN) / 2;

	if (n < 1)
		return 1;
	return n > HTTP_POLL_THREADS_MAX ? HTTP_POLL_THREADS_MAX :
	    (unsigned int)n;
}

/* The worker pool; 0, or -1 when a thread cannot be started. */
static int
start_workers(struct http_server *srv)
{
	pthread_attr_t attr;
	int rc = 0;

	if (pthread_attr_init(&attr) != 0)
		return -1;
	pthread_attr_setstacksize(&attr, HTTP_STACK_BYTES);
	while (srv->n_workers < HTTP_WORKERS) {
		if (pthread_create(&srv->workers[srv->n_workers], &attr,
		    worker_main, srv) != 0) {
			rc = -1;
			break;
		}
		srv->n_workers++;
	}
	pthread_attr_destroy(&attr);
	return rc;
}

/* End the pool (its queue is empty once the daemon is stopped). */
static void
stop_workers(struct http_server *srv)
{
	int i;

	pthread_mutex_lock(&srv->lock);
	srv->stopping = true;
	pthread_cond_broadcast(&srv->has_work);
	pthread_mutex_unlock(&srv->lock);
	for (i = 0; i < srv->n_workers; i++)
		pthread_join(srv->workers[i], NULL);
	pthread_cond_destroy(&srv->has_work);
	pthread_mutex_destroy(&srv->lock);
}

enum fp_err
http_server_start(struct gw *gw, const struct http_route *routes,
    struct http_server **out)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *di;
	struct http_server *srv;
	unsigned int flags;
	socklen_t sl;

	if (parse_listen(gw->cfg, &ss, &sl) != 0) {
		log_error("http.listen addr=%s error=\"not an address\"",
		    gw->cfg->http.listen);
		return FP_EINVAL;
	}
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return FP_ENOMEM;
	srv->gw = gw;
	srv->routes = routes;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->has_work, NULL);
	atomic_init(&srv->n_running, 0);
	atomic_init(&srv->is_draining, false);
	if (start_workers(srv) != 0) {
		stop_workers(srv);
		free(srv);
		return FP_ENOMEM;
	}
	/*
	 * A few epoll threads that never block (the file's comment): the
	 * writer commits whatever is waiting at once, and a suspended
	 * request holds no thread, so every connection's request can share
	 * the next group commit.
	 */
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv->daemon = MHD_start_daemon(flags,
	    (uint16_t)gw->cfg->http.listen_port, NULL, NULL, on_access, srv,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, poll_threads(),
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)HTTP_STACK_BYTES,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)gw->cfg->http.max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)gw->cfg->http.max_connections_per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)gw->cfg->http.connection_timeout_s,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	    MHD_OPTION_END);
	(void)sl;
	if (srv->daemon == NULL) {
		log_error("http.listen addr=%s error=\"cannot listen (address "
		    "in use or not local?)\"", gw->cfg->http.listen);
		stop_workers(srv);
		free(srv);
		return FP_EIO;
	}
	di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di != NULL ? di->port : gw->cfg->http.listen_port;
	log_info("http.listen addr=%s port=%d", gw->cfg->http.listen,
	    srv->port);
	*out = srv;
	return FP_OK;
}

int
http_server_port(const struct http_server *srv)
{
	return srv->port;
}

void
http_server_stop(struct http_server *srv)
{
	MHD_socket lfd;
	int waited_ms = 0;

	if (srv == NULL)
		return;
	/*
	 * Stop accepting and start no more handlers (later requests get
	 * 503 and a closed connection); let those running get their commit
	 * and answer (libmicrohttpd must not stop with a suspended
	 * connection), then close the rest.
	 */
	lfd = MHD_quiesce_daemon(srv->daemon);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	atomic_store(&srv->is_draining, true);
	while (atomic_load(&srv->n_running) > 0 &&
	    waited_ms < HTTP_DRAIN_MS) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
		waited_ms++;
	}
	if (atomic_load(&srv->n_running) > 0)
		log_warnx("http.stop running=%d error=\"still waiting\"",
		    atomic_load(&srv->n_running));
	MHD_stop_daemon(srv->daemon);
	stop_workers(srv);
	free(srv);
}
