/*
 * http_stub.c: the fake provider of the unit tests (see http_stub.h).
 * libmicrohttpd calls answer() once for the headers, once per body chunk
 * and once more at the end; the request is recorded at the end and
 * answered as configured.  A hanging answer suspends the connection;
 * stopping resumes it and answers 503 so the daemon can shut down.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http_stub.h"

#define STUB_MAX_KV	32
#define STUB_MAX_HANG	64

enum stub_mode {
	STUB_FIXED,
	STUB_IDS,
	STUB_HANG,
};

struct stub_req {
	char	*method;
	char	*path;
	char	*body;
	size_t	 n_args, n_headers;
	char	*arg_k[STUB_MAX_KV], *arg_v[STUB_MAX_KV];
	char	*hdr_k[STUB_MAX_KV], *hdr_v[STUB_MAX_KV];
	int64_t	 at_ns;
};

/* One connection's request in progress. */
struct stub_conn {
	char	*body;
	size_t	 len;
	bool	 is_suspended;
};

struct http_stub {
	struct MHD_Daemon *d;
	int	 port;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum stub_mode mode;
	int	 status;
	char	*body;
	char	 id_field[64];
	unsigned next_id;
	bool	 is_recording;
	bool	 is_stopping;
	size_t	 count;
	struct stub_req **reqs;
	size_t	 n_reqs, cap_reqs;
	struct MHD_Connection *hung[STUB_MAX_HANG];
	size_t	 n_hung;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static char *
dup_or_empty(const char *s)
{
	return strdup(s != NULL ? s : "");
}

static enum MHD_Result
on_value(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct stub_req *r = cls;

	if (kind == MHD_GET_ARGUMENT_KIND && r->n_args < STUB_MAX_KV) {
		r->arg_k[r->n_args] = dup_or_empty(key);
		r->arg_v[r->n_args] = dup_or_empty(value);
		r->n_args++;
	} else if (kind == MHD_HEADER_KIND && r->n_headers < STUB_MAX_KV) {
		r->hdr_k[r->n_headers] = dup_or_empty(key);
		r->hdr_v[r->n_headers] = dup_or_empty(value);
		r->n_headers++;
	}
	return MHD_YES;
}

static void
req_free(struct stub_req *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n_args; i++) {
		free(r->arg_k[i]);
		free(r->arg_v[i]);
	}
	for (i = 0; i < r->n_headers; i++) {
		free(r->hdr_k[i]);
		free(r->hdr_v[i]);
	}
	free(r->method);
	free(r->path);
	free(r->body);
	free(r);
}

/* Called with s->lock held. */
static void
record(struct http_stub *s, struct MHD_Connection *conn, const char *url,
    const char *method, const struct stub_conn *c)
{
	struct stub_req *r, **grown;

	s->count++;
	pthread_cond_broadcast(&s->cond);
	if (!s->is_recording)
		return;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return;
	r->at_ns = now_ns();
	r->method = dup_or_empty(method);
	r->path = dup_or_empty(url);
	r->body = dup_or_empty(c->body);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, on_value, r);
	MHD_get_connection_values(conn, MHD_HEADER_KIND, on_value, r);
	if (s->n_reqs == s->cap_reqs) {
		s->cap_reqs = s->cap_reqs == 0 ? 64 : s->cap_reqs * 2;
		grown = realloc(s->reqs, s->cap_reqs * sizeof(*grown));
		if (grown == NULL) {
			req_free(r);
			return;
		}
		s->reqs = grown;
	}
	s->reqs[s->n_reqs++] = r;
}

static enum MHD_Result
respond(struct MHD_Connection *conn, int status, const char *body,
    const char *type)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(body), (void *)
	    (uintptr_t)body, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type);
	ret = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct http_stub *s = cls;
	struct stub_conn *c = *con_cls;
	char buf[160];
	char *grown;
	enum stub_mode mode;
	int status;
	enum MHD_Result ret;

	(void)version;
	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			return MHD_NO;
		*con_cls = c;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		grown = realloc(c->body, c->len + *upload_size + 1);
		if (grown == NULL)
			return MHD_NO;
		c->body = grown;
		memcpy(c->body + c->len, upload, *upload_size);
		c->len += *upload_size;
		c->body[c->len] = '\0';
		*upload_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&s->lock);
	if (c->is_suspended) {
		/* Resumed by http_stub_stop or a new mode. */
		c->is_suspended = false;
		pthread_mutex_unlock(&s->lock);
		return respond(conn, 503, "stub stopping", "text/plain");
	}
	record(s, conn, url, method, c);
	mode = s->is_stopping ? STUB_FIXED : s->mode;
	if (mode == STUB_HANG && s->n_hung < STUB_MAX_HANG) {
		c->is_suspended = true;
		s->hung[s->n_hung++] = conn;
		MHD_suspend_connection(conn);
		pthread_mutex_unlock(&s->lock);
		return MHD_YES;
	}
	if (mode == STUB_IDS) {
		snprintf(buf, sizeof(buf), "{\"%s\":\"p%u\",\"status\":\"ok\"}",
		    s->id_field, ++s->next_id);
		pthread_mutex_unlock(&s->lock);
		return respond(conn, 200, buf, "application/json");
	}
	status = s->status;
	snprintf(buf, sizeof(buf), "%s", s->body != NULL ? s->body : "");
	pthread_mutex_unlock(&s->lock);
	ret = respond(conn, status, buf, "text/plain");
	return ret;
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct stub_conn *c = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (c != NULL) {
		free(c->body);
		free(c);
		*con_cls = NULL;
	}
}

