/*
 * idnum.h: Chinese resident identity numbers (GB 11643-1999).  Checks the
 * form, birth date and check digit, and turns a number into the two salted
 * hashes we store instead of it (SPEC section 6): one of the whole number,
 * one of its last 6 characters for the USSD challenge, where a final X is
 * typed as 0 on a phone keypad (SPEC 3.3) and so is hashed as 0.
 */
#ifndef FP_IDNUM_H
#define FP_IDNUM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sha256.h"

#define IDNUM_LEN	18
#define IDNUM_HASH_LEN	SHA256_LEN

/*
 * Check `in` and copy its canonical form (upper-case X) to out[19].
 * FP_EINVAL with a static *reason: wrong length, non-digits, impossible
 * birth date, or wrong check digit.
 */
enum fp_err idnum_validate(const char *in, char out[IDNUM_LEN + 1],
    const char **reason);

/*
 * The stored hashes of a canonical number: HMAC-SHA256 keyed with the
 * database's salt, of the whole number and of its last 6 characters
 * (X as 0).  `key` comes from hmac_sha256_key_init(salt).
 */
void idnum_hash(const struct hmac_sha256_key *key, const char *canonical,
    uint8_t full[IDNUM_HASH_LEN], uint8_t last6[IDNUM_HASH_LEN]);

/*
 * Hash what a caller typed as the last 6 characters ("12345X" or
 * "123450"), comparable with idnum_hash's `last6`.
 * FP_EINVAL when it is not 6 digits (a last X is allowed).
 */
enum fp_err idnum_hash_last6(const struct hmac_sha256_key *key,
    const char *typed, uint8_t out[IDNUM_HASH_LEN]);

#endif
