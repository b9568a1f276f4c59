/*
 * http_server.h: the gateway's HTTP side on libmicrohttpd.  Requests are
 * matched against the route table it is given (http_routes.c): unknown paths get
 * 404, known paths with another method 405 (with Allow), bodies over
 * http.max_body 413 (SPEC section 3), all before any handler runs.  A
 * handler fills a struct http_resp; errors become
 * {"error":"<code>","message":"<text>"}, an enum fp_err's status and
 * code from one table (http_error.h).
 */
#ifndef FP_HTTP_SERVER_H
#define FP_HTTP_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "err.h"

struct gw;
struct MHD_Connection;
struct http_resp;
struct http_req;
struct http_user;

/*
 * Fills the answer of a deferred request (http_req_defer) on a server
 * thread once the work is done; `result` is what http_req_resume got.
 * Owns `arg` (frees it).
 */
typedef void http_finish_fn(struct gw *, struct http_req *,
    struct http_resp *, void *arg, enum fp_err result);

#define HTTP_GET	0x01
#define HTTP_POST	0x02

/* One request; owned by the server, valid during the handler call. */
struct http_req {
	struct MHD_Connection	*conn;
	const char		*method;	/* "GET", "POST", ... */
	const char		*path;		/* without the query */
	char			*raw_query;	/* the query as sent, "" if none */
	int			 method_bit;	/* HTTP_GET / HTTP_POST / 0 */
	bool			 is_loopback;	/* peer is 127/8 or ::1, and
					 * http.behind_proxy is false */
	char			*body;		/* NUL-terminated, owned */
	size_t			 body_len;
	size_t			 body_cap;
	bool			 too_big;
	bool			 has_nul_path;	/* %00 in the path as sent */
	const struct http_route	*route;
	/* A console session's user, once http_auth_caller found one
	 * (http_auth.h); owned, freed with the request. */
	struct http_user	*user;
	/* A signed request (http_auth.c): its signature, and when it was
	 * seen before the first answer (replay_body owned). */
	bool			 is_signed;
	uint8_t			 sig[32];
	int			 replay_status;
	const char		*replay_type;
	char			*replay_body;
	size_t			 replay_len;
	/* Server-private from here. */
	struct http_server	*srv;
	struct http_req		*next;		/* worker queue */
	bool			 is_begun;	/* routed (begin ran) */
	bool			 is_counted;	/* in http_server's n_running */
	bool			 is_deferred;	/* suspended, answer later */
	bool			 is_done;	/* the deferred work ended */
	enum fp_err		 result;	/* its result */
	http_finish_fn		*finish;
	void			*finish_arg;
	struct http_resp	*resp;		/* the answer being built */
};

#define HTTP_RESP_HEADERS	12	/* more headers than these are dropped */

/* What a handler answers.  body is owned by the response (free()d). */
struct http_resp {
	int		 status;
	const char	*content_type;	/* static string */
	char		*body;
	size_t		 body_len;
	const char	*allow;		/* static "GET, POST" for 405 */
	const char	*www_authenticate;	/* static, for 401 */
	/* More headers (http_resp_header): static names, owned values. */
	struct {
		const char	*name;
		char		*value;
	}		 headers[HTTP_RESP_HEADERS];
	int		 n_headers;
};

typedef void http_handler_fn(struct gw *, struct http_req *,
    struct http_resp *);

struct http_route {
	const char	*path;		/* exact path, or prefix if is_prefix */
	bool		 is_prefix;
	int		 methods;	/* HTTP_GET | HTTP_POST */
	const char	*label;		/* for metrics: the route as written */
	http_handler_fn	*handler;
	/*
	 * true: the handler runs on the server's polling thread, so it must
	 * never block; it either answers at once or defers
	 * (http_req_defer).  false: it runs on a worker thread and may
	 * block (writer_run, database reads).
	 */
	bool		 is_inline;
};

/*
 * Find the route for `path` in `routes` (ended by a NULL path);
 * *path_known is true when some route has
 * this path whatever the method.  NULL when none matches the method.
 */
const struct http_route *http_route_match(const struct http_route *routes,
    const char *path, int method_bit, bool *path_known, const char **allow);

struct http_server;

/*
 * Listen on cfg->http.listen with a pool of worker threads, answering
 * the paths of `routes` (borrowed; the server never names a handler).
 * FP_EIO: the address cannot be bound (logged here).
 */
enum fp_err http_server_start(struct gw *gw, const struct http_route *routes,
    struct http_server **out);

/* The port actually bound (for tests that listen on port 0). */
int http_server_port(const struct http_server *srv);

/* Stop accepting, let in-flight requests finish, free the server. */
void http_server_stop(struct http_server *srv);

/*
 * For an is_inline route's handler: answer later.  The connection is
 * suspended; the handler then hands its work on (e.g. writer_submit with
 * http_req_resume as the done callback) and returns without an answer.
 * When the work ends, finish(gw, req, resp, arg, result) runs on a
 * server thread and sets the answer.
 */
void http_req_defer(struct http_req *req, http_finish_fn *finish,
    void *arg);

/* The deferred work of `req` (a struct http_req *) ended: any thread,
 * once.  A writer_done_fn. */
void http_req_resume(void *req, enum fp_err result);

/* Set a JSON or text answer; `body` is copied. */
void http_resp_set(struct http_resp *resp, int status,
    const char *content_type, const char *body, size_t len);

/*
 * One more header of the answer (Location, Set-Cookie, ETag, ...):
 * `name` must be a static string, `value` is copied.  Kept when the body
 * is set again.  At most HTTP_RESP_HEADERS; more are dropped.
 */
void http_resp_header(struct http_resp *resp, const char *name,
    const char *value);

/* {"error":code,"message":message} with `status`. */
void http_resp_error(struct http_resp *resp, int status, const char *code,
    const char *message);

/* A query or form argument; borrowed, NULL if absent. */
const char *http_req_arg(struct http_req *req, const char *name);

/* A request header; borrowed, NULL if absent. */
const char *http_req_header(struct http_req *req, const char *name);

/* A request cookie; borrowed, NULL if absent. */
const char *http_req_cookie(struct http_req *req, const char *name);

/*
 * The client's address as text into out: the peer's; behind a proxy
 * (http.behind_proxy) the last address of X-Forwarded-For, the one the
 * proxy itself added (the proxy's own when there is none).  "unknown"
 * when neither can be had.
 */
void http_req_client(struct http_req *req, char *out, size_t size);

#endif
