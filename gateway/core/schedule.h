/*
 * schedule.h: when notices may go (SPEC 4): quiet hours
 * (schedule.quiet_hours, may span midnight, "" none) and the local day
 * for the daily cap, in schedule.timezone.  The gateway sets TZ to that
 * zone at start, before any thread, so local time here is the
 * schedule's; tests set TZ themselves.  Pure given `now`.
 */
#ifndef FP_SCHEDULE_H
#define FP_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"

/* Make the process's local time schedule.timezone (call before threads). */
void schedule_use_timezone(const struct cfg *cfg);

/* True when `now` falls in the quiet hours. */
bool schedule_is_quiet(const struct cfg *cfg, int64_t now);

/* The first moment at or after now outside the quiet hours. */
int64_t schedule_quiet_end(const struct cfg *cfg, int64_t now);

/* The local date of now, "YYYY-MM-DD". */
void schedule_day(int64_t now, char out[11]);

/* The next local midnight after now. */
int64_t schedule_next_day(int64_t now);

/* Today's local time hh:mm as a moment (e.g. a reminder's "09:00"). */
int64_t schedule_today_at(int64_t now, int minute_of_day);

#endif
