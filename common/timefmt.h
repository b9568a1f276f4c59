/*
 * timefmt.h: times as text, in one place: RFC 3339 in UTC, to the second
 * (API answers, files) or to the millisecond (events, log lines).
 */
#ifndef FP_TIMEFMT_H
#define FP_TIMEFMT_H

#include <stdint.h>
#include <time.h>

#define TIMEFMT_MAX 32

/* "2026-12-06T02:43:30Z" */
void timefmt_utc(int64_t t, char out[TIMEFMT_MAX]);

/* "2026-12-06T02:43:30.123Z"; the seconds part is formatted once a
 * second per thread (gmtime_r and strftime for every event added up). */
void timefmt_utc_ms(const struct timespec *ts, char out[TIMEFMT_MAX]);

#endif
