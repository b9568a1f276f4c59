/*
 * http_auth.h: who may call.  Bearer tokens of the admin API (SPEC 3.5):
 * the token's SHA-256 is compared with the configured hashes, so the
 * configuration never holds a usable secret.  The console's session
 * cookie (SPEC 10) as the other way in to the admin API, with its CSRF
 * header.  The webhook route modes (loopback, token, hmac) come with the
 * inbound SMS endpoints.
 */
#ifndef FP_HTTP_AUTH_H
#define FP_HTTP_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "console_session.h"
#include "err.h"

#define HTTP_SESSION_COOKIE	"fupin_session"
#define HTTP_CSRF_HEADER	"X-CSRF-Token"

/*
 * A console session's user as the admin API sees a caller: a token with
 * the user's role and area, named "user:<name>" (the actor of audit rows
 * and the `token=` of log lines, never mistaken for a configured token's
 * name).  Owned by the request (req->user).
 */
struct http_user {
	struct cfg_token	 token;		/* name, area point below */
	char			 actor[CONSOLE_NAME_MAX + 8];
	struct console_session	 session;	/* user, csrf, token_hash */
};

struct gw;
struct http_req;
struct http_resp;

/*
 * Check "Authorization: Bearer <token>" against api.tokens; on success
 * *token (when not NULL) is the matching configured token (borrowed).
 * FP_ENOTFOUND: no or unknown token.
 */
enum fp_err http_auth_bearer(struct gw *gw, struct http_req *req,
    const struct cfg_token **token);

/*
 * SPEC 3.1: the auth mode configured for the webhook route `path`
 * (loopback when the route is not configured): the peer on loopback (and
 * not http.behind_proxy), or query token= equal to the route's token, or
 * a signed request (http_sign.h) within its window.
 * FP_OK allowed; FP_EREJECT refused (the caller answers 401); FP_EDUP: a
 * signature accepted before, whose first answer is in req->replay_*.
 */
enum fp_err http_auth_webhook(struct gw *gw, struct http_req *req,
    const char *path);

/*
 * http_auth_webhook for a handler: true to go on; false with the answer
 * set (401, or a replayed request's first answer).
 */
bool http_auth_webhook_pass(struct gw *gw, struct http_req *req,
    const char *path, struct http_resp *resp);

/*
 * The caller of an admin API request (SPEC 3.5, 10): the bearer token
 * when an Authorization header is given, else the console session of
 * the fupin_session cookie (console.enabled), alive at `now`; a request
 * refreshes its session's last_seen (at most once a minute, handed to
 * the writer without waiting).  *who is the token, or the session's
 * user as one (borrowed from the request).
 * FP_ENOTFOUND: neither (the caller answers 401).
 * FP_EREJECT: a session, but the request is not a GET or HEAD and its
 * X-CSRF-Token header is not the session's CSRF token (403; nothing is
 * done).
 */
enum fp_err http_auth_caller(struct gw *gw, struct http_req *req,
    int64_t now, const struct cfg_token **who);

/*
 * The console session of the request's cookie, alive at `now`, without
 * any CSRF check (GET /api/v1/session, logout): *user borrowed from the
 * request.  FP_ENOTFOUND: none, or the console is disabled.
 */
enum fp_err http_auth_session(struct gw *gw, struct http_req *req,
    int64_t now, const struct http_user **user);

/* The configured token whose hash matches `secret`, or NULL. */
const struct cfg_token *http_auth_token_find(const struct cfg *cfg,
    const char *secret);

#endif
