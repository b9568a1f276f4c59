/*
 * mqtt_client.c: the Paho MQTTAsync wrapper (see mqtt_client.h).  Paho's
 * callbacks only append to a mutex-protected queue; connecting, the
 * version fallback, the status publishes and the first-connect retry
 * run on the owner thread inside mqtt_client_next.  Once connected,
 * Paho's own automatic reconnect (1 s doubling to 60 s) takes over.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <MQTTAsync.h>

#include "log.h"
#include "mqtt_client.h"

#define MQTT_BACKOFF_MAX_S 60
#define MQTT_QUEUE_MAX_MESSAGES 1000
#define MQTT_SESSION_EXPIRY_S (7 * 24 * 3600)
#define MQTT_TOPIC_MAX 512
#define MQTT_MAX_QUEUED 4096
/* Until a version 5 CONNACK tells the broker's Receive Maximum, assume
 * mosquitto's default. */
#define MQTT_DEFAULT_SEND_QUOTA 20

enum {
	EV_PUBLIC,		/* an mqtt_event for the caller */
	EV_CONNECT_FAILED,	/* connect attempt failed; `code` says why */
};

struct qnode {
	struct qnode	*next;
	int		 internal;
	int		 code;	/* EV_CONNECT_FAILED: is a version refusal;
				 * MQTT_EV_CONNECTED: Receive Maximum, or 0 */
	struct mqtt_event ev;
};

struct mqtt_client {
	const struct cfg *cfg;		/* borrowed */
	MQTTAsync	 h;
	size_t		 max_payload;
	char		 status_topic[MQTT_TOPIC_MAX];
	bool		 is_v311;	/* fell back from MQTT 5 */
	bool		 is_connected;
	bool		 has_connected;	/* once: Paho reconnects from then */
	bool		 is_connecting;
	int		 backoff_s;
	int		 send_quota;	/* broker's Receive Maximum */
	int64_t		 retry_at_ms;
	uint64_t	 reconnects;

