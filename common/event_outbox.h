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
 * `data_json` (a JSON object, copied).  Call inside a transaction.  The
 * new event id (a time-ordered UUID) is copied to event_id when not NULL.
 * FP_EINVAL: empty type or data.  FP_EBUSY, FP_EIO.
 */
enum fp_err event_outbox_append(struct store *st, const char *type,
    const char *data_json, char event_id[EVENT_ID_MAX]);

/* Number of events not yet relayed. */
enum fp_err event_outbox_pending(struct store *st, int64_t *count);

/* A version 7 UUID (time-ordered, random tail) in out[37]. */
enum fp_err event_uuid(char out[37]);

/* Current UTC time as RFC 3339 with milliseconds, in out[32]. */
void event_now_rfc3339(char out[32]);

#endif
