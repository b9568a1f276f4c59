/*
 * http_auth.h: who may call.  Bearer tokens of the admin API (SPEC 3.5):
 * the token's SHA-256 is compared with the configured hashes, so the
 * configuration never holds a usable secret.  The webhook route modes
 * (loopback, token, hmac) come with the inbound SMS endpoints.
 */
#ifndef FP_HTTP_AUTH_H
#define FP_HTTP_AUTH_H

#include "cfg.h"
#include "err.h"

struct gw;
struct http_req;

/*
 * Check "Authorization: Bearer <token>" against api.tokens; on success
 * *token (when not NULL) is the matching configured token (borrowed).
 * FP_ENOTFOUND: no or unknown token.
 */
enum fp_err http_auth_bearer(struct gw *gw, struct http_req *req,
    const struct cfg_token **token);

/*
 * SPEC 3.1: the auth mode configured for the webhook route `path`
 * (loopback when the route is not configured): the peer on loopback, or
 * query token= equal to the route's token, or header X-Fupin-Signature:
 * sha256=<hex> equal to HMAC-SHA256(secret, raw body).
 * FP_OK allowed; FP_EREJECT refused (the caller answers 401).
 */
enum fp_err http_auth_webhook(struct gw *gw, struct http_req *req,
    const char *path);

/* The configured token whose hash matches `secret`, or NULL. */
const struct cfg_token *http_auth_token_find(const struct cfg *cfg,
    const char *secret);

#endif