	pthread_mutex_t	 mu;	/* guards the queue below */
	pthread_cond_t	 cv;
	struct qnode	*head, *tail;
	size_t		 n_messages;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append a node (or drop it when out of memory: the state it reports is
 * recovered by the next connect or resend). */
static void
push(struct mqtt_client *mc, int internal, int code,
    enum mqtt_event_kind kind, int token)
{
	struct qnode *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return;
	n->internal = internal;
	n->code = code;
	n->ev.kind = kind;
	n->ev.token = token;
	pthread_mutex_lock(&mc->mu);
	if (mc->tail != NULL)
		mc->tail->next = n;
	else
		mc->head = n;
	mc->tail = n;
	pthread_cond_signal(&mc->cv);
	pthread_mutex_unlock(&mc->mu);
}

static void
on_connection_lost(void *ctx, char *cause)
{
	(void)cause;
	push(ctx, EV_PUBLIC, 0, MQTT_EV_LOST, 0);
}

static void
on_connected(void *ctx, char *cause)
{
	(void)cause;
	push(ctx, EV_PUBLIC, 0, MQTT_EV_CONNECTED, 0);
}

static int
on_message(void *ctx, char *topic, int topic_len, MQTTAsync_message *m)
{
	struct mqtt_client *mc = ctx;
	struct qnode *n;
	size_t tlen = topic_len > 0 ? (size_t)topic_len : strlen(topic);

	pthread_mutex_lock(&mc->mu);
	if (mc->n_messages >= MQTT_QUEUE_MAX_MESSAGES) {
		/* Not taken: Paho offers it again later (back pressure). */
		pthread_mutex_unlock(&mc->mu);
		return 0;
	}
	pthread_mutex_unlock(&mc->mu);
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return 0;
	n->ev.kind = MQTT_EV_MESSAGE;
	n->ev.topic = malloc(tlen + 1);
	if (n->ev.topic == NULL)
		goto fail;
	memcpy(n->ev.topic, topic, tlen);
	n->ev.topic[tlen] = '\0';
	if (m->payloadlen < 0 || (size_t)m->payloadlen > mc->max_payload) {
		n->ev.is_oversized = true;
	} else {
		n->ev.len = (size_t)m->payloadlen;
		n->ev.payload = malloc(n->ev.len + 1);
		if (n->ev.payload == NULL)
			goto fail;
		if (n->ev.len > 0)
			memcpy(n->ev.payload, m->payload, n->ev.len);
		n->ev.payload[n->ev.len] = '\0';
	}
	pthread_mutex_lock(&mc->mu);
	if (mc->tail != NULL)
		mc->tail->next = n;
	else
		mc->head = n;
	mc->tail = n;
	mc->n_messages++;
	pthread_cond_signal(&mc->cv);
	pthread_mutex_unlock(&mc->mu);
	MQTTAsync_freeMessage(&m);
	MQTTAsync_free(topic);
	return 1;
fail:
	mqtt_event_cleanup(&n->ev);
	free(n);
	return 0;
}

static void
on_connect_ok(void *ctx, MQTTAsync_successData *r)
{
	(void)r;
	push(ctx, EV_PUBLIC, 0, MQTT_EV_CONNECTED, 0);
}

static void
on_connect_ok5(void *ctx, MQTTAsync_successData5 *r)
{
	int quota = 65535;	/* the MQTT 5 default when absent */

	if (r != NULL && MQTTProperties_hasProperty(&r->properties,
	    MQTTPROPERTY_CODE_RECEIVE_MAXIMUM))
		quota = MQTTProperties_getNumericValue(&r->properties,
		    MQTTPROPERTY_CODE_RECEIVE_MAXIMUM);
	push(ctx, EV_PUBLIC, quota > 0 ? quota : 65535, MQTT_EV_CONNECTED, 0);
}

static void
on_connect_fail(void *ctx, MQTTAsync_failureData *r)
{
	push(ctx, EV_CONNECT_FAILED, r != NULL ? r->code : 0, MQTT_EV_LOST,
	    0);
}

static void
on_connect_fail5(void *ctx, MQTTAsync_failureData5 *r)
{
	/* A 3.1.1 broker answers a version 5 CONNECT with return code 1
	 * (unacceptable protocol version); a version 5 broker that will
	 * not speak 5 says 0x84. */
	int is_version = r != NULL && (r->reasonCode ==
	    MQTTREASONCODE_UNSUPPORTED_PROTOCOL_VERSION ||
	    r->reasonCode == 1 || r->code == 1);

	push(ctx, EV_CONNECT_FAILED, is_version ? 1 : 0, MQTT_EV_LOST, 0);
}

static void
on_publish_ok(void *ctx, MQTTAsync_successData *r)
{
	push(ctx, EV_PUBLIC, 0, MQTT_EV_PUBACK, r->token);
}

static void
on_publish_ok5(void *ctx, MQTTAsync_successData5 *r)
{
	push(ctx, EV_PUBLIC, 0, MQTT_EV_PUBACK, r->token);
}

static void
on_publish_fail(void *ctx, MQTTAsync_failureData *r)
{
	push(ctx, EV_PUBLIC, 0, MQTT_EV_PUBFAIL, r != NULL ? r->token : 0);
}

static void
on_publish_fail5(void *ctx, MQTTAsync_failureData5 *r)
{
	push(ctx, EV_PUBLIC, 0, MQTT_EV_PUBFAIL, r != NULL ? r->token : 0);
}

/* Create the Paho handle for the current protocol version. */
static enum fp_err
create_handle(struct mqtt_client *mc)
{
	MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer5;
	int rc;

	if (mc->is_v311)
		co.MQTTVersion = MQTTVERSION_3_1_1;
	/* Paho refuses commands beyond this many queued (default 100) and
	 * then idles its send thread for a second: room for the relay's
	 * whole window plus status and error reports. */
	co.maxBufferedMessages = MQTT_MAX_QUEUED;
	rc = MQTTAsync_createWithOptions(&mc->h, mc->cfg->mqtt.uri,
	    mc->cfg->mqtt.client_id, MQTTCLIENT_PERSISTENCE_NONE, NULL, &co);
	if (rc != MQTTASYNC_SUCCESS) {
		log_error("mqtt.create uri=%s error=\"%s\"", mc->cfg->mqtt.uri,
		    MQTTAsync_strerror(rc));
		mc->h = NULL;
		return FP_ECONFIG;
	}
	rc = MQTTAsync_setCallbacks(mc->h, mc, on_connection_lost, on_message,
	    NULL);
	if (rc == MQTTASYNC_SUCCESS)
		rc = MQTTAsync_setConnected(mc->h, mc, on_connected);
	if (rc != MQTTASYNC_SUCCESS) {
		log_error("mqtt.callbacks error=\"%s\"",
		    MQTTAsync_strerror(rc));
		MQTTAsync_destroy(&mc->h);
		mc->h = NULL;
		return FP_ECONFIG;
	}
	return FP_OK;
}

/* Start one connect attempt; its outcome arrives as an event. */
static void
start_connect(struct mqtt_client *mc)
{
	MQTTAsync_connectOptions o = MQTTAsync_connectOptions_initializer5;
	MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;
	MQTTProperties props = MQTTProperties_initializer;
	MQTTProperty expiry;
	const struct cfg *cfg = mc->cfg;
	int rc;

	will.topicName = mc->status_topic;
	will.payload.data = "offline";
	will.payload.len = 7;
	will.retained = 1;
	will.qos = 1;
	o.will = &will;
	o.keepAliveInterval = 30;
	o.automaticReconnect = 1;
	o.minRetryInterval = 1;
	o.maxRetryInterval = MQTT_BACKOFF_MAX_S;
	o.maxInflight = 65535;
	o.connectTimeout = 10;
	o.context = mc;
	if (cfg->mqtt.username != NULL && *cfg->mqtt.username != '\0')
		o.username = cfg->mqtt.username;
	if (cfg->mqtt.password != NULL && *cfg->mqtt.password != '\0')
		o.password = cfg->mqtt.password;
	if (mc->is_v311) {
		o.MQTTVersion = MQTTVERSION_3_1_1;
		o.cleansession = 0;
		o.cleanstart = 0;
		o.onSuccess = on_connect_ok;
		o.onFailure = on_connect_fail;
	} else {
		o.MQTTVersion = MQTTVERSION_5;
		o.cleanstart = 0;
		o.cleansession = 0;
		expiry.identifier = MQTTPROPERTY_CODE_SESSION_EXPIRY_INTERVAL;
		expiry.value.integer4 = MQTT_SESSION_EXPIRY_S;
		MQTTProperties_add(&props, &expiry);
		o.connectProperties = &props;
		o.onSuccess5 = on_connect_ok5;
		o.onFailure5 = on_connect_fail5;
	}
	rc = MQTTAsync_connect(mc->h, &o);
	MQTTProperties_free(&props);
	if (rc != MQTTASYNC_SUCCESS) {
		log_warnx("mqtt.connect uri=%s error=\"%s\"", cfg->mqtt.uri,
		    MQTTAsync_strerror(rc));
		push(mc, EV_CONNECT_FAILED, 0, MQTT_EV_LOST, 0);
		return;
	}
	mc->is_connecting = true;
}

enum fp_err
mqtt_client_new(const struct cfg *cfg, size_t max_payload,
    struct mqtt_client **out)
{
	struct mqtt_client *mc;
	enum fp_err err;
	int n;

