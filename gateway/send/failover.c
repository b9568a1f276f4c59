/*
 * failover.c: a provider's failover state (see failover.h).  Pure: no
 * clock, no lock, no log; sender_db.c owns one per provider that has a
 * failover and logs what changes.
 */
#include <string.h>

#include "failover.h"

void
failover_init(struct failover *f, int after_s)
{
	memset(f, 0, sizeof(*f));
	f->after_s = after_s;
}

void
failover_outcome(struct failover *f, enum provider_outcome o, int64_t now)
{
	if (o != PROVIDER_RETRY)
		f->retry_since = 0;	/* it answered */
	else if (f->retry_since == 0)
		f->retry_since = now;
}

void
failover_link(struct failover *f, int is_up, int64_t now)
{
	if (is_up < 0)
		return;
	if (is_up > 0)
		f->unbound_since = 0;
	else if (f->unbound_since == 0)
		f->unbound_since = now;
}

int64_t
failover_down_since(const struct failover *f)
{
	if (f->retry_since == 0)
		return f->unbound_since;
	if (f->unbound_since == 0)
		return f->retry_since;
	return f->retry_since < f->unbound_since ? f->retry_since :
	    f->unbound_since;
}

bool
failover_is_failing(const struct failover *f)
{
	return failover_down_since(f) != 0;
}

bool
failover_is_over(const struct failover *f)
{
	return f->over_since != 0;
}

static int64_t
probe_interval(const struct failover *f)
{
	return f->after_s < FAILOVER_PROBE_MAX_S ? f->after_s :
	    FAILOVER_PROBE_MAX_S;
}

enum failover_change
failover_update(struct failover *f, int64_t now)
{
	int64_t since = failover_down_since(f);

	if (f->over_since == 0) {
		if (since == 0 || now - since < f->after_s)
			return FAILOVER_SAME;
		f->over_since = now;
		f->next_probe = now + probe_interval(f);
		return FAILOVER_BEGIN;
	}
	if (since != 0)
		return FAILOVER_SAME;
	f->over_since = 0;
	f->next_probe = 0;
	return FAILOVER_END;
}

bool
failover_probe_due(const struct failover *f, int64_t now)
{
	return f->over_since != 0 && f->unbound_since == 0 &&
	    now >= f->next_probe;
}

void
failover_probe_taken(struct failover *f, int64_t now)
{
	f->next_probe = now + probe_interval(f);
}
