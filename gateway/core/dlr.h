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

/*
 * SPEC 11: a report that came over `provider`'s own link (CMPP, SMPP)
 * for the short message whose provider id is `msgid`.  With message_id
 * > 0 the link knows it (a part it submitted itself): part 0 speaks for
 * the whole message, k > 0 for its part k.  With message_id 0 it is
 * looked up: a part recorded by dlr_link_part, else the message whose
 * provider id it is (whole), else kept as an early report as
 * dlr_apply_generic does.  Then the message's status is the aggregate
 * of its parts' reports.  FP_ENOTFOUND: no such message (nothing
 * written).
 */
enum fp_err dlr_apply_link(struct store *st, const char *provider,
    const char *msgid, int64_t message_id, int part, enum dlr_state state,
    const char *detail, int64_t now);

/*
 * SPEC 11: a cloud's delivery report (Aliyun's SmsReport, Tencent's
 * status callback) for the whole message whose provider id at
 * `provider` is `msgid`, sent to `msisdn` (E.164).  The callbacks are
 * public and unsigned, so a report must name the message as its
 * provider knows it: a message of another provider, or of another
 * number, or (out_id > 0, Aliyun's OutId, our id) another id, is not
 * touched: FP_EREJECT.  FP_ENOTFOUND: no such message of `provider`
 * (nothing written).  FP_EBUSY: none yet but one of provider's is being
 * sent (its answer may still bring that id): nothing written, the
 * cloud should push again later.  Else recorded, then the message's
 * status is the aggregate of its reports.
 */
enum fp_err dlr_apply_provider(struct store *st, const char *provider,
    const char *msgid, const char *msisdn, int64_t out_id,
    enum dlr_state state, const char *detail, int64_t now);

/*
 * Part `part` (1-based) of message `message_id` is `msgid` at
 * `provider`'s SMSC (its submit was accepted): kept as a report of state
 * "sent", so that a report naming that part finds its message
 * (dlr_apply_link) even after a restart; reports that arrived earlier
 * under msgid are attached to the part and aggregated.
 * FP_ENOTFOUND: no such message.  FP_EINVAL: part < 1.
 */
enum fp_err dlr_link_part(struct store *st, const char *provider,
    int64_t message_id, int part, const char *msgid, int64_t now);

#endif