	*out = NULL;
	mc = calloc(1, sizeof(*mc));
	if (mc == NULL)
		return FP_ENOMEM;
	mc->cfg = cfg;
	mc->max_payload = max_payload;
	mc->backoff_s = 1;
	mc->send_quota = MQTT_DEFAULT_SEND_QUOTA;
	pthread_mutex_init(&mc->mu, NULL);
	pthread_cond_init(&mc->cv, NULL);
	n = snprintf(mc->status_topic, sizeof(mc->status_topic), "%s/status/%s",
	    cfg->mqtt.topic_root, cfg->node_id);
	if (n < 0 || (size_t)n >= sizeof(mc->status_topic)) {
		err = FP_ECONFIG;
		goto fail;
	}
	err = create_handle(mc);
	if (err != FP_OK)
		goto fail;
	start_connect(mc);
	*out = mc;
	return FP_OK;
fail:
	pthread_cond_destroy(&mc->cv);
	pthread_mutex_destroy(&mc->mu);
	free(mc);
	return err;
}

static struct qnode *
pop(struct mqtt_client *mc, int timeout_ms)
{
	struct timespec until;
	struct qnode *n;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&mc->mu);
	while (mc->head == NULL && timeout_ms > 0) {
		if (pthread_cond_timedwait(&mc->cv, &mc->mu, &until) != 0)
			break;
	}
	n = mc->head;
	if (n != NULL) {
		mc->head = n->next;
		if (mc->head == NULL)
			mc->tail = NULL;
		if (n->ev.kind == MQTT_EV_MESSAGE && n->internal == EV_PUBLIC)
			mc->n_messages--;
	}
	pthread_mutex_unlock(&mc->mu);
	return n;
}

