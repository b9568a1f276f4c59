/*
 * monotime.h: the monotonic clock the senders and links time waits,
 * windows and rates by (CLOCK_MONOTONIC, in nanoseconds), in one place.
 */
#ifndef FP_MONOTIME_H
#define FP_MONOTIME_H

#include <stdint.h>
#include <time.h>

#define MONOTIME_NS_PER_S	1000000000LL

static inline int64_t
monotime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * MONOTIME_NS_PER_S + ts.tv_nsec;
}

#endif
