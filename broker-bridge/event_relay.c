/*
 * event_relay.c: outbox rows → publish → mark relayed (see
 * event_relay.h).  The in-flight window is a ring in id order holding
 * only ids and Paho tokens; the payload is built, handed to Paho and
 * freed at once.  `cursor` is the highest id handed to Paho since the
 * last reset; a reset moves it back to just before the oldest
 * unacknowledged row so that everything unacknowledged goes out again.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event_outbox.h"
#include "event_relay.h"
#include "log.h"
#include "strbuf.h"

#define RELAY_CLAIM_MAX 256
#define RELAY_IDLE_POLL_MS 50
#define RELAY_TOPIC_MAX 512

struct inflight {
	int64_t	 id;
	int	 token;
	bool	 is_acked;
};

struct event_relay {
	struct store	*st;		/* borrowed */
	struct mqtt_client *mc;		/* borrowed */
	char		*topic_root;	/* owned */
	char		*node_id;	/* owned */
	size_t		 window;
	struct inflight	*ring;		/* window entries, owned */
	size_t		 head, count;
	int64_t		*acked;		/* ids to mark relayed, owned */
	size_t		 n_acked;
	int64_t		 cursor;
	bool		 was_full;	/* last claim filled its batch */
	int64_t		 last_claim_ms;
	int64_t		 retry_at_ms;	/* after a failure, pause until */
	uint64_t	 published;
	uint64_t	 relayed;
	struct event_outbox_row rows[RELAY_CLAIM_MAX];
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

enum fp_err
event_relay_new(struct store *st, struct mqtt_client *mc,
    const char *topic_root, const char *node_id, size_t window,
    struct event_relay **out)
{
	struct event_relay *er;

	*out = NULL;
	er = calloc(1, sizeof(*er));
	if (er == NULL)
		return FP_ENOMEM;
	er->st = st;
	er->mc = mc;
	er->window = window == 0 ? EVENT_RELAY_WINDOW : window;
	er->topic_root = dup_str(topic_root);
	er->node_id = dup_str(node_id);
	er->ring = calloc(er->window, sizeof(*er->ring));
	er->acked = calloc(er->window + RELAY_CLAIM_MAX, sizeof(*er->acked));
	if (er->topic_root == NULL || er->node_id == NULL || er->ring == NULL ||
	    er->acked == NULL) {
		event_relay_free(er);
		return FP_ENOMEM;
	}
	*out = er;
	return FP_OK;
}

void
event_relay_free(struct event_relay *er)
{
	if (er == NULL)
		return;
	free(er->topic_root);
	free(er->node_id);
	free(er->ring);
	free(er->acked);
	free(er);
}

static struct inflight *
find_token(struct event_relay *er, int token)
{
	size_t i;

	for (i = 0; i < er->count; i++) {
		struct inflight *f = &er->ring[(er->head + i) % er->window];

		if (f->token == token && !f->is_acked)
			return f;
	}
	return NULL;
}

void
event_relay_ack(struct event_relay *er, int token)
{
	struct inflight *f = find_token(er, token);

	if (f == NULL)
		return;
	f->is_acked = true;
	er->acked[er->n_acked++] = f->id;
}

void
event_relay_reset(struct event_relay *er)
{
	size_t i;

	/* Everything up to the oldest unacknowledged row is relayed or
	 * waiting in acked[]; start again from there. */
	for (i = 0; i < er->count; i++) {
		struct inflight *f = &er->ring[(er->head + i) % er->window];

		if (!f->is_acked) {
			er->cursor = f->id - 1;
			break;
		}
	}
	er->head = 0;
	er->count = 0;
	er->was_full = true;
}

void
event_relay_fail(struct event_relay *er, int token)
{
	if (find_token(er, token) == NULL)
		return;
	log_warnx("relay.publish_failed token=%d action=resend", token);
	event_relay_reset(er);
	er->retry_at_ms = now_ms() + 1000;
}

uint64_t
event_relay_published(const struct event_relay *er)
{
	return er->published;
}

uint64_t
event_relay_relayed(const struct event_relay *er)
{
	return er->relayed;
}

size_t
event_relay_in_flight(const struct event_relay *er)
{
	size_t i, n = 0;

	for (i = 0; i < er->count; i++)
		if (!er->ring[(er->head + i) % er->window].is_acked)
			n++;
	return n;
}

