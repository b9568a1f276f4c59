/*
 * mqtt_client.c: the Paho MQTTAsync wrapper (see mqtt_client.h).  Paho's
 * callbacks only append to a mutex-protected queue, except the message
 * callback, which runs the handler there and then (Paho 1.3 calls it
 * before it sends the PUBACK, as long as its own queue of undelivered
 * messages is empty, which it stays because we never return 0 for a
 * message we could read).  Connecting, the version fallback, the status
 * publishes and the first-connect retry run on the owner thread inside
 * mqtt_client_next.  Once connected, Paho's own automatic reconnect (1 s
 * doubling to 60 s) takes over.
 *
 * Stopping while a handler holds a message it could not store: the
 * handler gives it up, and the receive thread then waits in park() for
 * the process's exit instead of returning to Paho, which would send
 * the PUBACK; mqtt_client_free sees that and leaves the client (and
 * Paho, whose lock that thread holds) to the exit.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <MQTTAsync.h>

#include "log.h"
#include "mqtt_client.h"

#define MQTT_BACKOFF_MAX_S 60
#define MQTT_REASON_MAX 160
#define MQTT_SESSION_EXPIRY_S (7 * 24 * 3600)
#define MQTT_TOPIC_MAX 512
#define MQTT_MAX_QUEUED 4096
/* Until a version 5 CONNACK tells the broker's Receive Maximum, assume
 * mosquitto's default. */
#define MQTT_DEFAULT_SEND_QUOTA 20

enum {
	EV_PUBLIC,		/* an mqtt_event for the caller */
	EV_CONNECT_FAILED,	/* connect attempt failed; `code` says why */
	EV_DISCONNECTED,	/* mqtt_client_free's disconnect is done */
};

/* Why a connect attempt failed. */
enum refusal {
	REFUSED_OTHER,		/* network, TLS, broker unavailable ... */
	REFUSED_VERSION,	/* the broker will not speak MQTT 5 */
	REFUSED_AUTH,		/* bad user name or password, not authorized */
};

struct qnode {
	struct qnode	*next;
	int		 internal;
	int		 code;	/* EV_CONNECT_FAILED: enum refusal;
				 * MQTT_EV_CONNECTED: Receive Maximum, or 0 */
	char		 reason[MQTT_REASON_MAX];  /* EV_CONNECT_FAILED */
	struct mqtt_event ev;
};

struct mqtt_client {
	const struct cfg *cfg;		/* borrowed */
	MQTTAsync	 h;
	size_t		 max_payload;
	char		 status_topic[MQTT_TOPIC_MAX];
	bool		 is_v311;	/* fell back from MQTT 5 */
	bool		 is_tls;	/* ssl://, mqtts:// or wss:// */
	mqtt_message_fn	*on_msg;	/* set before start; then read-only */
	void		*on_msg_ctx;
	bool		 is_connected;
	bool		 has_connected;	/* once: Paho reconnects from then */
	bool		 is_connecting;
	int		 backoff_s;
	int		 send_quota;	/* broker's Receive Maximum */
	int64_t		 retry_at_ms;
	uint64_t	 reconnects;
	int		 sub_count;	/* topics of the last subscribe */

	pthread_mutex_t	 mu;	/* guards the queue and the flags below */
	pthread_cond_t	 cv;
	struct qnode	*head, *tail;
	pthread_cond_t	 hold_cv;	/* CLOCK_MONOTONIC: mqtt_client_hold
					 * and mqtt_client_free wait here */
	bool		 is_stopping;	/* mqtt_client_free has begun */
	bool		 is_closing;	/* ... and destroys Paho next */
	bool		 in_handler;	/* a message is being handled */
	bool		 is_parked;	/* one was given up: park() */
};

/* A client left to the process's exit (mqtt_client_free): kept
 * reachable, so that leak checkers do not call it lost. */
