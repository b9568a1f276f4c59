/*
 * broadcaster.h: the gateway thread that moves notices along, once a
 * second, each step a job of the group-commit writer: it finishes the
 * resolution of broadcasts a crash interrupted, queues due broadcast
 * recipients (broadcast_round) while keeping the provider's backlog
 * near two seconds of its rate (so that quiet hours, a cancel or the
 * daily cap still apply to what is not yet queued), re-sends and
 * escalates unacknowledged task alerts, creates the day's reminders, and
 * prunes the recipient rows of broadcasts finished or cancelled
 * schedule.retention_days ago, a bounded batch a tick (broadcast_prune).
 */
#ifndef FP_BROADCASTER_H
#define FP_BROADCASTER_H

#include "err.h"
#include "svc.h"

struct broadcaster;
struct writer;

/* ctx and w are borrowed and must outlive the broadcaster. */
enum fp_err broadcaster_start(const struct svc_ctx *ctx, struct writer *w,
    struct broadcaster **out);

/* Stop and join the thread (NULL is fine). */
void broadcaster_stop(struct broadcaster *b);

/* How many notices the next round may queue: 2 s of the default
 * provider's rate less what broadcasts already have queued. */
enum fp_err broadcaster_budget(struct store *st, const struct cfg *cfg,
    int *budget);

#endif
