/*
 * http_auth.c: bearer tokens and the webhook route modes (see
 * http_auth.h).
 */
#include <stdbool.h>
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
