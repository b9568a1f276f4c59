/*
 * provider_cmpp.c: China Mobile's CMPP 2.0 SP link (SPEC 11), a
 * provider with a connection of its own (see cmpp_link.h for the
 * threads and what they share, cmpp_codec.h for the PDUs).
 *
 * The link thread connects to the ISMG (host:port), logs in with
 * CMPP_CONNECT (AuthenticatorSource over the shared secret and the
 * time, the ISMG's AuthenticatorISMG checked in return), then keeps at
 * most `window` CMPP_SUBMITs unanswered, matched to their answers by
 * Sequence_Id.  A text longer than one short message goes as parts
 * (cmpp_text_parts: UCS-2 with a 6-byte UDH, Pk_total/Pk_number), one
 * outbox row whose outcome waits for every part; the first part's
 * Msg_Id is the message's provider id, and each part's is kept for its
 * status report (dlr_link_part).  SUBMIT_RESP Result 0 is accepted, 8
 * (flow control) puts the part back and pauses the submits (50 ms,
 * doubling to 2 s while it lasts), 1, 2 and 4 to 7 (our PDU or our
 * service is wrong) fail the message, 3, 9 and above retry it.
 *
 * When nothing arrives for 3 x `timeout` the link sends CMPP_ACTIVE_TEST
 * and expects its answer within `timeout`, as every submit's; a silent
 * ISMG, a closed connection, a PDU that cannot be framed or a
 * CMPP_TERMINATE drop the connection: the parts in the window go back to
 * be sent again on the next (at least once; never under an old
 * Sequence_Id), which is made after 1 s, or after a failed connection or
 * login after 1, 2, 4 ... 60 s (+-20%).  Messages not yet begun when a
 * connection or login fails, and any message that makes no progress for
 * 2 x `timeout`, are handed back to be retried by the sender.
 *
 * This file has the provider's operations (open, close, send_batch);
 * the link thread is cmpp_link.c's, what the ISMG delivers (MO, status
 * reports) cmpp_deliver.c's.  Nothing here logs a number or a text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cmpp_link.h"
#include "log.h"
#include "msisdn.h"

/* ---- the context ---------------------------------------------------------- */

void
cmpp_wake(struct cmpp_ctx *c)
{
	uint64_t one = 1;

	(void)!write(c->evfd, &one, sizeof(one));
}

static void
ctx_free(struct cmpp_ctx *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->evfd >= 0)
		close(c->evfd);
	cmpp_concat_cleanup(c);
	free(c->slots);
	free(c->map);
	free(c->in);
	free(c->out);
	free(c->acks);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->ack_lock);
	free(c);
}

void
cmpp_ctx_unref(struct cmpp_ctx *c)
{
	if (atomic_fetch_sub(&c->refs, 1) == 1)
		ctx_free(c);
}

/* ---- the provider's operations ------------------------------------------------ */

static enum fp_err
cmpp_open(const struct cfg *cfg, const struct cfg_provider *p, void **out)
{
	pthread_condattr_t ca;
	struct cmpp_ctx *c;

	(void)cfg;
	if (p->host == NULL || p->source_addr == NULL ||
	    p->shared_secret == NULL || p->port <= 0 || p->window <= 0)
		return FP_ECONFIG;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return FP_ENOMEM;
	c->p = p;
	c->fd = -1;
	c->evfd = -1;
	atomic_init(&c->refs, 1);
	atomic_init(&c->is_stopping, false);
	atomic_init(&c->is_interrupted, false);
	snprintf(c->route, sizeof(c->route), "cmpp:%s", p->name);
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->ack_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cond, &ca);
	pthread_condattr_destroy(&ca);
	c->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	c->n_slots = (size_t)p->window;
	c->slots = calloc(c->n_slots, sizeof(*c->slots));
	c->map = calloc((size_t)1 << CMPP_MAP_BITS, sizeof(*c->map));
	c->in = malloc(CMPP_BUF);
	c->out = malloc(CMPP_BUF);
	c->acks = calloc(CMPP_ACK_MAX, sizeof(*c->acks));
	if (c->evfd < 0 || c->slots == NULL || c->map == NULL ||
	    c->in == NULL || c->out == NULL || c->acks == NULL) {
		ctx_free(c);
		return FP_ENOMEM;
	}
	if (getrandom(&c->rnd, sizeof(c->rnd), 0) != (ssize_t)sizeof(c->rnd))
		c->rnd = (uint64_t)monotime_ns();
	c->rnd |= 1;
	c->next_seq = (uint32_t)(cmpp_random(c) & 0x7fffffff) + 1;
	atomic_init(&c->next_ref, (unsigned)cmpp_random(c));
	c->backoff_ms = BACKOFF_MIN_MS;
	c->throttle_ms = THROTTLE_MIN_MS;
	c->state = LINK_DOWN;
	c->next_connect_ns = 0;		/* now */
	c->stats.provider = p->name;
	atomic_store(&c->stats.window_size, c->n_slots);
	link_stats_add(&c->stats);
	if (pthread_create(&c->thread, NULL, cmpp_link_main, c) != 0) {
		link_stats_remove(&c->stats);
		ctx_free(c);
		return FP_ENOMEM;
	}
	c->has_thread = true;
	*out = c;
	return FP_OK;
}

