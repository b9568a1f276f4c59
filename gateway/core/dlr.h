/*
 * dlr.h: delivery reports (SPEC 3.4): /dlr/kannel and /dlr map onto the
 * outbox's lifecycle.  Reports for the parts of a long message are kept
 * per part and aggregated: delivered when every part is, failed when any
 * part fails.  A report may arrive before the provider's submit answer
 * (we do not know the provider id yet), twice, or out of order.
 */
#ifndef FP_DLR_H
#define FP_DLR_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

/* What a report says, mapped onto the lifecycle. */
enum dlr_state {
	DLR_SENT,	/* accepted/buffered by the SMSC: stays "sent" */
	DLR_DELIVERED,
	DLR_FAILED,
};

/* Kannel's %d: 1 delivered; 2, 16 failed; 4, 8 sent.  false if other. */
bool dlr_kannel_state(int kannel_status, enum dlr_state *out);

/* /dlr's status word: Success; Failed, Rejected; Buffered, Sent. */
bool dlr_generic_state(const char *word, enum dlr_state *out);

/*
 * A Kannel report for our message `id`, for the part whose SMSC message
 * id is `part_id` (Kannel's %F; may be NULL or ""): recorded, then the
 * message's status is the aggregate of its parts' reports.  Stamped
 * with `now` (unix seconds) as received.
 * FP_ENOTFOUND: no such message (nothing written).
 */
enum fp_err dlr_apply_kannel(struct store *st, int64_t id, const char *part_id,
    enum dlr_state state, const char *detail, int64_t now);

/*
 * A generic report for provider message id `provider_msgid` (whole
 * message).  When no message has that id yet but a submit is in flight,
 * the report is kept for outbox_dlr_reconcile; otherwise FP_ENOTFOUND and
 * nothing is written.
 */
enum fp_err dlr_apply_generic(struct store *st, const char *provider_msgid,
    enum dlr_state state, const char *detail, int64_t now);

#endif