/* A connect attempt failed: fall back to 3.1.1 or wait and retry. */
static void
connect_failed(struct mqtt_client *mc, int is_version_refusal)
{
	mc->is_connecting = false;
	if (mc->has_connected)
		return;		/* Paho's automatic reconnect is at work */
	if (is_version_refusal && !mc->is_v311) {
		log_warnx("mqtt.fallback uri=%s from=5 to=3.1.1",
		    mc->cfg->mqtt.uri);
		MQTTAsync_destroy(&mc->h);
		mc->h = NULL;
		mc->is_v311 = true;
		mc->send_quota = 65535;	/* 3.1.1 has no flow control */
		if (create_handle(mc) == FP_OK)
			start_connect(mc);
		return;
	}
	log_warnx("mqtt.connect_failed uri=%s retry_in_s=%d",
	    mc->cfg->mqtt.uri, mc->backoff_s);
	mc->retry_at_ms = now_ms() + (int64_t)mc->backoff_s * 1000;
	mc->backoff_s *= 2;
	if (mc->backoff_s > MQTT_BACKOFF_MAX_S)
		mc->backoff_s = MQTT_BACKOFF_MAX_S;
}

bool
mqtt_client_next(struct mqtt_client *mc, int timeout_ms,
    struct mqtt_event *ev)
{
	struct qnode *n;
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		int64_t left = deadline - now_ms();

		if (mc->h != NULL && !mc->has_connected && !mc->is_connecting &&
		    mc->retry_at_ms != 0 && now_ms() >= mc->retry_at_ms) {
			mc->retry_at_ms = 0;
			start_connect(mc);
		}
		n = pop(mc, left > 0 ? (int)left : 0);
		if (n == NULL)
			return false;
		if (n->internal == EV_CONNECT_FAILED) {
			connect_failed(mc, n->code);
			free(n);
			continue;
		}
		if (n->ev.kind == MQTT_EV_CONNECTED) {
			if (n->code > 0)
				mc->send_quota = n->code;
			if (mc->is_connected) {
				free(n);
				continue;	/* both callbacks told us */
			}
			mc->is_connected = true;
			mc->is_connecting = false;
			mc->has_connected = true;
			mc->backoff_s = 1;
			log_info("mqtt.connected uri=%s version=%s",
			    mc->cfg->mqtt.uri, mc->is_v311 ? "3.1.1" : "5");
			if (mqtt_client_publish(mc, mc->status_topic, "online",
			    6, true, NULL) != FP_OK)
				log_warnx("mqtt.status topic=%s error=\"not "
				    "published\"", mc->status_topic);
		} else if (n->ev.kind == MQTT_EV_LOST) {
			if (!mc->is_connected) {
				free(n);
				continue;
			}
			mc->is_connected = false;
			mc->reconnects++;
			log_warnx("mqtt.lost uri=%s", mc->cfg->mqtt.uri);
		}
		*ev = n->ev;
		free(n);
		return true;
	}
}

