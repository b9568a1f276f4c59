/*
 * registry_consumer.h: registry records and commands arriving over MQTT
 * (SPEC section 5).  Commands, <root>/cmd/broadcast and cmd/alert, are
 * applied by command_intake.c with the same envelope handling (errors
 * topic, holding what the database will not take yet, acknowledgement
 * after the commit); ctx gives them the templates.  Topics
 * <root>/registry/{households,members,cadres,enrollments,trainings,
 * payments}, with a $share/<group>/ prefix when mqtt.shared_group is
 * set.  A message is {"event_id","op":"upsert"|
 * "delete","records":[{...}]} or one bare record with an event_id (an
 * upsert of one); record fields are the CSV columns of SPEC section 9,
 * as strings or numbers.
 *
 * Each message is applied in one transaction through registry_upsert /
 * registry_delete (the CSV import's functions) and recorded in
 * processed_messages under its event_id (apart from command ids:
 * processed.h), so a redelivery changes nothing.  A message that fails validation changes nothing either: it
 * is reported on <root>/errors as {"topic","event_id","error"} and
 * dropped.
 *
 * Messages are handled on Paho's receive thread (mqtt_client.h), before
 * their PUBACK: the transaction commits first, so a crash before the
 * commit leaves the message with the broker, which delivers it again,
 * and a crash after it is harmless (the redelivery is a duplicate).  The
 * consumer therefore has a database handle of its own, used only on that
 * thread; the bridge thread only subscribes and reads the counters.
 *
 * A message the database will not take for a passing reason (full, an
 * I/O error, busy, out of memory) is neither acknowledged nor reported:
 * it is held and tried again, after 0.5 s doubling up to 5 s, until it
 * is stored (mqtt_client_hold; nothing else arrives meanwhile, and the
 * broker may close the connection and deliver the message again, a
 * duplicate by then).  Stopping gives it up unacknowledged, for the
 * broker to deliver at the next start.  Only what is wrong with the
 * message itself goes to <root>/errors and is acknowledged.
 */
#ifndef FP_REGISTRY_CONSUMER_H
#define FP_REGISTRY_CONSUMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "err.h"
#include "mqtt_client.h"
#include "svc.h"
#include "store.h"

/* Largest payload accepted; larger ones are rejected unread. */
#define REGISTRY_CONSUMER_MAX_PAYLOAD (256 * 1024)

struct registry_consumer;

/* What the consumer has done since start. */
struct registry_consumer_stats {
	uint64_t applied;	/* messages committed */
	uint64_t records;	/* records upserted or deleted by them */
	uint64_t duplicates;	/* messages whose event_id was seen */
	uint64_t rejected;	/* messages reported on <root>/errors */
};

/*
 * A consumer for cfg's database, topic root and shared group (copied)
 * that reports on mc (borrowed; must outlive it).  It opens its own
 * handle on cfg->database.path.  Register it with
 * mqtt_client_on_message(mc, registry_consumer_on_message, rc) before
 * mqtt_client_start, and free it only after mqtt_client_free.
 * FP_ENOMEM; FP_EIO/FP_EBUSY when the database cannot be opened;
 * FP_ENOTFOUND when it is not migrated (registry_new).
 */
enum fp_err registry_consumer_new(const struct cfg *cfg,
    struct mqtt_client *mc, const struct svc_ctx *ctx,
    struct registry_consumer **out);
void registry_consumer_free(struct registry_consumer *rc);

/* The mqtt_message_fn: registry_consumer_handle, logging other topics
 * at debug level.  ctx is the consumer.  Returns *is_done. */
bool registry_consumer_on_message(void *ctx, const char *topic,
    const char *payload, size_t len, bool is_oversized);

/* A snapshot of the counters; any thread. */
void registry_consumer_stats(struct registry_consumer *rc,
    struct registry_consumer_stats *out);

/* Subscribe to the registry topics (on every MQTT_EV_CONNECTED). */
enum fp_err registry_consumer_subscribe(struct registry_consumer *rc);

/*
 * Whether `topic` is one of ours; if so, apply or reject the message.
 * An oversized message (is_oversized; payload NULL) is rejected.  One
 * the database will not take yet is held and tried again until it is
 * stored; *is_done is false only when the bridge stopped meanwhile
 * (mqtt_client_hold), and the message must not be acknowledged.  On
 * Paho's receive thread only.
 */
bool registry_consumer_handle(struct registry_consumer *rc,
    const char *topic, const char *payload, size_t len, bool is_oversized,
    bool *is_done);

#endif
