/*
 * event_outbox.h: the events the bridge relays to MQTT (SPEC section 5).
 * An event is appended in the same transaction as the change it
 * describes, so an event exists exactly when its change does.  The table
 * is the contract between the gateway and the bridge.
 */
#ifndef FP_EVENT_OUTBOX_H
#define FP_EVENT_OUTBOX_H

#include <stdint.h>

#include "err.h"
#include "store.h"

#define EVENT_ID_MAX 40

/*
 * Append an event of `type` ("sms.inbound", ...) whose "data" object is
 * `data_json` (a JSON object, copied), occurred at `now` (unix
 * seconds).  Call inside a transaction.  The
 * new event id (a time-ordered UUID) is copied to event_id when not NULL.
 * FP_EINVAL: empty type or data.  FP_EBUSY, FP_EIO.
 */
enum fp_err event_outbox_append(struct store *st, const char *type,
    const char *data_json, int64_t now, char event_id[EVENT_ID_MAX]);

/* Number of events not yet relayed. */
enum fp_err event_outbox_pending(struct store *st, int64_t *count);

/*
 * One unrelayed event as read for the relay.  `data` is malloc'd and
 * owned by the row (event_outbox_rows_cleanup); the rest is inline.
 */
#define EVENT_TYPE_MAX 64
struct event_outbox_row {
	int64_t	 id;
	char	 event_id[EVENT_ID_MAX];
	char	 type[EVENT_TYPE_MAX];
	char	 occurred_at[40];
	char	*data;		/* the stored JSON object, as written */
};

/*
 * Read up to `max` events not yet relayed whose id is greater than
 * after_id, in id order, into rows[0..*n).  Nothing is locked or
 * changed: a row stays unrelayed until event_outbox_mark_relayed.  On
 * success the caller frees the rows with event_outbox_rows_cleanup.
 * Rows whose type or id do not fit the row are returned with type ""
 * (the relay skips and marks them).  FP_ENOMEM, FP_EBUSY, FP_EIO.
 */
enum fp_err event_outbox_claim(struct store *st, int64_t after_id,
    size_t max, struct event_outbox_row *rows, size_t *n);

/* Free what n rows own; the array itself belongs to the caller. */
void event_outbox_rows_cleanup(struct event_outbox_row *rows, size_t n);

/*
 * Set relayed_at = now (Unix seconds) on the events with the given ids,
 * in one transaction of its own.  FP_EBUSY, FP_EIO (nothing changed).
 */
enum fp_err event_outbox_mark_relayed(struct store *st, const int64_t *ids,
    size_t n, int64_t now);

/*
 * Delete relayed events with relayed_at before `older_than` (Unix
 * seconds); the number deleted goes to *deleted when not NULL.
 * Unrelayed events are never deleted.  FP_EBUSY, FP_EIO.
 */
enum fp_err event_outbox_prune(struct store *st, int64_t older_than,
    int64_t *deleted);

/* Age at `now` (seconds) of the oldest unrelayed event, 0 when none. */
enum fp_err event_outbox_oldest_age(struct store *st, int64_t now,
    int64_t *age_s);

/* A version 7 UUID (time-ordered, random tail) in out[37]. */
enum fp_err event_uuid(char out[37]);

#endif
