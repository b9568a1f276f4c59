/*
 * http_auth.c: bearer tokens (see http_auth.h).
 */
#include <stdbool.h>
#include <string.h>

#include "gateway.h"
#include "hex.h"
#include "http_auth.h"
#include "http_server.h"
#include "sha256.h"

/* Compare in time independent of where the bytes differ. */
static int
equal_const_time(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

const struct cfg_token *
http_auth_token_find(const struct cfg *cfg, const char *secret)
{
	uint8_t h[SHA256_LEN];
	size_t i;

	if (secret == NULL || *secret == '\0')
		return NULL;
	sha256(secret, strlen(secret), h);
	for (i = 0; i < cfg->api.n_tokens; i++)
		if (equal_const_time(h, cfg->api.tokens[i].sha256, SHA256_LEN))
			return &cfg->api.tokens[i];
	return NULL;
}

/* "sha256=<64 hex>" → 32 bytes; false if malformed. */
static bool
parse_signature(const char *h, uint8_t out[SHA256_LEN])
{
	if (h == NULL || strncmp(h, "sha256=", 7) != 0)
		return false;
	return hex_decode(h + 7, out, SHA256_LEN) == FP_OK;
}

enum fp_err
http_auth_webhook(struct gw *gw, struct http_req *req, const char *path)
{
	const struct cfg_route *route = cfg_route_find(gw->cfg, path);
	struct hmac_sha256_key key;
	uint8_t want[SHA256_LEN], got[SHA256_LEN];
	const char *token;
	size_t n;

	if (route == NULL || route->auth == CFG_AUTH_LOOPBACK)
		return req->is_loopback ? FP_OK : FP_EREJECT;
	if (route->auth == CFG_AUTH_TOKEN) {
		token = http_req_arg(req, "token");
		n = strlen(route->token);
		if (token == NULL || strlen(token) != n)
			return FP_EREJECT;
		return equal_const_time((const uint8_t *)token,
		    (const uint8_t *)route->token, n) ? FP_OK : FP_EREJECT;
	}
	if (!parse_signature(http_req_header(req, "X-Fupin-Signature"), got))
		return FP_EREJECT;
	hmac_sha256_key_init(&key, route->secret, strlen(route->secret));
	hmac_sha256(&key, req->body, req->body_len, want);
	return equal_const_time(want, got, SHA256_LEN) ? FP_OK : FP_EREJECT;
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
