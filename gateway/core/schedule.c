/*
 * schedule.c: quiet hours and local days (see schedule.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "schedule.h"

void
schedule_use_timezone(const struct cfg *cfg)
{
	setenv("TZ", cfg->schedule.timezone, 1);
	tzset();
}

static int
minute_of_day(int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;

	localtime_r(&t, &tm);
	return tm.tm_hour * 60 + tm.tm_min;
}

bool
schedule_is_quiet(const struct cfg *cfg, int64_t now)
{
	int m, start = cfg->schedule.quiet_start_min,
	    end = cfg->schedule.quiet_end_min;

	if (!cfg->schedule.has_quiet_hours || start == end)
		return false;
	m = minute_of_day(now);
	if (start < end)
		return m >= start && m < end;
	return m >= start || m < end;	/* across midnight: 21:00-08:00 */
}

int64_t
schedule_today_at(int64_t now, int minute)
{
	time_t t = (time_t)now;
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = minute / 60;
	tm.tm_min = minute % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

int64_t
schedule_next_day(int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_mday++;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

int64_t
schedule_quiet_end(const struct cfg *cfg, int64_t now)
{
	int64_t end;

	if (!schedule_is_quiet(cfg, now))
		return now;
	end = schedule_today_at(now, cfg->schedule.quiet_end_min);
	if (end <= now)	/* the evening part: it ends tomorrow morning */
		end = schedule_today_at(schedule_next_day(now),
		    cfg->schedule.quiet_end_min);
	return end;
}

void
schedule_day(int64_t now, char out[11])
{
	time_t t = (time_t)now;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}
