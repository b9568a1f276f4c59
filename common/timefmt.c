/*
 * timefmt.c: times as text (see timefmt.h).
 */
#include <string.h>

#include "timefmt.h"

void
timefmt_utc(int64_t t, char out[TIMEFMT_MAX])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, TIMEFMT_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
timefmt_utc_ms(const struct timespec *ts, char out[TIMEFMT_MAX])
{
	static _Thread_local time_t cached_sec = -1;
	static _Thread_local char cached[24];
	static _Thread_local size_t cached_len;
	struct tm tm;
	int ms;

	if (ts->tv_sec != cached_sec) {
		gmtime_r(&ts->tv_sec, &tm);
		cached_len = strftime(cached, sizeof(cached),
		    "%Y-%m-%dT%H:%M:%S", &tm);
		cached_sec = ts->tv_sec;
	}
	ms = (int)(ts->tv_nsec / 1000000L);
	memcpy(out, cached, cached_len);
	out[cached_len] = '.';
	out[cached_len + 1] = (char)('0' + ms / 100);
	out[cached_len + 2] = (char)('0' + ms / 10 % 10);
	out[cached_len + 3] = (char)('0' + ms % 10);
	out[cached_len + 4] = 'Z';
	out[cached_len + 5] = '\0';
}