static void
cmpp_close(void *arg)
{
	struct cmpp_ctx *c = arg;

	if (c == NULL)
		return;
	atomic_store(&c->is_stopping, true);
	cmpp_wake(c);
	if (c->has_thread)
		pthread_join(c->thread, NULL);
	link_stats_remove(&c->stats);
	cmpp_ctx_unref(c);	/* acknowledgements in flight hold theirs */
}

static void
cmpp_interrupt(void *arg)
{
	struct cmpp_ctx *c = arg;

	atomic_store(&c->is_interrupted, true);
	cmpp_wake(c);
}

/* The destination as CMPP wants it: a Chinese number without +86. */
static bool
dest_of(const char *e164, char out[CMPP_TERMINAL_LEN + 1])
{
	const char *nat = msisdn_national(e164);

	if (nat[0] == '+')
		nat++;
	if (strlen(nat) == 0 || strlen(nat) > CMPP_TERMINAL_LEN)
		return false;
	memcpy(out, nat, strlen(nat) + 1);
	return true;
}

/* Src_Id: our access number, or the message's `from` when it extends
 * it (e.g. 10690001 + 23). */
static void
src_of(const struct cmpp_ctx *c, const char *from,
    char out[CMPP_TERMINAL_LEN + 1])
{
	const char *base = c->p->src_id != NULL ? c->p->src_id : "";
	size_t n = from != NULL ? strlen(from) : 0;

	if (n > 0 && n <= CMPP_TERMINAL_LEN && strspn(from, "0123456789") ==
	    n && strncmp(from, base, strlen(base)) == 0)
		memcpy(out, from, n + 1);
	else
		snprintf(out, CMPP_TERMINAL_LEN + 1, "%s", base);
}

/* Split it->text into m->parts; false: the result says why. */
static bool
prepare(struct cmpp_ctx *c, struct cmpp_msg *m,
    struct cmpp_part *tmp)
{
	size_t n = 0, k;
	enum fp_err err;
	uint8_t ref = (uint8_t)atomic_fetch_add(&c->next_ref, 1);

	if (!dest_of(m->it->to, m->dest)) {
		m->res->outcome = PROVIDER_REJECTED;
		snprintf(m->res->error, sizeof(m->res->error),
		    "cmpp: no destination number");
		return false;
	}
	src_of(c, m->it->from, m->src);
	err = cmpp_text_parts(m->it->text, strlen(m->it->text), ref, tmp,
	    CMPP_PARTS_MAX, &n);
	if (err != FP_OK) {
		m->res->outcome = PROVIDER_REJECTED;
		snprintf(m->res->error, sizeof(m->res->error), "cmpp: the "
		    "text cannot be sent (%s)", fp_strerror(err));
		return false;
	}
	m->parts = calloc(n, sizeof(*m->parts));
	if (m->parts == NULL) {
		m->res->outcome = PROVIDER_RETRY;
		snprintf(m->res->error, sizeof(m->res->error),
		    "out of memory");
		return false;
	}
	for (k = 0; k < n; k++)
		m->parts[k].part = tmp[k];
	m->n_parts = n;
	return true;
}

/*
 * The batch goes through the window; this returns once every message has
 * its outcome (the link thread sees to it within STALL_FACTOR x timeout
 * of a message's last progress).
 */
static void
cmpp_send_batch(void *arg, const struct outbox_item *items, size_t n,
    struct provider_result *results)
{
	struct cmpp_ctx *c = arg;
	struct cmpp_msg *msgs;
	struct cmpp_part *tmp;
	struct timespec ts;
	size_t i, left;
	int64_t now;

	msgs = calloc(n, sizeof(*msgs));
	tmp = malloc(CMPP_PARTS_MAX * sizeof(*tmp));
	if (msgs == NULL || tmp == NULL) {
		for (i = 0; i < n; i++) {
			results[i].outcome = PROVIDER_RETRY;
			snprintf(results[i].error, sizeof(results[i].error),
			    "out of memory");
		}
		free(msgs);
		free(tmp);
		return;
	}
	for (i = 0; i < n; i++) {
		msgs[i].it = &items[i];
		msgs[i].res = &results[i];
		msgs[i].is_finished = !prepare(c, &msgs[i], tmp);
	}
	free(tmp);
	now = monotime_ns();
	pthread_mutex_lock(&c->lock);
	for (left = 0, i = 0; i < n; i++) {
		struct cmpp_msg *m = &msgs[i];

		if (m->is_finished)
			continue;
		if (atomic_load(&c->is_interrupted)) {
			m->is_finished = true;
			m->res->outcome = PROVIDER_RETRY;
			snprintf(m->res->error, sizeof(m->res->error),
			    "cmpp: stopping");
			continue;
		}
		m->deadline_ns = now + STALL_FACTOR * cmpp_timeout_ns(c);
		m->prev = c->tail;
		if (c->tail != NULL)
			c->tail->next = m;
		else
			c->head = m;
		c->tail = m;
		left++;
	}
	cmpp_wake(c);
	while (left > 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&c->cond, &c->lock, &ts);
		for (left = 0, i = 0; i < n; i++)
			if (!msgs[i].is_finished)
				left++;
	}
	pthread_mutex_unlock(&c->lock);
	for (i = 0; i < n; i++)
		free(msgs[i].parts);
	free(msgs);
}

const struct provider_ops provider_cmpp_ops = {
	.type = "cmpp",
	.is_http = false,
	.open = cmpp_open,
	.close = cmpp_close,
	.send_batch = cmpp_send_batch,
	.interrupt = cmpp_interrupt,
};
