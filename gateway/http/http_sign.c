/*
 * http_sign.c: the signed webhook request (see http_sign.h).
 */
#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "http_sign.h"

/* Unix seconds: 1 to HTTP_SIGN_TS_MAX digits, nothing else. */
static int
parse_ts(const char *s, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= HTTP_SIGN_TS_MAX)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0)
		return -1;
	*out = v;
	return 0;
}

/* The HMAC over the parts, fed piece by piece (no copy of the body). */
static void
mac(const char *secret, const char *ts, const char *method,
    const char *path, const char *query, const void *body, size_t body_len,
    uint8_t out[SHA256_LEN])
{
	struct hmac_sha256_key key;
	struct sha256 ctx;
	uint8_t inner[SHA256_LEN];

	hmac_sha256_key_init(&key, secret, strlen(secret));
	ctx = key.inner;
	sha256_update(&ctx, ts, strlen(ts));
	sha256_update(&ctx, "\n", 1);
	sha256_update(&ctx, method, strlen(method));
	sha256_update(&ctx, "\n", 1);
	sha256_update(&ctx, path, strlen(path));
	sha256_update(&ctx, "\n", 1);
	sha256_update(&ctx, query, strlen(query));
	sha256_update(&ctx, "\n", 1);
	if (body_len > 0)
		sha256_update(&ctx, body, body_len);
	sha256_final(&ctx, inner);
	ctx = key.outer;
	sha256_update(&ctx, inner, sizeof(inner));
	sha256_final(&ctx, out);
}

enum http_sign_result
http_sign_check(const char *secret, const struct http_signed *r, int64_t now,
    uint8_t sig[SHA256_LEN])
{
	uint8_t want[SHA256_LEN];
	int64_t ts;

	if (r->timestamp == NULL || r->signature == NULL)
		return HTTP_SIGN_MISSING;
	if (parse_ts(r->timestamp, &ts) != 0 ||
	    strncmp(r->signature, "sha256=", 7) != 0 ||
	    hex_decode(r->signature + 7, sig, SHA256_LEN) != FP_OK)
		return HTTP_SIGN_MALFORMED;
	if (ts > now + HTTP_SIGN_WINDOW_S || ts < now - HTTP_SIGN_WINDOW_S)
		return HTTP_SIGN_STALE;
	mac(secret, r->timestamp, r->method, r->path, r->query != NULL ?
	    r->query : "", r->body, r->body_len, want);
	return sha256_equal(want, sig, SHA256_LEN) ? HTTP_SIGN_OK :
	    HTTP_SIGN_BAD;
}

void
http_sign_compute(const char *secret, int64_t ts, const char *method,
    const char *path, const char *query, const void *body, size_t body_len,
    uint8_t out[SHA256_LEN])
{
	char t[24];

	snprintf(t, sizeof(t), "%lld", (long long)ts);
	mac(secret, t, method, path, query != NULL ? query : "", body,
	    body_len, out);
}

const char *
http_sign_result_name(enum http_sign_result r)
{
	switch (r) {
	case HTTP_SIGN_OK:		return "ok";
	case HTTP_SIGN_MISSING:		return "missing";
	case HTTP_SIGN_MALFORMED:	return "malformed";
	case HTTP_SIGN_STALE:		return "stale";
	case HTTP_SIGN_BAD:		return "bad";
	}
	return "bad";
}
