/*
 * http_auth.c: bearer tokens and the webhook route modes (see
 * http_auth.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway.h"
#include "hex.h"
#include "http_auth.h"
#include "http_replay.h"
#include "http_server.h"
#include "http_sign.h"
#include "log.h"
#include "sha256.h"
#include "writer.h"

const struct cfg_token *
http_auth_token_find(const struct cfg *cfg, const char *secret)
{
	uint8_t h[SHA256_LEN];
	size_t i;

	if (secret == NULL || *secret == '\0')
		return NULL;
	sha256(secret, strlen(secret), h);
	for (i = 0; i < cfg->api.n_tokens; i++)
		if (sha256_equal(h, cfg->api.tokens[i].sha256, SHA256_LEN))
			return &cfg->api.tokens[i];
	return NULL;
}

static struct log_limit refusals = LOG_LIMIT_INIT("http.auth", LOG_PER_S);

/* The token mode: equal in constant time, whatever the lengths (both
 * sides hashed first, so no length leaks either). */
static bool
token_matches(const char *given, const char *want)
{
	uint8_t a[SHA256_LEN], b[SHA256_LEN];

	if (given == NULL)
		return false;
	sha256(given, strlen(given), a);
	sha256(want, strlen(want), b);
	return sha256_equal(a, b, SHA256_LEN);
}

enum fp_err
http_auth_webhook(struct gw *gw, struct http_req *req, const char *path)
{
	const struct cfg_route *route = cfg_route_find(gw->cfg, path);
	struct http_signed sr;
	enum http_sign_result res;
	int64_t now = (int64_t)time(NULL);

	if (route == NULL || route->auth == CFG_AUTH_LOOPBACK)
		return req->is_loopback ? FP_OK : FP_EREJECT;
	if (route->auth == CFG_AUTH_TOKEN)
		return token_matches(http_req_arg(req, "token"),
		    route->token) ? FP_OK : FP_EREJECT;
	sr.timestamp = http_req_header(req, "X-Fupin-Timestamp");
	sr.signature = http_req_header(req, "X-Fupin-Signature");
	sr.method = req->method;
	sr.path = req->path;
	sr.query = req->raw_query;
	sr.body = req->body;
	sr.body_len = req->body_len;
	res = http_sign_check(route->secret, &sr, now, req->sig);
	if (res != HTTP_SIGN_OK) {
		if (log_allow(&refusals))
			log_warnx("http.auth route=%s signature=%s", path,
			    http_sign_result_name(res));
		return FP_EREJECT;
	}
	if (gw->replay == NULL)
		return FP_OK;
	/* Seen before: the first answer, and nothing else happens. */
	if (!http_replay_claim(gw->replay, req->sig, now,
	    now + 2 * HTTP_SIGN_WINDOW_S, &req->replay_status,
	    &req->replay_type, &req->replay_body, &req->replay_len))
		return FP_EDUP;
	req->is_signed = true;
	return FP_OK;
}

bool
http_auth_webhook_pass(struct gw *gw, struct http_req *req, const char *path,
    struct http_resp *resp)
{
	switch (http_auth_webhook(gw, req, path)) {
	case FP_OK:
		return true;
	case FP_EDUP:
		http_resp_set(resp, req->replay_status, req->replay_type,
		    req->replay_body != NULL ? req->replay_body : "",
		    req->replay_len);
		return false;
	default:
		http_resp_error(resp, 401, "unauthorized",
		    "this route's authentication failed");
		return false;
	}
}

enum fp_err
http_auth_bearer(struct gw *gw, struct http_req *req,
    const struct cfg_token **token)
{
	const char *h = http_req_header(req, "Authorization");
	const struct cfg_token *t;

	if (h == NULL || strncmp(h, "Bearer ", 7) != 0)
		return FP_ENOTFOUND;
	t = http_auth_token_find(gw->cfg, h + 7);
	if (t == NULL)
		return FP_ENOTFOUND;
	if (token != NULL)
		*token = t;
	return FP_OK;
}

/* A session's last_seen, written by the writer; nobody waits for it. */
struct touch_job {
	uint8_t	 token_hash[32];
	int64_t	 now;
};

static enum fp_err
touch_run(struct store *st, void *arg)
{
	struct touch_job *j = arg;

	return console_session_touch(st, j->token_hash, j->now);
}

static void
touch_done(void *arg, enum fp_err result)
{
	(void)result;	/* a lost refresh costs at most a minute of idle */
	free(arg);
}

enum fp_err
http_auth_session(struct gw *gw, struct http_req *req, int64_t now,
    const struct http_user **user)
{
	struct http_user *u = req->user;
	struct store *st = NULL;
	struct touch_job *j;
	const char *cookie;
	enum fp_err err;

	if (u != NULL) {
		*user = u;
		return FP_OK;
	}
	cookie = http_req_cookie(req, HTTP_SESSION_COOKIE);
	if (!gw->cfg->console.enabled || cookie == NULL)
		return FP_ENOTFOUND;
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return FP_ENOMEM;
	err = gw_store(gw, &st);
	if (err == FP_OK)
		err = console_session_find(st, cookie, now,
		    gw->cfg->console.session_idle_s, &u->session);
	if (err != FP_OK) {
		free(u);
		return err == FP_ENOTFOUND ? err : FP_EBUSY;
	}
	snprintf(u->actor, sizeof(u->actor), "user:%s", u->session.user.name);
	u->token.name = u->actor;
	u->token.role = u->session.user.role;
	u->token.area = u->session.user.area;
	req->user = u;
	if (console_session_is_stale(&u->session, now) && gw->writer != NULL) {
		j = malloc(sizeof(*j));
		if (j != NULL) {
			memcpy(j->token_hash, u->session.token_hash, 32);
			j->now = now;
			writer_submit(gw->writer, touch_run, j, touch_done, j);
		}
	}
	*user = u;
	return FP_OK;
}

enum fp_err
http_auth_caller(struct gw *gw, struct http_req *req, int64_t now,
    const struct cfg_token **who)
{
	const struct http_user *u = NULL;
	enum fp_err err;

	/* A bearer token when one is given, never the cookie beside it. */
	if (http_req_header(req, "Authorization") != NULL)
		return http_auth_bearer(gw, req, who);
	err = http_auth_session(gw, req, now, &u);
	if (err != FP_OK)
		return FP_ENOTFOUND;
	/* SPEC 10: the browser sends the cookie with any request a page of
	 * another site makes; only our pages can read the CSRF token. */
	if (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0 &&
	    !console_csrf_matches(&u->session, http_req_header(req,
	    HTTP_CSRF_HEADER)))
		return FP_EREJECT;
	*who = &u->token;
	return FP_OK;
}
