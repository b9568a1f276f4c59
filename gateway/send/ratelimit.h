/*
 * ratelimit.h: the sender's pure arithmetic, kept apart from threads and
 * clocks so it can be tested over simulated time: a token bucket for a
 * provider's messages per second (SPEC section 4: "the gateway never
 * exceeds it") and the exponential backoff with jitter between attempts.
 * The caller passes the time (CLOCK_MONOTONIC nanoseconds) and the
 * randomness.  No allocation, no locking: one bucket per sender thread.
 */
#ifndef FP_RATELIMIT_H
#define FP_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_NS		1000000000LL
#define BACKOFF_BASE_S		2	/* first retry waits ~2 s */
#define BACKOFF_CAP_S		600	/* never more than ~10 min */
#define BACKOFF_JITTER_PCT	20	/* +/- 20 % */

/*
 * A token bucket.  Tokens are counted in units of 1/RATELIMIT_NS token
 * so that refill is exact integer arithmetic: after t ns the bucket has
 * gained t * rate_per_s units, up to burst tokens.  Over any interval of
 * t seconds at most burst + t * rate_per_s tokens are taken.
 */
struct ratelimit {
	int64_t	 rate_per_s;	/* <= 0: unlimited */
	int64_t	 cap_units;	/* burst * RATELIMIT_NS */
	int64_t	 units;		/* tokens now, in units */
	int64_t	 last_ns;	/* time of the last refill */
};

/*
 * Start a bucket holding `burst` tokens (at least 1) at time now_ns.
 * rate_per_s <= 0 makes a bucket that never says no (benchmarks).
 */
void ratelimit_init(struct ratelimit *rl, int rate_per_s, int burst,
    int64_t now_ns);

/*
 * Take one token at now_ns.  True when taken.  False when the bucket is
 * empty; then *wait_ns (when not NULL) is how long until a token is due.
 * Time going backwards is treated as no time passing.
 */
bool ratelimit_take(struct ratelimit *rl, int64_t now_ns, int64_t *wait_ns);

/*
 * Nanoseconds until a token is available at now_ns (0: one is now).
 * Nothing is taken.
 */
int64_t ratelimit_wait_ns(struct ratelimit *rl, int64_t now_ns);

/*
 * Whole tokens available at now_ns, at most `max` (nothing is taken):
 * how many messages the sender may claim now.  `max` for an unlimited
 * bucket.
 */
size_t ratelimit_available(struct ratelimit *rl, int64_t now_ns, size_t max);

/*
 * Tokens that can be taken from now_ns until now_ns + horizon_ns if
 * taken as they come (those there now plus the refill meanwhile), at
 * most `max`; nothing is taken.  The sender claims this many messages,
 * so that claimed messages wait at most about horizon_ns for a token.
 */
size_t ratelimit_forecast(struct ratelimit *rl, int64_t now_ns,
    int64_t horizon_ns, size_t max);

/*
 * Seconds to wait before attempt `attempt` + 1 after attempt `attempt`
 * (1-based) failed: BACKOFF_BASE_S * 2^(attempt-1), capped at
 * BACKOFF_CAP_S, then scaled by a factor in [0.8, 1.2] taken from
 * `random` (uniform over uint32_t), rounded down to whole seconds.
 * Always >= 1.
 */
int64_t backoff_delay_s(int attempt, uint32_t random);

#endif
