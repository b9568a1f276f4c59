/*
 * ratelimit.c: token bucket and retry backoff (see ratelimit.h).  Pure
 * integer arithmetic on the caller's clock and random numbers; the sender
 * owns one bucket per provider thread.
 */
#include "ratelimit.h"

void
ratelimit_init(struct ratelimit *rl, int rate_per_s, int burst,
    int64_t now_ns)
{
	if (burst < 1)
		burst = 1;
	rl->rate_per_s = rate_per_s;
	rl->cap_units = (int64_t)burst * RATELIMIT_NS;
	rl->units = rl->cap_units;
	rl->last_ns = now_ns;
}

static void
refill(struct ratelimit *rl, int64_t now_ns)
{
	int64_t elapsed = now_ns - rl->last_ns;
	int64_t full_ns;

	if (elapsed <= 0)
		return;
	rl->last_ns = now_ns;
	/* Past the time that fills the bucket from empty, more time adds
	 * nothing; clamping first keeps elapsed * rate from overflowing. */
	full_ns = rl->cap_units / rl->rate_per_s + 1;
	if (elapsed > full_ns)
		elapsed = full_ns;
	rl->units += elapsed * rl->rate_per_s;
	if (rl->units > rl->cap_units)
		rl->units = rl->cap_units;
}

bool
ratelimit_take(struct ratelimit *rl, int64_t now_ns, int64_t *wait_ns)
{
	if (rl->rate_per_s <= 0)
		return true;
	refill(rl, now_ns);
	if (rl->units >= RATELIMIT_NS) {
		rl->units -= RATELIMIT_NS;
		return true;
	}
	if (wait_ns != NULL)
		*wait_ns = ratelimit_wait_ns(rl, now_ns);
	return false;
}

int64_t
ratelimit_wait_ns(struct ratelimit *rl, int64_t now_ns)
{
	if (rl->rate_per_s <= 0)
		return 0;
	refill(rl, now_ns);
	if (rl->units >= RATELIMIT_NS)
		return 0;
	return (RATELIMIT_NS - rl->units + rl->rate_per_s - 1) /
	    rl->rate_per_s;
}

size_t
ratelimit_available(struct ratelimit *rl, int64_t now_ns, size_t max)
{
	int64_t n;

	if (rl->rate_per_s <= 0)
		return max;
	refill(rl, now_ns);
	n = rl->units / RATELIMIT_NS;
	return (uint64_t)n < max ? (size_t)n : max;
}

size_t
ratelimit_forecast(struct ratelimit *rl, int64_t now_ns, int64_t horizon_ns,
    size_t max)
{
	int64_t n;

	if (rl->rate_per_s <= 0)
		return max;
	refill(rl, now_ns);
	if (horizon_ns < 0)
		horizon_ns = 0;
	/* Clamp like refill: beyond `max` tokens the answer is `max`. */
	if ((uint64_t)(horizon_ns / (RATELIMIT_NS / rl->rate_per_s + 1)) >=
	    max)
		return max;
	n = (rl->units + horizon_ns * rl->rate_per_s) / RATELIMIT_NS;
	return (uint64_t)n < max ? (size_t)n : max;
}

int64_t
backoff_delay_s(int attempt, uint32_t random)
{
	int64_t base = BACKOFF_BASE_S;
	int64_t ms, span;
	int i;

	for (i = 1; i < attempt && base < BACKOFF_CAP_S; i++)
		base *= 2;
	if (base > BACKOFF_CAP_S)
		base = BACKOFF_CAP_S;
	/* factor in [100 - J, 100 + J] percent, uniform over `random` */
	span = 2 * BACKOFF_JITTER_PCT * base * 10;	/* in ms */
	ms = base * (100 - BACKOFF_JITTER_PCT) * 10 +
	    (int64_t)(((uint64_t)random * (uint64_t)(span + 1)) >> 32);
	ms /= 1000;
	return ms < 1 ? 1 : ms;
}