void
mqtt_event_cleanup(struct mqtt_event *ev)
{
	free(ev->topic);
	free(ev->payload);
	ev->topic = NULL;
	ev->payload = NULL;
}

bool
mqtt_client_is_connected(const struct mqtt_client *mc)
{
	return mc->is_connected;
}

int
mqtt_client_send_quota(const struct mqtt_client *mc)
{
	return mc->send_quota;
}

uint64_t
mqtt_client_reconnects(const struct mqtt_client *mc)
{
	return mc->reconnects;
}

enum fp_err
mqtt_client_publish(struct mqtt_client *mc, const char *topic,
    const void *payload, size_t len, bool is_retained, int *token)
{
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	MQTTAsync_message m = MQTTAsync_message_initializer;
	int rc;

	if (!mc->is_connected || mc->h == NULL || len > INT32_MAX)
		return FP_EBUSY;
	ro.context = mc;
	if (mc->is_v311) {
		ro.onSuccess = on_publish_ok;
		ro.onFailure = on_publish_fail;
	} else {
		ro.onSuccess5 = on_publish_ok5;
		ro.onFailure5 = on_publish_fail5;
	}
	m.payload = (void *)(uintptr_t)payload;
	m.payloadlen = (int)len;
	m.qos = 1;
	m.retained = is_retained ? 1 : 0;
	rc = MQTTAsync_sendMessage(mc->h, topic, &m, &ro);
	if (rc != MQTTASYNC_SUCCESS)
		return FP_EBUSY;
	if (token != NULL)
		*token = ro.token;
	return FP_OK;
}

enum fp_err
mqtt_client_subscribe(struct mqtt_client *mc, char *const *topics,
    size_t n)
{
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	int qos[16];
	size_t i;
	int rc;

	if (n == 0 || n > 16 || mc->h == NULL)
		return FP_EINVAL;
	for (i = 0; i < n; i++)
		qos[i] = 1;
	rc = MQTTAsync_subscribeMany(mc->h, (int)n, (char *const *)topics, qos,
	    &ro);
	if (rc != MQTTASYNC_SUCCESS) {
		log_warnx("mqtt.subscribe error=\"%s\"",
		    MQTTAsync_strerror(rc));
		return FP_EBUSY;
	}
	return FP_OK;
}

void
mqtt_client_free(struct mqtt_client *mc)
{
	MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer;
	struct mqtt_event ev;
	struct qnode *n;
	int64_t deadline;
	int token = 0;

	if (mc == NULL)
		return;
	if (mc->h != NULL && mc->is_connected &&
	    mqtt_client_publish(mc, mc->status_topic, "offline", 7, true,
	    &token) == FP_OK) {
		/* Wait briefly for the broker to take "offline". */
		deadline = now_ms() + 2000;
		while (now_ms() < deadline && mqtt_client_next(mc, 100, &ev)) {
			bool is_done = (ev.kind == MQTT_EV_PUBACK ||
			    ev.kind == MQTT_EV_PUBFAIL) && ev.token == token;

			mqtt_event_cleanup(&ev);
			if (is_done || ev.kind == MQTT_EV_LOST)
				break;
		}
	}
	if (mc->h != NULL) {
		d.timeout = 1000;
		if (mc->is_v311)
			d.struct_version = 0;
		else
			d.struct_version = 1;
		MQTTAsync_disconnect(mc->h, &d);
		MQTTAsync_destroy(&mc->h);
	}
	for (n = pop(mc, 0); n != NULL; n = pop(mc, 0)) {
		mqtt_event_cleanup(&n->ev);
		free(n);
	}
	pthread_cond_destroy(&mc->cv);
	pthread_mutex_destroy(&mc->mu);
	free(mc);
}