/* Whether `type` can be a topic level (no wildcards or separators). */
static bool
type_is_valid(const char *type)
{
	const char *p;

	if (*type == '\0')
		return false;
	for (p = type; *p != '\0'; p++)
		if (*p == '+' || *p == '#' || *p == '/' ||
		    (unsigned char)*p < 0x21)
			return false;
	return true;
}

/* Publish one row; FP_EBUSY when Paho would not take it. */
static enum fp_err
publish_row(struct event_relay *er, const struct event_outbox_row *r,
    int *token)
{
	char topic[RELAY_TOPIC_MAX];
	struct strbuf b = STRBUF_INIT;
	enum fp_err err;
	int n;

	n = snprintf(topic, sizeof(topic), "%s/events/%s", er->topic_root,
	    r->type);
	if (n < 0 || (size_t)n >= sizeof(topic))
		return FP_EINVAL;
	strbuf_adds(&b, "{\"event_id\":");
	strbuf_add_json(&b, r->event_id, SIZE_MAX);
	strbuf_adds(&b, ",\"type\":");
	strbuf_add_json(&b, r->type, SIZE_MAX);
	strbuf_adds(&b, ",\"occurred_at\":");
	strbuf_add_json(&b, r->occurred_at, SIZE_MAX);
	strbuf_adds(&b, ",\"node\":");
	strbuf_add_json(&b, er->node_id, SIZE_MAX);
	strbuf_adds(&b, ",\"data\":");
	strbuf_adds(&b, r->data);
	strbuf_adds(&b, "}");
	if (b.failed) {
		strbuf_free(&b);
		return FP_ENOMEM;
	}
	err = mqtt_client_publish(er->mc, topic, b.s, b.len, false, token);
	strbuf_free(&b);
	return err;
}

static void
mark_acked(struct event_relay *er)
{
	enum fp_err err;

	if (er->n_acked > 0) {
		err = event_outbox_mark_relayed(er->st, er->acked, er->n_acked,
		    (int64_t)time(NULL));
		if (err != FP_OK) {
			log_warnx("relay.mark error=\"%s\" count=%zu "
			    "action=retry", fp_strerror(err), er->n_acked);
			return;
		}
		er->relayed += er->n_acked;
		er->n_acked = 0;
	}
	while (er->count > 0 && er->ring[er->head].is_acked) {
		er->head = (er->head + 1) % er->window;
		er->count--;
	}
}

void
event_relay_pump(struct event_relay *er)
{
	size_t room, quota, n = 0, i;
	int64_t t = now_ms();
	enum fp_err err;

	mark_acked(er);
	if (er->n_acked > 0 || !mqtt_client_is_connected(er->mc) ||
	    t < er->retry_at_ms)
		return;
	room = er->window - er->count;
	quota = (size_t)mqtt_client_send_quota(er->mc);
	room = er->count >= quota ? 0 : quota - er->count < room ?
	    quota - er->count : room;
	if (room > RELAY_CLAIM_MAX)
		room = RELAY_CLAIM_MAX;
	if (room == 0 || (!er->was_full &&
	    t - er->last_claim_ms < RELAY_IDLE_POLL_MS))
		return;
	er->last_claim_ms = t;
	err = event_outbox_claim(er->st, er->cursor, room, er->rows, &n);
	if (err != FP_OK) {
		log_warnx("relay.claim error=\"%s\" action=retry",
		    fp_strerror(err));
		er->retry_at_ms = t + 1000;
		return;
	}
	er->was_full = n == room;
	for (i = 0; i < n; i++) {
		const struct event_outbox_row *r = &er->rows[i];
		struct inflight *f;
		int token = 0;

		if (!type_is_valid(r->type)) {
			log_warnx("relay.skip id=%lld reason=\"unusable type "
			    "or id\"", (long long)r->id);
			er->acked[er->n_acked++] = r->id;
			er->cursor = r->id;
			continue;
		}
		err = publish_row(er, r, &token);
		if (err != FP_OK) {
			er->was_full = false;
			er->retry_at_ms = t + 100;
			break;
		}
		f = &er->ring[(er->head + er->count) % er->window];
		f->id = r->id;
		f->token = token;
		f->is_acked = false;
		er->count++;
		er->cursor = r->id;
		er->published++;
	}
	event_outbox_rows_cleanup(er->rows, n);
}
