/*
 * mqtt_client.h: the bridge's MQTT connection over the Paho asynchronous
 * C client.  It connects with MQTT 5 (falling back to 3.1.1 when the
 * broker refuses version 5), keeps a persistent session, logs in with
 * mqtt.username/password when set, leaves a retained "offline" Last Will
 * on <root>/status/<node> and publishes a retained "online" there on
 * every connect, and reconnects with a growing backoff.
 *
 * Paho calls back on its own threads; this module only queues what they
 * report (connected, lost, acknowledged, message arrived) under a mutex,
 * and the one thread that owns the client takes the events with
 * mqtt_client_next.  Nothing here touches the database or knows topics
 * beyond the status topic: event_relay and registry_consumer do.
 */
#ifndef FP_MQTT_CLIENT_H
#define FP_MQTT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "err.h"

enum mqtt_event_kind {
	MQTT_EV_CONNECTED,	/* (re)connected; status published */
	MQTT_EV_LOST,		/* connection lost; Paho reconnects */
	MQTT_EV_PUBACK,		/* publish `token` acknowledged (QoS 1) */
	MQTT_EV_PUBFAIL,	/* publish `token` failed */
	MQTT_EV_MESSAGE,	/* a message arrived: topic, payload */
};

struct mqtt_event {
	enum mqtt_event_kind kind;
	int	 token;
	char	*topic;		/* MESSAGE: owned, mqtt_event_cleanup */
	char	*payload;	/* MESSAGE: owned, NUL-terminated */
	size_t	 len;		/* payload bytes, without the NUL */
	bool	 is_oversized;	/* payload over max_payload: not copied */
};

struct mqtt_client;

/*
 * A client for cfg's mqtt section and node_id (borrowed; must outlive
 * the client).  Incoming messages longer than max_payload bytes are
 * reported with is_oversized and no payload.  Starts connecting at
 * once; a broker that is down is not an error (retried with backoff).
 * FP_ENOMEM, FP_ECONFIG (Paho refused the URI or options; logged).
 */
enum fp_err mqtt_client_new(const struct cfg *cfg, size_t max_payload,
    struct mqtt_client **out);

/*
 * Publish "offline" (retained), disconnect within about two seconds and
 * free; mqtt_client_free(NULL) is a no-op.
 */
void mqtt_client_free(struct mqtt_client *mc);

/*
 * Wait up to timeout_ms for the next event; true with *ev filled (the
 * caller calls mqtt_event_cleanup), false on timeout.  Also retries a
 * failed first connect when its backoff has passed.  Owner thread only.
 */
bool mqtt_client_next(struct mqtt_client *mc, int timeout_ms,
    struct mqtt_event *ev);
void mqtt_event_cleanup(struct mqtt_event *ev);

/* Whether the client is connected now (as far as events have told). */
bool mqtt_client_is_connected(const struct mqtt_client *mc);

/*
 * Publish payload[len] at QoS 1 on `topic`.  *token (when not NULL)
 * names the publish in a later MQTT_EV_PUBACK or MQTT_EV_PUBFAIL.
 * FP_EBUSY: not connected or Paho's queue is full; nothing was sent.
 */
enum fp_err mqtt_client_publish(struct mqtt_client *mc, const char *topic,
    const void *payload, size_t len, bool is_retained, int *token);

/*
 * Subscribe to `topics` at QoS 1.  Call on MQTT_EV_CONNECTED (a
 * persistent session keeps them, but a new session would not).
 */
enum fp_err mqtt_client_subscribe(struct mqtt_client *mc,
    char *const *topics, size_t n);

/*
 * How many QoS 1 publishes may be unacknowledged at once: the broker's
 * Receive Maximum (MQTT 5; 20 until the first CONNACK says).  Paho
 * 1.3.12 does not resume sending when an ack frees a slot of that
 * quota, so the relay never queues more than this.
 */
int mqtt_client_send_quota(const struct mqtt_client *mc);

/* Connections lost since start. */
uint64_t mqtt_client_reconnects(const struct mqtt_client *mc);

#endif
