/*
 * parse.h: checked conversions of text to numbers.  The only place that
 * calls strtol and friends, so every number taken from outside input has
 * its range checked.
 */
#ifndef FP_PARSE_H
#define FP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Parse the whole of `s` (optional leading '-', decimal digits, nothing
 * else: no spaces, no '+') into *out.
 * FP_EINVAL: empty, not a number, trailing characters, or outside
 * [min, max]; *out is untouched.
 */
enum fp_err parse_int64(const char *s, int64_t min, int64_t max,
    int64_t *out);

/* The same for int. */
enum fp_err parse_int(const char *s, int min, int max, int *out);

/*
 * Parse an ISO 8601 calendar date "YYYY-MM-DD" and check that the day
 * exists.  FP_EINVAL otherwise.
 */
enum fp_err parse_date(const char *s, int *year, int *month, int *day);

/* The value of a hexadecimal digit (either case), or -1. */
int parse_hex_digit(char c);

/*
 * Decode exactly 2 * n hexadecimal digits of `hex` (then its end) into
 * out[0..n).  FP_EINVAL: another length or a non-hex character; out may
 * have been written.
 */
enum fp_err parse_hex(const char *hex, uint8_t *out, size_t n);

/* True when y-m-d is a real calendar date (Gregorian). */
bool parse_date_valid(int year, int month, int day);

#endif
