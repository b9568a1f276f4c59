/*
 * sender.h: the workers that move the outbox to the providers (SPEC
 * section 4).  Per configured provider, a database thread (its own
 * database handle: claims due messages in batches, writes outcomes many
 * per transaction) and an I/O thread (its own libcurl multi handle with
 * keep-alive connections, at most `connections` of them, a token bucket
 * of `rate` messages per second that is never exceeded, a per-request
 * timeout), so a provider that hangs or answers garbage slows nobody but
 * itself, and the network and the database never wait for each other.
 *
 * Outcomes: accepted -> "sent" (the file provider's also "delivered");
 * 408, 429, 5xx, timeouts, connection errors and garbage -> retried with
 * exponential backoff and jitter until max_attempts, then "failed";
 * other 4xx -> "failed" at once.  An outcome the database will not take
 * (full disk, I/O error, busy) is held in memory and written again,
 * with a growing pause, until it is stored; its message stays "sending"
 * meanwhile and is not sent again.
 *
 * A provider with `failover` that has been down `failover_after` (every
 * attempt retried, or its link unbound: failover.h) has its queued
 * messages moved to the failover, and gives up on none meanwhile; new
 * ones stay with it again once it answers.
 *
 * Called by the gateway's main: sender_start after migrations and
 * before READY, sender_wake after each committed enqueue, sender_stop
 * on SIGTERM before the database is closed.
 */
#ifndef FP_SENDER_H
#define FP_SENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "err.h"
#include "outbox.h"

#define SENDER_BATCH		256	/* messages claimed at once, at most */
#define SENDER_POLL_MS		200	/* idle: look for due messages */
#define SENDER_GRACE_MS		5000	/* at stop: in-flight requests get
					 * this long (or their timeout) */

struct sender;
struct writer;

/*
 * Recover messages a crash left "sending" (outbox_recover), then start
 * one thread per provider of `cfg` (borrowed; must outlive the sender).
 * Sets outbox_set_include_msisdn from mqtt.include_msisdn.  *out is
 * owned by the caller (sender_stop).  Failures are logged here, with
 * the provider: FP_EIO (database or the file provider's file cannot be
 * opened), FP_ENOMEM, FP_EBUSY (database locked during recovery).
 */
enum fp_err sender_start(const struct cfg *cfg, struct sender **out);

/*
 * Stop and free: no new messages are claimed, claimed but unsent ones go
 * back to "queued", in-flight requests get SENDER_GRACE_MS (at most
 * their timeout) to finish; any still open are abandoned and stay
 * "sending" until the next start recovers them.  Outcomes received are
 * written; while the database will not take them, for up to
 * SENDER_STOP_WRITE_MS (sender_worker.h) more, after which each message
 * the provider accepted but that is still "sending" is logged
 * (sender.unwritten, with the provider's id): the next start queues it
 * again.  Joins every thread.  sender_stop(NULL) is a no-op.
 */
void sender_stop(struct sender *s);

/*
 * Write through `wr` (a job of its group commit per round of claims and
 * outcomes) instead of each provider's own connection, or again through
 * those with wr == NULL.  Returns once no round uses the previous one,
 * so call sender_use_writer(s, NULL) before writer_stop.  Borrowed: wr
 * must stay running while in use.  sender_use_writer(NULL, ...) is a
 * no-op.
 */
void sender_use_writer(struct sender *s, struct writer *wr);

/*
 * A message for `provider` (NULL: every provider) was just committed:
 * look for it now rather than at the next poll.  Cheap, thread-safe,
 * never blocks; call it after the enqueueing transaction commits, and
 * not after sender_stop.
 */
void sender_wake(struct sender *s, const char *provider);

/*
 * Straight to the sender: a request that queues a message due now may
 * ask its provider's sender for room (sender_reserve: true when the
 * sender could start it within its rate and connections soon), insert it
 * as "sending" (outbox_enqueue_sending) and, once committed, hand it over
 * (sender_hand_over: the sender owns *it from then on).  That spares the
 * claim (a select and an update of the row).  A reservation whose message
 * was not committed is given back with sender_release.  Thread-safe;
 * reserve fails once the sender is stopping; hand over before
 * sender_stop (the gateway stops its HTTP server first).  A message
 * handed over to a sender whose I/O has ended stays "sending" until the
 * next start.
 */
bool sender_reserve(struct sender *s, const char *provider);
void sender_hand_over(struct sender *s, const char *provider,
    struct outbox_item *it);
void sender_release(struct sender *s, const char *provider);

/*
 * Report the counters of every provider since start, one emit call per
 * (provider, metric): "segments_sent" (segments of accepted messages),
 * and messages by outcome: "sent", "delivered" (synthesised by the file
 * provider; real reports are counted by dlr), "retried", "failed",
 * "expired"; and "direct", messages handed over at their commit
 * (sender_hand_over) rather than claimed.  Thread-safe (relaxed atomic
 * reads); emit must not call back into the sender.
 */
void sender_metrics(struct sender *s, void (*emit)(const char *provider,
    const char *metric, uint64_t v, void *arg), void *arg);

#endif
