/*
 * outbox.h: the durable queue of outbound messages (SPEC section 4) and
 * their state machine:
 *
 *   queued -> sending -> sent -> delivered | failed | expired
 *              |  ^
 *              v  |  (retry: 5xx, timeout, connection error; backoff)
 *            queued
 *
 * Every transition writes a row of sms_out_history and an "sms.status"
 * event (event outbox) in the same transaction, stamped with the `now`
 * (unix seconds) its caller passes: nothing here reads the clock.  A final state
 * (delivered, failed, expired) is never left.  All functions run inside
 * the caller's transaction unless they say otherwise.
 */
#ifndef FP_OUTBOX_H
#define FP_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "err.h"
#include "gsm.h"
#include "store.h"

/* What to send.  All pointers borrowed; copied into the database. */
struct outbox_msg {
	const char	*to;		/* E.164 */
	const char	*from;		/* NULL: sms.shortcode */
	const char	*text;		/* UTF-8, not empty */
	const char	*kind;		/* "reply", "api", "sendsms", "broadcast",
					 * "reminder", "alert", "security" */
	const char	*provider;	/* NULL: routed (route_pick) */
	const char	*via;		/* the answered MO's route
					 * ("cmpp:<name>"), or NULL: the
					 * hint route_pick takes */
	int64_t		 in_reply_to;	/* sms_in.id or 0 */
	int64_t		 broadcast_id;	/* or 0 */
	int64_t		 task_id;	/* or 0 */
	const char	*dlr_url;	/* sendsms callers' dlr-url, or NULL */
	int		 dlr_mask;	/* with dlr_url */
	int		 validity_s;	/* 0: the provider's validity */
	/* SPEC 11: what the text was rendered from, for a provider that
	 * sends approved templates only (svc_msg, svc.h): the text's key
	 * ("sms/fk_ok", "notices/<name>", "menu/<screen>"), the language
	 * and the variables as a JSON object; all NULL for free text,
	 * which such a provider refuses (FP_EINVAL). */
	const char	*tpl_key;
	const char	*tpl_lang;
	const char	*tpl_vars;
};

/*
 * Queue a message: counts encoding and segments (with the provider's
 * signature, if any), inserts it as "queued", due now, expiring after the
 * validity, with its history row, all at `now`.  *id gets the new message id.
 * FP_EINVAL: `to` is not E.164, text empty or not UTF-8, the provider
 * is unknown, or it sends approved templates only
 * (cfg_provider_is_template) and the message has no tpl_key.
 * FP_EBUSY, FP_EIO.
 */
enum fp_err outbox_enqueue(struct store *st, const struct cfg *cfg,
    const struct outbox_msg *m, int64_t now, int64_t *id);

/*
 * SPEC 4: the segments `text` takes through `provider`, with the
 * signature that provider adds counted, as outbox_enqueue counts them;
 * provider NULL (the message will be routed, its number not known yet):
 * the most it takes through any provider route_may_pick.  FP_EINVAL:
 * unknown provider, or text not UTF-8.
 */
enum fp_err outbox_segments(const struct cfg *cfg, const char *provider,
    const char *text, size_t *segments);

/*
 * SPEC 4: whether `text` may be sent at all: FP_ETOOBIG when it takes
 * more than sms.max_segments segments through `provider` (*segments, may
 * be NULL, says how many); FP_EINVAL as outbox_segments.  Every API that
 * sends checks this before anything is stored (a 400).
 */
enum fp_err outbox_check_length(const struct cfg *cfg, const char *provider,
    const char *text, size_t *segments);

/* One message claimed for sending; owned by the array from outbox_claim. */
struct outbox_item {
	int64_t	 id;
	char	*to;
	char	*from;
	char	*text;
	enum gsm_encoding encoding;
	int	 segments;
	int	 attempts;	/* including this one */
	int64_t	 expires_at;
	char	*dlr_url;	/* sendsms caller's, or NULL */
	int	 dlr_mask;
	/* SPEC 11: outbox_msg's tpl_key, tpl_lang, tpl_vars, or NULL.
	 * They point into text's allocation (after its NUL), so freeing
	 * text frees them: whoever frees an item's strings one by one
	 * needs no change. */
	const char *tpl_key;
	const char *tpl_lang;
	const char *tpl_vars;
};

/*
 * outbox_enqueue for a message that goes straight to its sender, which
 * has reserved room for it (sender_reserve): inserted as "sending" with
 * its first attempt counted (history "queued", then "sending"), so no
 * claim has to find it; *it gets what the sender needs (owned: hand it
 * over with sender_hand_over, or free it with outbox_item_free).  If
 * the transaction does not commit, nothing of it remains; if it commits
 * and the message never reaches the sender, it stays "sending" until
 * outbox_unclaim or the next start's outbox_recover.
 */
enum fp_err outbox_enqueue_sending(struct store *st, const struct cfg *cfg,
    const struct outbox_msg *m, int64_t now, int64_t *id,
    struct outbox_item *it);

/* Free an item's strings and zero it (NULL ok). */
void outbox_item_free(struct outbox_item *it);

/*
 * Claim up to `max` messages of `provider` that are due at `now` (unix
 * seconds): each becomes "sending" with attempts + 1; ones past their
 * expiry become "expired" instead and are not returned.  Runs its own
 * transaction.  *items (caller frees with outbox_items_free) and *n.
 */
