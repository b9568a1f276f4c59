/*
 * sha256.h: SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104).  Our own,
 * small and allocation-free, because the registry import hashes two ID
 * numbers per member and a keyed context with the pads precomputed makes
 * each hash two compressions instead of four plus a library lookup.
 */
#ifndef FP_SHA256_H
#define FP_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	uint8_t	 buf[64];
	size_t	 n;		/* bytes waiting in buf */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);

/* One-shot SHA-256 of data[0..len). */
void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);

/* An HMAC key with its inner and outer states precomputed. */
struct hmac_sha256_key {
	struct sha256 inner;
	struct sha256 outer;
};

void hmac_sha256_key_init(struct hmac_sha256_key *k, const void *key,
    size_t key_len);
void hmac_sha256(const struct hmac_sha256_key *k, const void *data,
    size_t len, uint8_t out[SHA256_LEN]);

/* a[0..n) == b[0..n), in a time independent of where they differ. */
bool sha256_equal(const void *a, const void *b, size_t n);

/* Lower-case hex of bin[0..len) into out (2*len+1 bytes): hex_encode. */
void sha256_hex(const uint8_t *bin, size_t len, char *out);

#endif