static struct mqtt_client *abandoned;

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
push_reason(struct mqtt_client *mc, int internal, int code,
    enum mqtt_event_kind kind, int token, const char *reason)
{
	struct qnode *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return;
	n->internal = internal;
	n->code = code;
	n->ev.kind = kind;
	n->ev.token = token;
	if (reason != NULL)
		snprintf(n->reason, sizeof(n->reason), "%s", reason);
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
push(struct mqtt_client *mc, int internal, int code,
    enum mqtt_event_kind kind, int token)
{
	push_reason(mc, internal, code, kind, token, NULL);
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

/*
 * A message given up while stopping (mu held, is_parked set): never
 * return to Paho, which would acknowledge it.  This thread waits here until the process
 * exits; the broker delivers the message again to the next connection.
 */
static _Noreturn void
park(struct mqtt_client *mc)
{
	for (;;)
		pthread_cond_wait(&mc->hold_cv, &mc->mu);
}

/*
 * Paho's receive thread: hand the message to the handler and only then
 * return 1, after which Paho sends the PUBACK.  Returning 0 would not
 * hold the PUBACK back, only park the message in Paho's memory, so the
 * one case that does (no memory for the copy) loses nothing a crash
 * would not.  A handler that gave the message up (false: we are
 * stopping) never returns: park().
 */
static int
on_message(void *ctx, char *topic, int topic_len, MQTTAsync_message *m)
{
	struct mqtt_client *mc = ctx;
	size_t tlen = topic_len > 0 ? (size_t)topic_len : strlen(topic);
	char *t = NULL, *payload = NULL;
	size_t len = 0;
	bool is_oversized = false, is_done = true, is_parking = false;

	t = malloc(tlen + 1);
	if (t == NULL)
		return 0;
	memcpy(t, topic, tlen);
	t[tlen] = '\0';
	if (m->payloadlen < 0 || (size_t)m->payloadlen > mc->max_payload) {
		is_oversized = true;
	} else {
		len = (size_t)m->payloadlen;
		payload = malloc(len + 1);
		if (payload == NULL) {
			free(t);
			return 0;
		}
		if (len > 0)
			memcpy(payload, m->payload, len);
		payload[len] = '\0';
	}
	if (mc->on_msg != NULL) {
		pthread_mutex_lock(&mc->mu);
		mc->in_handler = true;
		pthread_mutex_unlock(&mc->mu);
		is_done = mc->on_msg(mc->on_msg_ctx, t, payload, len,
		    is_oversized);
		pthread_mutex_lock(&mc->mu);
		mc->in_handler = false;
		is_parking = !is_done && !mc->is_closing;
		/* Said under mu, which we keep until park() waits: then
		 * mqtt_client_free never sees us done but not parked. */
		mc->is_parked = is_parking;
		pthread_cond_broadcast(&mc->hold_cv);
		if (!is_parking)
			pthread_mutex_unlock(&mc->mu);
		if (is_parking)
			log_warnx("mqtt.held topic=%s action=\"left "
			    "unacknowledged with the broker\"", t);
		else if (!is_done)
			/* Only when Paho did not let go of the connection
			 * within mqtt_client_free's wait: its destroy waits
			 * for us. */
			log_error("mqtt.stop topic=%s error=\"a message not "
			    "stored was acknowledged\"", t);
	}
	free(t);
	free(payload);
	MQTTAsync_freeMessage(&m);
	MQTTAsync_free(topic);
	if (is_parking)
		park(mc);	/* mu held */
	return 1;
}

bool
mqtt_client_hold(struct mqtt_client *mc, int ms)
{
	struct timespec until;
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&mc->mu);
	while (!mc->is_stopping &&
	    pthread_cond_timedwait(&mc->hold_cv, &mc->mu, &until) == 0)
		continue;
	ok = !mc->is_stopping;
	pthread_mutex_unlock(&mc->mu);
	return ok;
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

/* The text of a failure Paho reports with a code and maybe a message. */
static const char *
failure_text(int code, const char *message)
{
	if (message != NULL && *message != '\0')
		return message;
	if (code == MQTTASYNC_FAILURE || code == 0)
		return "connection failed (broker unreachable, or TLS "
		    "handshake failed)";
	return MQTTAsync_strerror(code);
}

static void
on_connect_fail(void *ctx, MQTTAsync_failureData *r)
{
	/* 3.1.1: a refused CONNACK's return code comes as r->code. */
	static const char *const connack[] = { NULL,
	    "unacceptable protocol version", "identifier rejected",
	    "server unavailable", "bad user name or password",
	    "not authorized" };
	int code = r != NULL ? r->code : 0;
	enum refusal why = code == 1 ? REFUSED_VERSION : code == 4 ||
	    code == 5 ? REFUSED_AUTH : REFUSED_OTHER;

	push_reason(ctx, EV_CONNECT_FAILED, (int)why, MQTT_EV_LOST, 0,
	    code >= 1 && code <= 5 ? connack[code] : failure_text(code,
	    r != NULL ? r->message : NULL));
}

static void
on_connect_fail5(void *ctx, MQTTAsync_failureData5 *r)
{
	enum refusal why = REFUSED_OTHER;
	const char *text = NULL;
	int rc;

	if (r == NULL) {
		push_reason(ctx, EV_CONNECT_FAILED, (int)why, MQTT_EV_LOST, 0,
		    failure_text(0, NULL));
		return;
	}
	/* A refused CONNACK's reason code comes as r->code (Paho 1.3
	 * leaves r->reasonCode 0 there).  A 3.1.1 broker answers a
	 * version 5 CONNECT with return code 1 (unacceptable protocol
	 * version); a version 5 broker that will not speak 5 says 0x84. */
	rc = r->reasonCode >= 0x80 ? (int)r->reasonCode : r->code;
	if (rc == MQTTREASONCODE_UNSUPPORTED_PROTOCOL_VERSION || rc == 1)
		why = REFUSED_VERSION;
	else if (rc == MQTTREASONCODE_BAD_USER_NAME_OR_PASSWORD ||
	    rc == MQTTREASONCODE_NOT_AUTHORIZED ||
	    rc == MQTTREASONCODE_BAD_AUTHENTICATION_METHOD)
		why = REFUSED_AUTH;
	if (rc >= 0x80)
		text = MQTTReasonCode_toString((enum MQTTReasonCodes)rc);
	if (text == NULL)
		text = failure_text(r->code, r->message);
	push_reason(ctx, EV_CONNECT_FAILED, (int)why, MQTT_EV_LOST, 0, text);
}

/* OpenSSL's own words for a failed handshake (Paho's thread). */
static int
on_tls_error(const char *str, size_t len, void *u)
{
	struct mqtt_client *mc = u;

	while (len > 0 && (str[len - 1] == '\n' || str[len - 1] == '\r'))
		len--;
	log_warnx("mqtt.tls uri=%s error=\"%.*s\"", mc->cfg->mqtt.uri,
	    (int)(len > 300 ? 300 : len), str);
	return 0;
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
	MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
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
	if (mc->is_tls) {
		/* Verify the broker's chain and host name; no CA file means
		 * the system's store (Paho loads OpenSSL's default paths). */
		if (*cfg->mqtt.ca_file != '\0')
			ssl.trustStore = cfg->mqtt.ca_file;
		if (*cfg->mqtt.cert_file != '\0') {
			ssl.keyStore = cfg->mqtt.cert_file;
			ssl.privateKey = cfg->mqtt.key_file;
		}
		ssl.enableServerCertAuth = 1;
		ssl.verify = 1;
		ssl.sslVersion = MQTT_SSL_VERSION_TLS_1_2;
		ssl.ssl_error_cb = on_tls_error;
		ssl.ssl_error_context = mc;
		o.ssl = &ssl;
	}
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

/* The TLS files must be readable now: a typo is a config error, found
 * before READY rather than as a handshake failing forever. */
static enum fp_err
check_tls_files(const struct cfg *cfg)
{
	const char *const keys[] = { "ca_file", "cert_file", "key_file" };
	const char *const files[] = { cfg->mqtt.ca_file, cfg->mqtt.cert_file,
	    cfg->mqtt.key_file };
	enum fp_err err = FP_OK;
	size_t i;

	for (i = 0; i < 3; i++) {
		if (files[i] == NULL || *files[i] == '\0' ||
		    access(files[i], R_OK) == 0)
			continue;
		log_error("mqtt.tls_file key=mqtt.%s path=%s error=\"%s\"",
		    keys[i], files[i], strerror(errno));
		err = FP_ECONFIG;
	}
	return err;
}

enum fp_err
mqtt_client_new(const struct cfg *cfg, size_t max_payload,
    struct mqtt_client **out)
{
	struct mqtt_client *mc;
	pthread_condattr_t ca;
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
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&mc->hold_cv, &ca);
	pthread_condattr_destroy(&ca);
	n = snprintf(mc->status_topic, sizeof(mc->status_topic), "%s/status/%s",
	    cfg->mqtt.topic_root, cfg->node_id);
	if (n < 0 || (size_t)n >= sizeof(mc->status_topic)) {
		err = FP_ECONFIG;
		goto fail;
	}
	mc->is_tls = strncmp(cfg->mqtt.uri, "ssl://", 6) == 0 ||
	    strncmp(cfg->mqtt.uri, "mqtts://", 8) == 0 ||
	    strncmp(cfg->mqtt.uri, "wss://", 6) == 0;
	err = check_tls_files(cfg);
	if (err == FP_OK)
		err = create_handle(mc);
	if (err != FP_OK)
		goto fail;
	*out = mc;
	return FP_OK;
fail:
	pthread_cond_destroy(&mc->hold_cv);
	pthread_cond_destroy(&mc->cv);
	pthread_mutex_destroy(&mc->mu);
	free(mc);
	return err;
}

void
mqtt_client_on_message(struct mqtt_client *mc, mqtt_message_fn *fn,
    void *ctx)
{
	mc->on_msg = fn;
	mc->on_msg_ctx = ctx;
}

void
mqtt_client_start(struct mqtt_client *mc)
{
	start_connect(mc);
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
	}
	pthread_mutex_unlock(&mc->mu);
	return n;
}

/* A connect attempt failed: fall back to 3.1.1 or wait and retry. */
static void
connect_failed(struct mqtt_client *mc, enum refusal why, const char *reason)
{
	const char *user = mc->cfg->mqtt.username;

	mc->is_connecting = false;
	if (mc->has_connected) {
		/* Paho's automatic reconnect is at work. */
		log_warnx("mqtt.reconnect_failed uri=%s reason=\"%s\"",
		    mc->cfg->mqtt.uri, reason);
		return;
	}
	if (why == REFUSED_VERSION && !mc->is_v311) {
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
	if (why == REFUSED_AUTH)
		/* Needs a person: the credentials will not fix themselves. */
		log_error("mqtt.auth_failed uri=%s username=%s reason=\"%s\" "
		    "action=\"check mqtt.username and mqtt.password\" "
		    "retry_in_s=%d", mc->cfg->mqtt.uri, user != NULL &&
		    *user != '\0' ? user : "-", reason, mc->backoff_s);
	else
		log_warnx("mqtt.connect_failed uri=%s reason=\"%s\" "
		    "retry_in_s=%d", mc->cfg->mqtt.uri, reason, mc->backoff_s);
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
			connect_failed(mc, (enum refusal)n->code, n->reason);
			free(n);
			continue;
		}
		if (n->internal == EV_DISCONNECTED) {
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
mqtt_client_report(struct mqtt_client *mc, const char *topic,
    const void *payload, size_t len)
{
	MQTTAsync_message m = MQTTAsync_message_initializer;
	int rc;

	/* h and is_v311 do not change while a message is being handled:
	 * only before the first connect (the version fallback). */
	if (mc->h == NULL || len > INT32_MAX)
		return FP_EBUSY;
	m.payload = (void *)(uintptr_t)payload;
	m.payloadlen = (int)len;
	m.qos = 1;
	rc = MQTTAsync_sendMessage(mc->h, topic, &m, NULL);
	return rc == MQTTASYNC_SUCCESS ? FP_OK : FP_EBUSY;
}

/*
 * The broker's answer to the subscriptions, logged: "mqtt.subscribed" is
 * the moment registry updates and commands start to be queued for the
 * bridge (before it, on a first connect, the broker keeps none), which
 * is what an operator or a test waiting for a ready bridge wants to see.
 * A granted QoS or reason code of 0x80 or more is a refusal.
 */
static void
log_suback(int n, int refused)
{
	if (refused == 0)
		log_info("mqtt.subscribed topics=%d", n);
	else
		log_warnx("mqtt.subscribe refused=%d topics=%d", refused, n);
}

static void
on_subscribe_ok(void *ctx, MQTTAsync_successData *r)
{
	int n = ((struct mqtt_client *)ctx)->sub_count, refused = 0, i;

	for (i = 0; r != NULL && i < n; i++)
		if ((n == 1 ? r->alt.qos : r->alt.qosList[i]) >= 0x80)
			refused++;
	log_suback(n, refused);
}

static void
on_subscribe_ok5(void *ctx, MQTTAsync_successData5 *r)
{
	int n = ((struct mqtt_client *)ctx)->sub_count, refused = 0, i;

	if (r != NULL && r->alt.sub.reasonCodeCount == 0)
		refused = r->reasonCode >= 0x80 ? n : 0;
	for (i = 0; r != NULL && i < r->alt.sub.reasonCodeCount; i++)
		if (r->alt.sub.reasonCodes[i] >= 0x80)
			refused++;
	log_suback(n, refused);
}

static void
on_subscribe_fail(void *ctx, MQTTAsync_failureData *r)
{
	(void)ctx;
	log_warnx("mqtt.subscribe error=\"%s\"", r != NULL &&
	    r->message != NULL ? r->message : MQTTAsync_strerror(r != NULL ?
	    r->code : MQTTASYNC_FAILURE));
}

static void
on_subscribe_fail5(void *ctx, MQTTAsync_failureData5 *r)
{
	(void)ctx;
	log_warnx("mqtt.subscribe error=\"%s\"", r != NULL &&
	    r->message != NULL ? r->message : MQTTReasonCode_toString(r !=
	    NULL ? r->reasonCode : MQTTREASONCODE_UNSPECIFIED_ERROR));
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
	mc->sub_count = (int)n;	/* read by the answer's callback */
	ro.context = mc;
	if (mc->is_v311) {
		ro.onSuccess = on_subscribe_ok;
		ro.onFailure = on_subscribe_fail;
	} else {
		ro.onSuccess5 = on_subscribe_ok5;
		ro.onFailure5 = on_subscribe_fail5;
	}
	rc = MQTTAsync_subscribeMany(mc->h, (int)n, (char *const *)topics, qos,
	    &ro);
	if (rc != MQTTASYNC_SUCCESS) {
		log_warnx("mqtt.subscribe error=\"%s\"",
		    MQTTAsync_strerror(rc));
		return FP_EBUSY;
	}
	return FP_OK;
}

static void
on_disconnected(void *ctx, MQTTAsync_successData *r)
{
	(void)r;
	push(ctx, EV_DISCONNECTED, 0, MQTT_EV_LOST, 0);
}

static void
on_disconnected5(void *ctx, MQTTAsync_successData5 *r)
{
	(void)r;
	push(ctx, EV_DISCONNECTED, 0, MQTT_EV_LOST, 0);
}

static void
on_disconnect_fail(void *ctx, MQTTAsync_failureData *r)
{
	(void)r;
	push(ctx, EV_DISCONNECTED, 0, MQTT_EV_LOST, 0);
}

static void
on_disconnect_fail5(void *ctx, MQTTAsync_failureData5 *r)
{
	(void)r;
	push(ctx, EV_DISCONNECTED, 0, MQTT_EV_LOST, 0);
}

/*
 * Wait for the handler at work, if any, to finish its message or give
 * it up; true when it gave one up (the receive thread is parked).  With
 * is_last, no message is handed over from then on without a close.
 */
static bool
handler_settled(struct mqtt_client *mc, bool is_last)
{
	bool is_parked;

	pthread_mutex_lock(&mc->mu);
	mc->is_stopping = true;
	pthread_cond_broadcast(&mc->hold_cv);
	while (mc->in_handler && !mc->is_parked)
		pthread_cond_wait(&mc->hold_cv, &mc->mu);
	is_parked = mc->is_parked;
	if (is_last && !is_parked)
		mc->is_closing = true;
	pthread_mutex_unlock(&mc->mu);
	if (is_parked) {
		log_warnx("mqtt.stop uri=%s action=\"exit with a message "
		    "unacknowledged: the broker delivers it again\"",
		    mc->cfg->mqtt.uri);
		abandoned = mc;
	}
	return is_parked;
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
	/* A handler holding a message gives it up now: then Paho's lock
	 * is its, for good, and nothing more can be said to the broker. */
	if (handler_settled(mc, false))
		return;
	if (mc->h != NULL && mc->is_connected &&
	    mqtt_client_publish(mc, mc->status_topic, "offline", 7, true,
	    &token) == FP_OK) {
		/* Wait briefly for the broker to take "offline". */
		deadline = now_ms() + 2000;
		while (now_ms() < deadline && mqtt_client_next(mc, 100, &ev)) {
			bool is_done = (ev.kind == MQTT_EV_PUBACK ||
			    ev.kind == MQTT_EV_PUBFAIL) && ev.token == token;

			if (is_done || ev.kind == MQTT_EV_LOST)
				break;
		}
	}
	if (mc->h != NULL) {
		d.timeout = 1000;
		d.context = mc;
		if (mc->is_v311) {
			d.struct_version = 0;
			d.onSuccess = on_disconnected;
			d.onFailure = on_disconnect_fail;
		} else {
			d.struct_version = 1;
			d.onSuccess5 = on_disconnected5;
			d.onFailure5 = on_disconnect_fail5;
		}
		/* Once Paho has closed the connection no message can arrive
		 * whose acknowledgement destroying it would wait for. */
		if (MQTTAsync_disconnect(mc->h, &d) == MQTTASYNC_SUCCESS) {
			deadline = now_ms() + 2000;
			while (now_ms() < deadline) {
				n = pop(mc, (int)(deadline - now_ms()));
				if (n == NULL)
					break;
				if (n->internal == EV_DISCONNECTED) {
					free(n);
					break;
				}
				free(n);
			}
		}
		if (handler_settled(mc, true))
			return;
		MQTTAsync_destroy(&mc->h);
	}
	for (n = pop(mc, 0); n != NULL; n = pop(mc, 0))
		free(n);
	pthread_cond_destroy(&mc->hold_cv);
	pthread_cond_destroy(&mc->cv);
	pthread_mutex_destroy(&mc->mu);
	free(mc);
}
