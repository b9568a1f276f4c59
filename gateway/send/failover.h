/*
 * failover.h: when a provider counts as down and its queued messages go
 * to its failover provider, and when it is back (issue 16: providers'
 * `failover`, `failover_after`).  The state of one provider, pure: the
 * sender's database thread (sender_db.c) feeds it the outcomes it writes
 * and, for a link, whether it is bound, each with `now` (unix seconds,
 * the caller's clock), and asks what to do.
 *
 * Down means real signals only: since `now` of the first PROVIDER_RETRY
 * with nothing accepted or refused after it (the provider answered
 * nothing useful), or since the link was first seen unbound.  Once down
 * for after_s, the provider is "over": its queued messages move to the
 * failover, except one every probe interval (min(after_s, 30 s)) that
 * it tries itself while its link, if it has one, is bound (and that
 * moves too if it fails: a message is a probe once); the first
 * accepted or refused answer with the link bound ends it.  Messages that
 * moved stay where they went: only new ones come back.
 */
#ifndef FP_FAILOVER_H
#define FP_FAILOVER_H

#include <stdbool.h>
#include <stdint.h>

#include "provider.h"

#define FAILOVER_PROBE_MAX_S	30	/* try the provider at least this
					 * often while it is over */

struct failover {
	int	 after_s;	/* the provider's failover_after */
	int64_t	 retry_since;	/* first RETRY since the last answer, or 0 */
	int64_t	 unbound_since;	/* link first seen unbound, or 0 */
	int64_t	 over_since;	/* when it went over, or 0: not over */
	int64_t	 next_probe;	/* while over: one message may try it */
};

enum failover_change {
	FAILOVER_SAME,
	FAILOVER_BEGIN,		/* down for after_s: messages move now */
	FAILOVER_END,		/* answered again: new messages stay */
};

void failover_init(struct failover *f, int after_s);

/* An outcome written at `now`: RETRY starts a run (if none), ACCEPTED
 * and REJECTED end it. */
void failover_outcome(struct failover *f, enum provider_outcome o,
    int64_t now);

/* The link at `now`: is_up 1 bound, 0 not, -1 no link (ignored). */
void failover_link(struct failover *f, int is_up, int64_t now);

/* Decide at `now`: begin (down for after_s), end (neither retrying nor
 * unbound any more), or no change. */
enum failover_change failover_update(struct failover *f, int64_t now);

/* Whether it is over (its queued messages go to the failover). */
bool failover_is_over(const struct failover *f);

/* Whether it is failing now (retrying or unbound), over or not yet. */
bool failover_is_failing(const struct failover *f);

/* When it started failing (the earlier signal), or 0. */
int64_t failover_down_since(const struct failover *f);

/* While over: whether one message may try the provider at `now` (its
 * link, if any, bound).  failover_probe_taken once it is claimed. */
bool failover_probe_due(const struct failover *f, int64_t now);
void failover_probe_taken(struct failover *f, int64_t now);

#endif
