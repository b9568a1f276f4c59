/*
 * http_auth.h: who may call.  Bearer tokens of the admin API (SPEC 3.5):
 * the token's SHA-256 is compared with the configured hashes, so the
 * configuration never holds a usable secret.  The webhook route modes
 * (loopback, token, hmac) come with the inbound SMS endpoints.
 */
#ifndef FP_HTTP_AUTH_H
#define FP_HTTP_AUTH_H

#include <stdbool.h>

#include "cfg.h"
#include "err.h"

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

/* The configured token whose hash matches `secret`, or NULL. */
const struct cfg_token *http_auth_token_find(const struct cfg *cfg,
    const char *secret);

#endif
