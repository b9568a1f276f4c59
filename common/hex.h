/*
 * hex.h: bytes as hexadecimal text and back, in one place (hashes,
 * signatures, event ids, token digests).
 */
#ifndef FP_HEX_H
#define FP_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Lower-case hex of bin[0..n) into out: 2 * n digits and a NUL. */
void hex_encode(const uint8_t *bin, size_t n, char *out);

/*
 * Decode exactly 2 * n hexadecimal digits (either case) of `hex`, then
 * its end, into out[0..n).  FP_EINVAL: NULL, another length or a
 * character that is not a hex digit; out may have been written.
 */
enum fp_err hex_decode(const char *hex, uint8_t *out, size_t n);

/* The value of one hexadecimal digit (either case), or -1. */
int hex_digit(char c);

#endif
