/*
 * mqtt_client.h: the bridge's MQTT connection over the Paho asynchronous
 * C client.  It connects with MQTT 5 (falling back to 3.1.1 when the
 * broker refuses version 5), keeps a persistent session, logs in with
 * mqtt.username/password when set, leaves a retained "offline" Last Will
 * on <root>/status/<node> and publishes a retained "online" there on
 * every connect, and reconnects with a growing backoff.
 *
 * With an ssl://, mqtts:// or wss:// uri it speaks TLS, verifying the
 * broker's certificate and host name against mqtt.ca_file (or the
 * system's CA store) and presenting mqtt.cert_file/key_file when set.
 *
 * Paho calls back on its own threads.  Connection changes and publish
 * acknowledgements are only queued under a mutex, and the one thread
 * that owns the client takes them with mqtt_client_next.  Incoming
 * messages are different: they go straight to the handler set with
 * mqtt_client_on_message, on Paho's receive thread, because Paho sends
 * the PUBACK of a QoS 1 message as soon as that callback returns: a
 * message is acknowledged only after its handler has finished (for the
 * registry: committed), so a crash before that leaves it with the broker,
 * which delivers it again.  Paho 1.3 has no other way to withhold an
 * acknowledgement (a callback that returns 0 only parks the message in
 * Paho's memory, and the PUBACK goes all the same), so a handler that
 * cannot store a message yet holds on to it there (mqtt_client_hold).
 * Nothing here touches the database or knows topics beyond the status
 * topic: event_relay and registry_consumer do.
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
};

struct mqtt_event {
	enum mqtt_event_kind kind;
	int	 token;
};

struct mqtt_client;

/*
 * The handler of incoming messages, called on Paho's receive thread, one
 * message at a time, before the message is acknowledged.  `payload` is
 * NUL-terminated (len bytes before the NUL) and borrowed for the call;
 * it is NULL with is_oversized when the message was longer than the
 * client's max_payload.
 *
 * It returns true when it is done with the message (applied, a
 * duplicate, or refused for good), which is then acknowledged.  One
 * that cannot store a message for a passing reason (its database full,
 * failing or busy) keeps it: it waits in mqtt_client_hold and tries
 * again, for as long as it takes.  Meanwhile no other message arrives
 * and nothing is published (Paho's threads wait), and after one and a
 * half keep-alive intervals the broker closes the connection; once the
 * handler is done, Paho reconnects and the broker delivers the message
 * again, which the handler must recognise as a duplicate.  It returns
 * false only when mqtt_client_hold said the client is stopping: the
 * message is then never acknowledged (see mqtt_client_free), and the
 * broker delivers it at the next start.
 */
typedef bool mqtt_message_fn(void *ctx, const char *topic,
    const char *payload, size_t len, bool is_oversized);

/*
 * A client for cfg's mqtt section and node_id (borrowed; must outlive
 * the client); it does not connect before mqtt_client_start.  Incoming
 * messages longer than max_payload bytes reach the handler without
 * their payload.  FP_ENOMEM; FP_ECONFIG when Paho refuses the URI or a
 * TLS file cannot be read (logged).
 */
enum fp_err mqtt_client_new(const struct cfg *cfg, size_t max_payload,
    struct mqtt_client **out);

/* Set the message handler (ctx borrowed); before mqtt_client_start. */
void mqtt_client_on_message(struct mqtt_client *mc, mqtt_message_fn *fn,
    void *ctx);

/* Start connecting; a broker that is down is not an error (retried with
 * backoff, and each refusal logged with its reason). */
void mqtt_client_start(struct mqtt_client *mc);

/*
 * For a message handler holding a message it could not store yet (see
 * mqtt_message_fn): wait ms milliseconds, or less once the client is
 * stopping.  False when it is stopping: the handler gives the message
 * up (returns false).  Paho's receive thread only.
 */
bool mqtt_client_hold(struct mqtt_client *mc, int ms);

/*
 * Stop: let a handler at work finish its message (one holding a
 * message gives it up), publish "offline" (retained), disconnect within
 * about two seconds and free; the message handler is not called after
 * this returns.  When a handler gave a message up, Paho's receive
 * thread must never return to Paho (it would acknowledge the message):
 * it waits for the process's exit, and the client is left allocated
 * and its connection open, to be dropped by the exit (the broker keeps
 * the message and publishes the Last Will); the caller should exit
 * soon.  mqtt_client_free(NULL) is a no-op.
 */
void mqtt_client_free(struct mqtt_client *mc);

/*
 * Wait up to timeout_ms for the next event; true with *ev filled, false
 * on timeout.  Also retries a failed first connect when its backoff has
 * passed.  Owner thread only.
 */
bool mqtt_client_next(struct mqtt_client *mc, int timeout_ms,
    struct mqtt_event *ev);

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
 * Publish payload[len] at QoS 1, not retained, without a token: for the
 * message handler (Paho's thread), e.g. to report a rejected message.
 * FP_EBUSY: Paho would not take it.
 */
enum fp_err mqtt_client_report(struct mqtt_client *mc, const char *topic,
    const void *payload, size_t len);

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
