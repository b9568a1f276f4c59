/*
 * mqtt_pub.c: the raw ceiling for the relay benchmark (bench/
 * relay_bench.sh): a minimal Eclipse Paho asynchronous client that
 * publishes COUNT messages at QoS 1 with at most WINDOW unacknowledged,
 * or (-S) subscribes and times COUNT arrivals.  No database, no JSON: what
 * the broker and Paho can do on this machine, to hold fupin-bridge
 * against.
 *
 *   mqtt_pub -S -u URI -t FILTER -n COUNT        subscriber: prints
 *       "ready" once subscribed, then "received N in S s: R msgs/s"
 *       (first to last arrival) and exits
 *   mqtt_pub -u URI -t TOPIC -n COUNT [-w WINDOW] [-s BYTES] [-m TEXT]
 *       publisher: payloads of BYTES bytes, or TEXT with every "{n}"
 *       replaced by the message number; prints "published N in S s"
 *
 * Not installed; built by relay_bench.sh (cc ... -lpaho-mqtt3as).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <MQTTAsync.h>

#define PUB_MAX_PAYLOAD (256 * 1024)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long acked, failed, received;
static bool is_connected, is_subscribed, has_failed;
static double first_at, last_at;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
signal_locked(void)
{
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void
on_connect(void *ctx, MQTTAsync_successData *r)
{
	(void)ctx;
	(void)r;
	pthread_mutex_lock(&mu);
	is_connected = true;
	signal_locked();
}

static void
on_fail(void *ctx, MQTTAsync_failureData *r)
{
	(void)ctx;
	fprintf(stderr, "mqtt_pub: failed: %s\n", r != NULL && r->message ?
	    r->message : "?");
	pthread_mutex_lock(&mu);
	has_failed = true;
	signal_locked();
}

static void
on_subscribed(void *ctx, MQTTAsync_successData *r)
{
	(void)ctx;
	(void)r;
	pthread_mutex_lock(&mu);
	is_subscribed = true;
	signal_locked();
}

static void
on_sent(void *ctx, MQTTAsync_successData *r)
{
	(void)ctx;
	(void)r;
	pthread_mutex_lock(&mu);
	acked++;
	signal_locked();
}

static void
on_send_fail(void *ctx, MQTTAsync_failureData *r)
{
	(void)ctx;
	(void)r;
	pthread_mutex_lock(&mu);
	failed++;
	signal_locked();
}

static int
on_message(void *ctx, char *topic, int topic_len, MQTTAsync_message *m)
{
	double t = now_s();

	(void)ctx;
	(void)topic_len;
	pthread_mutex_lock(&mu);
	if (received == 0)
		first_at = t;
	last_at = t;
	received++;
	signal_locked();
	MQTTAsync_freeMessage(&m);
	MQTTAsync_free(topic);
	return 1;
}

static void
on_lost(void *ctx, char *cause)
{
	(void)ctx;
	(void)cause;
	pthread_mutex_lock(&mu);
	has_failed = true;
	signal_locked();
}

static int
usage(void)
{
	fprintf(stderr, "usage: mqtt_pub [-S] -u URI -t TOPIC -n COUNT "
	    "[-w WINDOW] [-s BYTES] [-m TEXT]\n");
	return 64;
}

/* TEXT with "{n}" replaced by i, into buf; its length. */
static size_t
render(const char *text, long i, char *buf, size_t size)
{
	size_t n = 0;
	const char *p;

	for (p = text; *p != '\0' && n + 24 < size; p++) {
		if (strncmp(p, "{n}", 3) == 0) {
			n += (size_t)snprintf(buf + n, size - n, "%ld", i);
			p += 2;
		} else {
			buf[n++] = *p;
		}
	}
	buf[n] = '\0';
	return n;
}

