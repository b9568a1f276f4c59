/*
 * http_sign.h: the signed webhook request of SPEC 3.1, as a pure
 * function of the request's parts (no server, no clock of its own):
 *
 *   X-Fupin-Timestamp: <unix seconds>
 *   X-Fupin-Signature: sha256=<hex of HMAC-SHA256(secret,
 *       TS "\n" METHOD "\n" PATH "\n" QUERY "\n" BODY)>
 *
 * PATH is the path without the query, QUERY the raw query string as sent
 * ("" when none), BODY the raw body.  So the signature binds every byte
 * the gateway reads parameters from, and a stale timestamp (more than
 * HTTP_SIGN_WINDOW_S from `now`) is refused.
 */
#ifndef FP_HTTP_SIGN_H
#define FP_HTTP_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define HTTP_SIGN_WINDOW_S	300
#define HTTP_SIGN_TS_MAX	12	/* digits of a timestamp */

/* A request's parts as sent; NULL headers when absent. */
struct http_signed {
	const char	*timestamp;	/* X-Fupin-Timestamp */
	const char	*signature;	/* X-Fupin-Signature */
	const char	*method;
	const char	*path;
	const char	*query;		/* raw, "" when none */
	const char	*body;		/* may be NULL with body_len 0 */
	size_t		 body_len;
};

enum http_sign_result {
	HTTP_SIGN_OK,
	HTTP_SIGN_MISSING,	/* a header is absent */
	HTTP_SIGN_MALFORMED,	/* not digits / not sha256=<64 hex> */
	HTTP_SIGN_STALE,	/* timestamp outside the window */
	HTTP_SIGN_BAD,		/* the HMAC does not match */
};

/*
 * Check `r` against `secret` at `now`; the signature's 32 bytes go to
 * sig (for replay detection) whenever it could be parsed.
 */
enum http_sign_result http_sign_check(const char *secret,
    const struct http_signed *r, int64_t now, uint8_t sig[SHA256_LEN]);

/* The signature a client sends for these parts at timestamp `ts`. */
void http_sign_compute(const char *secret, int64_t ts, const char *method,
    const char *path, const char *query, const void *body, size_t body_len,
    uint8_t out[SHA256_LEN]);

/* "missing", "malformed", "stale", "bad", "ok": for logs. */
const char *http_sign_result_name(enum http_sign_result r);

#endif
