/*
 * fuzz_sign.c: libFuzzer harness for the signed webhook request
 * (http_sign.h).  The input is split on NUL bytes into timestamp,
 * signature, method, path, query and body.  Besides crashes it checks
 * the contract: only a request whose parts were signed with the secret
 * at a timestamp inside the window is accepted, a request signed by
 * http_sign_compute for exactly those parts is accepted, and flipping
 * any one byte of the signed text refuses it.  Built by `make fuzz`
 * (clang) and replayed under gcc by `make test`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "http_sign.h"

#define NOW	1790000000
#define SECRET	"fuzz-secret-0123456789"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next NUL-terminated piece of the input, copied. */
static char *
piece(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nul = memchr(*p, 0, (size_t)(end - *p));
	size_t n = nul != NULL ? (size_t)(nul - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, *p, n);
	s[n] = '\0';
	*p = nul != NULL ? nul + 1 : end;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct http_signed r;
	uint8_t sig[SHA256_LEN], good[SHA256_LEN];
	char *ts, *sg, *method, *path, *query, *body, hdr[80];
	enum http_sign_result res;

	ts = piece(&p, end);
	sg = piece(&p, end);
	method = piece(&p, end);
	path = piece(&p, end);
	query = piece(&p, end);
	body = piece(&p, end);
	r = (struct http_signed){ ts, sg, method, path, query, body,
	    strlen(body) };
	res = http_sign_check(SECRET, &r, NOW, sig);
	if (res == HTTP_SIGN_OK) {
		/* Accepted: it must be the signature of exactly these parts
		 * (the fuzzer found a MAC, or the input was built below). */
		long long t = atoll(ts);

		http_sign_compute(SECRET, t, method, path, query, body,
		    strlen(body), good);
		if (memcmp(good, sig, SHA256_LEN) != 0 ||
		    t < NOW - HTTP_SIGN_WINDOW_S || t > NOW + HTTP_SIGN_WINDOW_S)
			abort();
	}
	/* Sign these very parts: accepted; one byte of the path changed:
	 * refused. */
	http_sign_compute(SECRET, NOW, method, path, query, body,
	    strlen(body), good);
	memcpy(hdr, "sha256=", 7);
	hex_encode(good, SHA256_LEN, hdr + 7);
	r.timestamp = "1790000000";
	r.signature = hdr;
	if (http_sign_check(SECRET, &r, NOW, sig) != HTTP_SIGN_OK)
		abort();
	if (*path != '\0') {
		path[0] ^= 1;
		if (http_sign_check(SECRET, &r, NOW, sig) == HTTP_SIGN_OK)
			abort();
	}
	free(ts);
	free(sg);
	free(method);
	free(path);
	free(query);
	free(body);
	return 0;
}
