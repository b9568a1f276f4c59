/*
 * http_auth.c: bearer tokens (see http_auth.h).
 */
#include <string.h>

#include "gateway.h"
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