struct http_stub *
http_stub_start(void)
{
	struct http_stub *s = calloc(1, sizeof(*s));
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sa;

	if (s == NULL)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->is_recording = true;
	s->mode = STUB_FIXED;
	s->status = 202;
	s->body = strdup("0: Accepted for delivery");
	snprintf(s->id_field, sizeof(s->id_field), "id");
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	s->d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    answer, s, MHD_OPTION_SOCK_ADDR, &sa,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, s,
	    MHD_OPTION_THREAD_POOL_SIZE, 2u,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (s->d == NULL) {
		http_stub_stop(s);
		return NULL;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info != NULL ? info->port : -1;
	return s;
}

/* Resume every hanging connection: each is answered 503.  Lock held. */
static void
release_hung(struct http_stub *s)
{
	size_t i;

	for (i = 0; i < s->n_hung; i++)
		MHD_resume_connection(s->hung[i]);
	s->n_hung = 0;
}

void
http_stub_stop(struct http_stub *s)
{
	size_t i;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->is_stopping = true;
	release_hung(s);
	pthread_mutex_unlock(&s->lock);
	if (s->d != NULL) {
		/* Let the resumed connections be answered first. */
		struct timespec ts = { 0, 50 * 1000000L };

		nanosleep(&ts, NULL);
		MHD_stop_daemon(s->d);
	}
	for (i = 0; i < s->n_reqs; i++)
		req_free(s->reqs[i]);
	free(s->reqs);
	free(s->body);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int
http_stub_port(const struct http_stub *s)
{
	return s->port;
}

void
http_stub_reply(struct http_stub *s, int status, const char *body)
{
	pthread_mutex_lock(&s->lock);
	release_hung(s);
	s->mode = STUB_FIXED;
	s->status = status;
	free(s->body);
	s->body = strdup(body);
	pthread_mutex_unlock(&s->lock);
}

void
http_stub_reply_ids(struct http_stub *s, const char *field)
{
	pthread_mutex_lock(&s->lock);
	release_hung(s);
	s->mode = STUB_IDS;
	snprintf(s->id_field, sizeof(s->id_field), "%s", field);
	pthread_mutex_unlock(&s->lock);
}

void
http_stub_hang(struct http_stub *s)
{
	pthread_mutex_lock(&s->lock);
	s->mode = STUB_HANG;
	pthread_mutex_unlock(&s->lock);
}

void
http_stub_record(struct http_stub *s, bool on)
{
	pthread_mutex_lock(&s->lock);
	s->is_recording = on;
	pthread_mutex_unlock(&s->lock);
}

size_t
http_stub_count(struct http_stub *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->count;
	pthread_mutex_unlock(&s->lock);
	return n;
}

bool
http_stub_wait(struct http_stub *s, size_t n, int timeout_ms)
{
	struct timespec ts;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->lock);
	while (s->count < n)
		if (pthread_cond_timedwait(&s->cond, &s->lock, &ts) != 0)
			break;
	ok = s->count >= n;
	pthread_mutex_unlock(&s->lock);
	return ok;
}

static struct stub_req *
get(struct http_stub *s, size_t i)
{
	struct stub_req *r;

	pthread_mutex_lock(&s->lock);
	r = i < s->n_reqs ? s->reqs[i] : NULL;
	pthread_mutex_unlock(&s->lock);
	return r;
}

const char *
http_stub_method(struct http_stub *s, size_t i)
{
	struct stub_req *r = get(s, i);

	return r != NULL ? r->method : NULL;
}

const char *
http_stub_path(struct http_stub *s, size_t i)
{
	struct stub_req *r = get(s, i);

	return r != NULL ? r->path : NULL;
}

const char *
http_stub_body(struct http_stub *s, size_t i)
{
	struct stub_req *r = get(s, i);

	return r != NULL ? r->body : NULL;
}

const char *
http_stub_arg(struct http_stub *s, size_t i, const char *key)
{
	struct stub_req *r = get(s, i);
	size_t k;

	for (k = 0; r != NULL && k < r->n_args; k++)
		if (strcmp(r->arg_k[k], key) == 0)
			return r->arg_v[k];
	return NULL;
}

const char *
http_stub_header(struct http_stub *s, size_t i, const char *name)
{
	struct stub_req *r = get(s, i);
	size_t k;

	for (k = 0; r != NULL && k < r->n_headers; k++)
		if (strcasecmp(r->hdr_k[k], name) == 0)
			return r->hdr_v[k];
	return NULL;
}

int64_t
http_stub_time_ns(struct http_stub *s, size_t i)
{
	struct stub_req *r = get(s, i);

	return r != NULL ? r->at_ns : -1;
}
