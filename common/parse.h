/*
 * parse.h: checked conversions of text to numbers, dates and times.
 * The only place that calls strtol and friends, so every number taken
 * from outside input has its range checked.
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

/* True when y-m-d is a real calendar date (Gregorian). */
bool parse_date_valid(int year, int month, int day);

/*
 * Parse an RFC 3339 date-time, "2026-12-10T18:00:00+08:00" or
 * "...Z" (T and Z in either case, fractions of a second ignored), into
 * seconds since the epoch.  Strict: every digit where the format has
 * one, a real date, hours to 23, minutes to 59, seconds to 60.
 * FP_EINVAL otherwise; *out is untouched.
 */
enum fp_err parse_rfc3339_time(const char *s, int64_t *out);

#endif
