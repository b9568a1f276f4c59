/*
 * registry_consumer.h: registry records arriving over MQTT (SPEC
 * section 5).  Topics <root>/registry/{households,members,cadres,
 * enrollments,trainings,payments}, with a $share/<group>/ prefix when
 * mqtt.shared_group is set.  A message is {"event_id","op":"upsert"|
 * "delete","records":[{...}]} or one bare record with an event_id (an
 * upsert of one); record fields are the CSV columns of SPEC section 9,
 * as strings or numbers.
 *
 * Each message is applied in one transaction through registry_upsert /
 * registry_delete (the CSV import's functions) and recorded in
 * processed_messages under its event_id, so a redelivery changes
 * nothing.  A message that fails validation changes nothing either: it
 * is reported on <root>/errors as {"topic","event_id","error"} and
 * dropped.  Runs on the bridge thread that owns `st`.
 */
#ifndef FP_REGISTRY_CONSUMER_H
#define FP_REGISTRY_CONSUMER_H

#include <stdbool.h>
#include <stddef.h>

#include "cfg.h"
#include "err.h"
#include "mqtt_client.h"
#include "store.h"

/* Largest payload accepted; larger ones are rejected unread. */
#define REGISTRY_CONSUMER_MAX_PAYLOAD (256 * 1024)

struct registry_consumer;

/*
 * A consumer on st and mc (borrowed; must outlive it) for cfg's topic
 * root and shared group (copied).  FP_ENOMEM; FP_ENOTFOUND when the
 * database is not migrated (registry_new).
 */
enum fp_err registry_consumer_new(struct store *st, struct mqtt_client *mc,
    const struct cfg *cfg, struct registry_consumer **out);
void registry_consumer_free(struct registry_consumer *rc);

/* Subscribe to the registry topics (on every MQTT_EV_CONNECTED). */
enum fp_err registry_consumer_subscribe(struct registry_consumer *rc);

/*
 * Whether `topic` is one of ours; if so, apply or reject the message.
 * An oversized message (is_oversized; payload NULL) is rejected.
 */
bool registry_consumer_handle(struct registry_consumer *rc,
    const char *topic, const char *payload, size_t len, bool is_oversized);

#endif