enum fp_err outbox_claim(struct store *st, const char *provider,
    int64_t now, size_t max, struct outbox_item **items, size_t *n);
void outbox_items_free(struct outbox_item *items, size_t n);

/* The provider accepted the message: "sent", with its message id (NULL
 * for none); then applies delivery reports that arrived early
 * (outbox_dlr_reconcile). */
enum fp_err outbox_mark_sent(struct store *st, int64_t id,
    const char *provider_msgid, int64_t now);

/* A transient failure: back to "queued", due at next_at. */
enum fp_err outbox_mark_retry(struct store *st, int64_t id, int64_t next_at,
    const char *error, int64_t now);

/* A permanent failure (4xx, attempts exhausted): "failed". */
enum fp_err outbox_mark_failed(struct store *st, int64_t id,
    const char *error, int64_t now);

/*
 * Apply a status from a delivery report or a synthesised one: "sent",
 * "delivered", "failed".  A final state is never overwritten; a repeat of
 * the current state is a no-op (FP_OK).  FP_ENOTFOUND: no such message.
 */
enum fp_err outbox_set_status(struct store *st, int64_t id,
    const char *status, const char *detail, int64_t now);

/*
 * At start: messages left "sending" by a crash go back to "queued", due
 * now (at-least-once delivery).  Runs its own transaction; *n recovered.
 */
enum fp_err outbox_recover(struct store *st, int64_t now, int64_t *n);

/*
 * Additions to the contract above (used by sender.c).
 */

/*
 * Whether "sms.status" events carry the full number (mqtt.include_msisdn)
 * or a masked one ("+86138****5678", the default).  Process-wide; set
 * once at start (sender_start does) before threads write events.
 */
void outbox_set_include_msisdn(bool on);

/*
 * How many messages this process has made "queued" (enqueued, or given
 * back by outbox_unclaim), counted when the statement runs, committed or
 * not: after a commit, an unchanged count means there is nothing new for
 * a claim to find (messages sent straight to the sender are not counted).
 */
uint64_t outbox_queued_count(void);

/*
 * outbox_claim, also counting in *n_expired (may be NULL) the messages
 * it found past their expiry and marked "expired".  Claims messages in
 * order of due time, then id (FIFO among messages due at once), which
 * is the order of the sms_out_due index, so no sort is needed.
 */
enum fp_err outbox_claim_ex(struct store *st, const char *provider,
    int64_t now, size_t max, struct outbox_item **items, size_t *n,
    size_t *n_expired);

/*
 * outbox_claim_ex inside the caller's transaction (the sender's rounds
 * share the writer's group commit).  On failure nothing is returned and
 * the caller must roll its transaction (or savepoint) back: some rows
 * may already be "sending".
 */
enum fp_err outbox_claim_tx(struct store *st, const char *provider,
    int64_t now, size_t max, struct outbox_item **items, size_t *n,
    size_t *n_expired);

/*
 * outbox_mark_sent for the sender, which has the message as it claimed
 * it (`it`, of `provider`): the usual case, a message still "queued" or
 * "sending" without a provider id, is one conditional UPDATE whose
 * history row and event are made from `it`, without reading the row
 * first.  Anything else (a report overtook the answer, the row already
 * has an id, it was deleted) is left to outbox_mark_sent.  Results as
 * outbox_mark_sent.
 */
enum fp_err outbox_mark_sent_claimed(struct store *st,
    const struct outbox_item *it, const char *provider,
    const char *provider_msgid, int64_t now);

/*
 * Give back a claimed message that was never handed to the provider
 * (sender stopping): "sending" -> "queued", due now, the attempt not
 * counted.  A message in any other state is left alone (FP_OK).
 * Inside the caller's transaction.
 */
enum fp_err outbox_unclaim(struct store *st, int64_t id, int64_t now);

/*
 * Issue 16, failover: up to `max` messages of provider `from` that are
 * "queued" (the earliest due first; a retried one too, whose backoff was
 * `from`'s business) go to provider `to`, due at `now`, their attempts
 * counting again from 0 there; each gets a history row ("queued", detail
 * "failover from <from> to <to>").  One being sent is left alone.  With
 * `to_needs_template` (a template provider) only messages rendered from
 * a template move; free text stays.  *n: how many moved.  Inside the
 * caller's transaction.
 */
enum fp_err outbox_failover(struct store *st, const char *from,
    const char *to, bool to_needs_template, int64_t now, size_t max,
    size_t *n);

/*
 * Delivery reports (table dlr, written by dlr.c) applied to a message.
 * outbox_dlr_aggregate: message `id` takes the status its reports say
 * (failed if any part failed; delivered when every part or the whole
 * message was; else sent); FP_ENOTFOUND when there is no such message.
 * outbox_dlr_reconcile: called once `id` has its provider id (by
 * outbox_mark_sent*): reports stored earlier under that id are attached
 * to it and aggregated.  Both inside the caller's transaction, at `now`.
 */
enum fp_err outbox_dlr_aggregate(struct store *st, int64_t id, int64_t now);
enum fp_err outbox_dlr_reconcile(struct store *st, int64_t id, int64_t now);

#endif