static int
publish_all(MQTTAsync h, const char *topic, long count, long window,
    size_t bytes, const char *text)
{
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	MQTTAsync_message m = MQTTAsync_message_initializer;
	char *buf = malloc(PUB_MAX_PAYLOAD);
	double t0 = now_s(), dt;
	long i;
	int rc;

	if (buf == NULL)
		return 1;
	if (text == NULL) {
		memset(buf, 'x', bytes);
		m.payloadlen = (int)bytes;
	}
	m.payload = buf;
	m.qos = 1;
	ro.onSuccess = on_sent;
	ro.onFailure = on_send_fail;
	for (i = 0; i < count; i++) {
		pthread_mutex_lock(&mu);
		while (i - acked - failed >= window && !has_failed)
			pthread_cond_wait(&cv, &mu);
		pthread_mutex_unlock(&mu);
		if (has_failed)
			break;
		if (text != NULL)
			m.payloadlen = (int)render(text, i, buf,
			    PUB_MAX_PAYLOAD);
		while ((rc = MQTTAsync_sendMessage(h, topic, &m, &ro)) ==
		    MQTTASYNC_MAX_BUFFERED_MESSAGES)
			usleep(100);
		if (rc != MQTTASYNC_SUCCESS) {
			fprintf(stderr, "mqtt_pub: send: %s\n",
			    MQTTAsync_strerror(rc));
			break;
		}
	}
	pthread_mutex_lock(&mu);
	while (acked + failed < i && !has_failed)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	dt = now_s() - t0;
	free(buf);
	printf("published %ld in %.3f s: %.0f msgs/s (failed %ld)\n", acked,
	    dt, dt > 0 ? (double)acked / dt : 0.0, failed);
	return acked == count ? 0 : 1;
}

static int
subscribe_all(MQTTAsync h, const char *filter, long count)
{
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	double dt;

	ro.onSuccess = on_subscribed;
	ro.onFailure = on_fail;
	if (MQTTAsync_subscribe(h, filter, 1, &ro) != MQTTASYNC_SUCCESS)
		return 1;
	pthread_mutex_lock(&mu);
	while (!is_subscribed && !has_failed)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	printf("ready\n");
	fflush(stdout);
	pthread_mutex_lock(&mu);
	while (received < count && !has_failed)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	dt = last_at - first_at;
	printf("received %ld in %.3f s: %.0f msgs/s\n", received, dt,
	    dt > 0 ? (double)received / dt : 0.0);
	return received >= count ? 0 : 1;
}

int
main(int argc, char **argv)
{
	MQTTAsync_connectOptions o = MQTTAsync_connectOptions_initializer;
	MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer;
	const char *uri = NULL, *topic = NULL, *text = NULL;
	long count = 0, window = 1000;
	size_t bytes = 200;
	bool is_sub = false;
	char id[64];
	MQTTAsync h;
	int c, rc;

	while ((c = getopt(argc, argv, "Su:t:n:w:s:m:")) != -1) {
		switch (c) {
		case 'S': is_sub = true; break;
		case 'u': uri = optarg; break;
		case 't': topic = optarg; break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		case 'w': window = strtol(optarg, NULL, 10); break;
		case 's': bytes = (size_t)strtoul(optarg, NULL, 10); break;
		case 'm': text = optarg; break;
		default: return usage();
		}
	}
	if (uri == NULL || topic == NULL || count <= 0 || window <= 0 ||
	    bytes > PUB_MAX_PAYLOAD)
		return usage();
	snprintf(id, sizeof(id), "bench-%s-%ld", is_sub ? "sub" : "pub",
	    (long)getpid());
	co.maxBufferedMessages = (int)window + 100;
	if (MQTTAsync_createWithOptions(&h, uri, id,
	    MQTTCLIENT_PERSISTENCE_NONE, NULL, &co) != MQTTASYNC_SUCCESS)
		return 69;
	MQTTAsync_setCallbacks(h, NULL, on_lost, on_message, NULL);
	o.cleansession = 1;
	o.keepAliveInterval = 30;
	o.maxInflight = (int)window;
	o.onSuccess = on_connect;
	o.onFailure = on_fail;
	if (MQTTAsync_connect(h, &o) != MQTTASYNC_SUCCESS)
		return 69;
	pthread_mutex_lock(&mu);
	while (!is_connected && !has_failed)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	if (has_failed)
		return 69;
	rc = is_sub ? subscribe_all(h, topic, count) :
	    publish_all(h, topic, count, window, bytes, text);
	MQTTAsync_disconnect(h, NULL);
	MQTTAsync_destroy(&h);
	return rc;
}
