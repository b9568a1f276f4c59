/*
 * event_relay.h: the transactional outbox relay (SPEC section 5).  Reads
 * unrelayed rows of event_outbox in id order, publishes each on
 * <root>/events/<type> at QoS 1 as {"event_id","type","occurred_at",
 * "node","data"}, and marks a row relayed only when its PUBACK arrives.
 * At most `window` publishes are unacknowledged at a time and no more
 * rows than that are ever held in memory; whatever the broker has not
 * acknowledged stays in SQLite, however long the outage.  After a lost
 * connection or a failed publish, unacknowledged rows are sent again
 * (at least once, in order per type).
 *
 * Runs on the bridge thread that owns `st` and the MQTT client.  The
 * MSISDN masking is the gateway's: data is published as stored.
 */
#ifndef FP_EVENT_RELAY_H
#define FP_EVENT_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mqtt_client.h"
#include "store.h"

#define EVENT_RELAY_WINDOW 1000

struct event_relay;

/*
 * A relay of st's outbox over mc (both borrowed; must outlive it), with
 * topics under `topic_root` and "node" = node_id (copied).  window 0
 * means EVENT_RELAY_WINDOW.  FP_ENOMEM.
 */
enum fp_err event_relay_new(struct store *st, struct mqtt_client *mc,
    const char *topic_root, const char *node_id, size_t window,
    struct event_relay **out);
void event_relay_free(struct event_relay *er);

/* An acknowledgement (MQTT_EV_PUBACK) or failure (MQTT_EV_PUBFAIL) for
 * `token`; tokens the relay did not send are ignored. */
void event_relay_ack(struct event_relay *er, int token);
void event_relay_fail(struct event_relay *er, int token);

/* The connection was lost: forget what is in flight, resend it later. */
void event_relay_reset(struct event_relay *er);

/*
 * Mark acknowledged rows relayed, then, when connected and the window
 * has room, read and publish more.  Database errors are logged here and
 * retried on the next call.
 */
void event_relay_pump(struct event_relay *er);

/* Events published (sent, not necessarily acknowledged) since start. */
uint64_t event_relay_published(const struct event_relay *er);

/* Events acknowledged by the broker and marked relayed since start. */
uint64_t event_relay_relayed(const struct event_relay *er);

/* Unacknowledged publishes now (at most the window). */
size_t event_relay_in_flight(const struct event_relay *er);

#endif
