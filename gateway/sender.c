/*
 * sender.c: per provider, two threads move due messages from the outbox
 * to the provider (see sender.h):
 *
 *   the database thread claims due messages (outbox_claim_ex: "sending",
 *   attempts + 1) into the ready queue, as many as the I/O thread says
 *   it can start soon, and writes the outcomes the I/O thread hands
 *   back, all that have piled up in one transaction (group commit);
 *
 *   the I/O thread takes ready messages as the token bucket and the free
 *   connections allow, and sends them: the file provider writes a batch
 *   at once, HTTP providers get one request per message on the thread's
 *   curl multi handle; finished requests are classified (provider parse)
 *   and handed back.
 *
 * So the network never waits for the database nor the database for the
 * network.  The two meet only in struct worker's locked part (ready
 * queue, outcomes, `want`, flags); the I/O thread sleeps in
 * curl_multi_poll (woken by curl_multi_wakeup), the database thread on a
 * condition variable.  Logs name the provider and the message id,
 * numbers masked, never texts; per-message lines are limited to
 * SENDER_LOG_PER_S a second.
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "gateway.h"
#include "log.h"
#include "msisdn.h"
#include "outbox.h"
#include "provider.h"
#include "ratelimit.h"
#include "sender.h"
#include "store.h"

#define SENDER_BODY_MAX		16384	/* of an answer we keep, bytes */
#define SENDER_LOG_PER_S	20
#define SENDER_NS_PER_MS	1000000LL
#define SENDER_HORIZON_MS	100	/* claim what the bucket allows
					 * within this time */

enum counter {
	C_SEGMENTS,
	C_SENT,
	C_DELIVERED,
	C_RETRIED,
	C_FAILED,
	C_EXPIRED,
	C_N
};

static const char *const counter_names[C_N] = {
	"segments_sent", "sent", "delivered", "retried", "failed", "expired",
};

/* Claimed messages in order; the items (and their strings) are owned. */
struct itemq {
	struct outbox_item *v;
	size_t	 head;
	size_t	 n;
	size_t	 cap;
};

/* A message the provider has answered for, waiting to be written. */
struct done {
	struct outbox_item item;	/* owned */
	struct provider_result res;	/* owned (msgid) */
	int64_t	 next_in_s;		/* retry: the backoff chosen */
	bool	 is_final_failure;
	bool	 is_dropped;		/* could not be written */
};

struct donelist {
	struct done *v;
	size_t	 n;
	size_t	 cap;
};

/* One connection's worth of request: an easy handle, reused. */
struct slot {
	CURL	*easy;
	bool	 is_busy;
	struct outbox_item item;	/* owned while busy */
	struct provider_request req;	/* owned while busy */
	char	*body;			/* SENDER_BODY_MAX + 1, owned */
	size_t	 body_len;
	char	 errbuf[CURL_ERROR_SIZE];
};

struct worker {
	struct sender	*s;
	const struct cfg_provider *p;	/* borrowed from s->cfg */
	const struct provider_ops *ops;
	pthread_t	 io_thread;
	pthread_t	 db_thread;
	bool		 has_io_thread;
	bool		 has_db_thread;
	CURLM		*multi;		/* owned; the I/O thread's, but
					 * curl_multi_wakeup from anywhere */

	pthread_mutex_t	 lock;		/* guards the next block */
	pthread_cond_t	 db_cond;	/* the database thread waits here */
	bool		 has_lock;
	struct itemq	 ready;		/* claimed, not started */
	struct donelist	 done;		/* outcomes to write */
	size_t		 want;		/* the I/O thread could start this
					 * many more soon */
	size_t		 target;	/* ready queue length to aim for */
	bool		 is_woken;	/* sender_wake: look now */
	bool		 is_io_finished;

	/* The database thread's. */
	struct store	*st;		/* owned */
	uint64_t	 rnd;
	int64_t		 log_window_ns;
	unsigned	 log_lines;
	uint64_t	 log_suppressed;

	/* The I/O thread's. */
	void		*pctx;		/* owned (ops->close) */
	struct ratelimit rl;
	struct slot	*slots;		/* n_slots, owned (HTTP) */
	size_t		 n_slots;
	size_t		 n_busy;
	struct outbox_item *batch;	/* SENDER_BATCH, owned (file) */
	struct provider_result *results;	/* SENDER_BATCH (file) */

	_Atomic uint64_t counters[C_N];
};

struct sender {
	const struct cfg *cfg;		/* borrowed */
	atomic_bool	 is_stopping;
	bool		 has_curl;
	struct worker	*workers;	/* n_workers, owned */
	size_t		 n_workers;
};

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * RATELIMIT_NS + ts.tv_nsec;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static bool
is_stopping(const struct worker *w)
{
	return atomic_load(&w->s->is_stopping);
}

static void
item_free(struct outbox_item *it)
{
	free(it->to);
	free(it->from);
	free(it->text);
	free(it->dlr_url);
	memset(it, 0, sizeof(*it));
}

/* ---- the shared queues (callers hold w->lock) ------------------------ */

static size_t
itemq_len(const struct itemq *q)
{
	return q->n - q->head;
}

/* Move items[0..n) in (the array itself is freed); -1: out of memory,
 * and the items are freed (they stay "sending" until recovered). */
static int
itemq_push_all(struct itemq *q, struct outbox_item *items, size_t n)
{
	struct outbox_item *grown;
	size_t cap, i;

	if (q->head > 0 && q->head == q->n) {
		q->head = 0;
		q->n = 0;
	}
	if (q->n + n > q->cap) {
		if (q->head > 0) {
			memmove(q->v, q->v + q->head,
			    itemq_len(q) * sizeof(*q->v));
			q->n -= q->head;
			q->head = 0;
		}
		cap = q->cap == 0 ? 64 : q->cap;
		while (cap < q->n + n)
			cap *= 2;
		if (cap > q->cap) {
			grown = realloc(q->v, cap * sizeof(*grown));
			if (grown == NULL) {
				outbox_items_free(items, n);
				return -1;
			}
			q->v = grown;
			q->cap = cap;
		}
	}
	for (i = 0; i < n; i++)
		q->v[q->n++] = items[i];
	free(items);
	return 0;
}

static bool
itemq_pop(struct itemq *q, struct outbox_item *out)
{
	if (q->head == q->n)
		return false;
	*out = q->v[q->head];
	memset(&q->v[q->head], 0, sizeof(q->v[0]));
	q->head++;
	return true;
}

static void
itemq_cleanup(struct itemq *q)
{
	size_t i;

	for (i = q->head; i < q->n; i++)
		item_free(&q->v[i]);
	free(q->v);
	memset(q, 0, sizeof(*q));
}

/* Take ownership of *item and *res (both zeroed). */
static void
donelist_push(struct donelist *l, struct outbox_item *item,
    struct provider_result *res)
{
	struct done *grown, *d;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap == 0 ? 64 : l->cap * 2;
		grown = realloc(l->v, cap * sizeof(*grown));
		if (grown == NULL) {
			/* Left "sending"; recovered at the next start. */
			item_free(item);
			free(res->msgid);
			memset(res, 0, sizeof(*res));
			return;
		}
		l->v = grown;
		l->cap = cap;
	}
	d = &l->v[l->n++];
	memset(d, 0, sizeof(*d));
	d->item = *item;
	d->res = *res;
	memset(item, 0, sizeof(*item));
	memset(res, 0, sizeof(*res));
}

static void
donelist_cleanup(struct donelist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		item_free(&l->v[i].item);
		free(l->v[i].res.msgid);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- the database thread ----------------------------------------------- */

/* xorshift64*: jitter needs spread, not secrecy. */
static uint32_t
next_random(struct worker *w)
{
	w->rnd ^= w->rnd >> 12;
	w->rnd ^= w->rnd << 25;
	w->rnd ^= w->rnd >> 27;
	return (uint32_t)((w->rnd * 2685821657736338717ULL) >> 32);
}

static void
count(struct worker *w, enum counter c, uint64_t n)
{
	atomic_fetch_add_explicit(&w->counters[c], n, memory_order_relaxed);
}

/* Per-message log lines: at most SENDER_LOG_PER_S a second. */
static bool
may_log(struct worker *w)
{
	int64_t now = mono_ns();

	if (now - w->log_window_ns >= RATELIMIT_NS) {
		if (w->log_suppressed > 0)
			log_warnx("sender.log_suppressed provider=%s "
			    "lines=%llu", w->p->name,
			    (unsigned long long)w->log_suppressed);
		w->log_window_ns = now;
		w->log_lines = 0;
		w->log_suppressed = 0;
	}
	if (w->log_lines < SENDER_LOG_PER_S) {
		w->log_lines++;
		return true;
	}
	w->log_suppressed++;
	return false;
}

/* The outbox transition for one outcome, inside the flush transaction. */
static enum fp_err
apply(struct worker *w, struct done *d, int64_t now)
{
	char error[PROVIDER_ERROR_MAX + 48];
	enum fp_err err;

	switch (d->res.outcome) {
	case PROVIDER_ACCEPTED:
		err = outbox_mark_sent(w->st, d->item.id, d->res.msgid);
		if (err == FP_OK && d->res.is_delivered)
			err = outbox_set_status(w->st, d->item.id, "delivered",
			    "synthesised by the file provider");
		return err;
	case PROVIDER_RETRY:
		if (d->item.attempts < w->p->max_attempts) {
			d->next_in_s = backoff_delay_s(d->item.attempts,
			    next_random(w));
			return outbox_mark_retry(w->st, d->item.id,
			    now + d->next_in_s, d->res.error);
		}
		d->is_final_failure = true;
		snprintf(error, sizeof(error), "%s; gave up after %d attempts",
		    d->res.error, d->item.attempts);
		return outbox_mark_failed(w->st, d->item.id, error);
	case PROVIDER_REJECTED:
	default:
		d->is_final_failure = true;
		return outbox_mark_failed(w->st, d->item.id, d->res.error);
	}
}

static void
log_outcome(struct worker *w, const struct done *d)
{
	char to[MSISDN_MASK_MAX];

	if (d->res.outcome == PROVIDER_ACCEPTED) {
		if (log_enabled(LOG_LEVEL_DEBUG))
			log_debug("sender.sent id=%lld provider=%s to=%s "
			    "segments=%d attempt=%d msgid=%s",
			    (long long)d->item.id, w->p->name,
			    msisdn_mask(d->item.to, to, sizeof(to)),
			    d->item.segments, d->item.attempts,
			    d->res.msgid != NULL ? d->res.msgid : "-");
		return;
	}
	if (!may_log(w))
		return;
	msisdn_mask(d->item.to, to, sizeof(to));
	if (d->is_final_failure)
		log_warnx("sender.failed id=%lld provider=%s to=%s attempt=%d "
		    "error=\"%s\"", (long long)d->item.id, w->p->name, to,
		    d->item.attempts, d->res.error);
	else
		log_info("sender.retry id=%lld provider=%s to=%s attempt=%d "
		    "next_in_s=%lld error=\"%s\"", (long long)d->item.id,
		    w->p->name, to, d->item.attempts,
		    (long long)d->next_in_s, d->res.error);
}

static enum fp_err
flush_tx(struct worker *w, struct done *v, size_t n)
{
	enum fp_err err;
	int64_t now = time(NULL);
	size_t i;

	err = store_begin(w->st);
	for (i = 0; err == FP_OK && i < n; i++) {
		err = apply(w, &v[i], now);
		/* Deleted meanwhile: nothing to record. */
		if (err == FP_ENOTFOUND)
			err = FP_OK;
	}
	if (err == FP_OK)
		err = store_commit(w->st);
	if (err != FP_OK)
		store_rollback(w->st);
	return err;
}

/*
 * Write the outcomes, all in one transaction.  A busy database keeps
 * them for the next try (false).  Any other error is retried one
 * message per transaction, so one bad row cannot hold up the rest; a
 * message that still fails stays "sending" until the next start.
 */
static bool
flush(struct worker *w, struct donelist *l)
{
	uint64_t c[C_N] = { 0 };
	enum fp_err err;
	size_t i;

	err = flush_tx(w, l->v, l->n);
	if (err == FP_EBUSY) {
		if (may_log(w))
			log_warnx("sender.flush provider=%s messages=%zu "
			    "error=\"%s\"", w->p->name, l->n,
			    fp_strerror(err));
		return false;
	}
	for (i = 0; err != FP_OK && i < l->n; i++) {
		enum fp_err one = flush_tx(w, &l->v[i], 1);

		if (one != FP_OK) {
			log_error("sender.flush provider=%s id=%lld "
			    "error=\"%s\"", w->p->name,
			    (long long)l->v[i].item.id, fp_strerror(one));
			l->v[i].is_dropped = true;
		}
	}
	for (i = 0; i < l->n; i++) {
		struct done *d = &l->v[i];

		if (!d->is_dropped) {
			log_outcome(w, d);
			if (d->res.outcome == PROVIDER_ACCEPTED) {
				c[C_SENT]++;
				c[C_SEGMENTS] += (uint64_t)d->item.segments;
				if (d->res.is_delivered)
					c[C_DELIVERED]++;
			} else if (d->is_final_failure)
				c[C_FAILED]++;
			else
				c[C_RETRIED]++;
		}
		item_free(&d->item);
		free(d->res.msgid);
		d->res.msgid = NULL;
	}
	for (i = 0; i < C_N; i++)
		if (c[i] > 0)
			count(w, (enum counter)i, c[i]);
	l->n = 0;
	return true;
}

/* Claim up to `max` due messages into *items.  True when the batch came
 * back full (more are probably due). */
static bool
claim(struct worker *w, size_t max, struct outbox_item **items, size_t *n)
{
	size_t expired = 0;
	enum fp_err err;

	err = outbox_claim_ex(w->st, w->p->name, time(NULL), max, items, n,
	    &expired);
	if (err != FP_OK) {
		if (may_log(w))
			log_warnx("sender.claim provider=%s error=\"%s\"",
			    w->p->name, fp_strerror(err));
		*items = NULL;
		*n = 0;
		return false;
	}
	if (expired > 0) {
		count(w, C_EXPIRED, expired);
		log_info("sender.expired provider=%s messages=%zu", w->p->name,
		    expired);
	}
	return *n == max;
}

/* Give back what was claimed but never started (stopping). */
static void
unclaim_ready(struct worker *w, struct itemq *q)
{
	enum fp_err err;
	size_t i, n = itemq_len(q);

	if (n == 0)
		return;
	err = store_begin(w->st);
	for (i = q->head; err == FP_OK && i < q->n; i++)
		err = outbox_unclaim(w->st, q->v[i].id);
	if (err == FP_OK)
		err = store_commit(w->st);
	if (err != FP_OK) {
		store_rollback(w->st);
		log_warnx("sender.stop provider=%s unsent=%zu error=\"%s\"",
		    w->p->name, n, fp_strerror(err));
	}
}

static void
abs_deadline(struct timespec *ts, int64_t wait_ns)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(wait_ns / RATELIMIT_NS);
	ts->tv_nsec += (long)(wait_ns % RATELIMIT_NS);
	if (ts->tv_nsec >= RATELIMIT_NS) {
		ts->tv_sec++;
		ts->tv_nsec -= RATELIMIT_NS;
	}
}

static void *
db_main(void *arg)
{
	struct worker *w = arg;
	struct donelist mine = { 0 }, swap;
	struct outbox_item *items;
	struct timespec ts;
	int64_t now, next_claim = 0, wait;
	size_t want, n;
	bool can_claim, is_full, is_last = false;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		now = mono_ns();
		/* Claim when the I/O thread has room for a worthwhile batch
		 * (or has nothing at all) and there may be something due. */
		want = w->want;
		can_claim = !is_stopping(w) && want > 0 &&
		    (want * 2 >= w->target || itemq_len(&w->ready) == 0) &&
		    (w->is_woken || now >= next_claim);
		if (w->done.n == 0 && mine.n == 0 && !can_claim) {
			if (w->is_io_finished)
				break;
			/* Until the next poll, or sooner when a claim is
			 * due; the I/O thread signals when it wants more. */
			wait = SENDER_POLL_MS * SENDER_NS_PER_MS;
			if (want > 0 && next_claim > now)
				wait = min64(wait, next_claim - now);
			abs_deadline(&ts, wait);
			pthread_cond_timedwait(&w->db_cond, &w->lock, &ts);
			continue;
		}
		/* Everything that piled up goes in one transaction. */
		if (mine.n == 0 && w->done.n > 0) {
			swap = w->done;
			w->done = mine;
			mine = swap;
		}
		if (can_claim)
			w->is_woken = false;
		is_last = w->is_io_finished;
		pthread_mutex_unlock(&w->lock);

		if (mine.n > 0 && !flush(w, &mine)) {
			/* Database trouble: wait a little, keep them. */
			abs_deadline(&ts, SENDER_POLL_MS * SENDER_NS_PER_MS);
			pthread_mutex_lock(&w->lock);
			pthread_cond_timedwait(&w->db_cond, &w->lock, &ts);
			if (is_last && w->done.n == 0)
				break;
			continue;
		}
		items = NULL;
		n = 0;
		is_full = can_claim && claim(w, want, &items, &n);
		pthread_mutex_lock(&w->lock);
		if (can_claim) {
			next_claim = is_full ? now : now +
			    SENDER_POLL_MS * SENDER_NS_PER_MS;
			if (n > 0) {
				itemq_push_all(&w->ready, items, n);
				w->want = w->want > n ? w->want - n : 0;
				curl_multi_wakeup(w->multi);
			}
		}
	}
	/* Stopping: the I/O thread is gone; give back what it never took. */
	unclaim_ready(w, &w->ready);
	itemq_cleanup(&w->ready);
	pthread_mutex_unlock(&w->lock);
	donelist_cleanup(&mine);
	return NULL;
}

/* ---- the I/O thread ---------------------------------------------------- */

/* Hand an outcome to the database thread. */
static void
hand_back(struct worker *w, struct outbox_item *item,
    struct provider_result *res)
{
	pthread_mutex_lock(&w->lock);
	donelist_push(&w->done, item, res);
	pthread_cond_signal(&w->db_cond);
	pthread_mutex_unlock(&w->lock);
}

static void
fail_now(struct worker *w, struct outbox_item *item, const char *why)
{
	struct provider_result res;

	memset(&res, 0, sizeof(res));
	res.outcome = PROVIDER_RETRY;
	snprintf(res.error, sizeof(res.error), "%s", why);
	hand_back(w, item, &res);
}

/*
 * Take the next ready message if a token allows (the caller checked the
 * connection).  Also tells the database thread how many more it could
 * use: the queue aims at `target`, but not beyond the tokens due within
 * SENDER_HORIZON_MS, so claimed messages do not sit waiting long for
 * the bucket.
 */
static bool
take_ready(struct worker *w, int64_t now, struct outbox_item *out)
{
	size_t tokens, len;
	bool ok = false;

	pthread_mutex_lock(&w->lock);
	if (itemq_len(&w->ready) > 0 && ratelimit_take(&w->rl, now, NULL))
		ok = itemq_pop(&w->ready, out);
	len = itemq_len(&w->ready);
	tokens = ratelimit_forecast(&w->rl, now,
	    SENDER_HORIZON_MS * SENDER_NS_PER_MS, w->target);
	w->want = tokens > len ? tokens - len : 0;
	if (w->want * 2 >= w->target || (w->want > 0 && len == 0))
		pthread_cond_signal(&w->db_cond);
	pthread_mutex_unlock(&w->lock);
	return ok;
}

static void
send_file(struct worker *w, int64_t now)
{
	size_t k = 0, i;

	while (k < SENDER_BATCH && take_ready(w, now, &w->batch[k]))
		k++;
	if (k == 0)
		return;
	memset(w->results, 0, k * sizeof(*w->results));
	w->ops->send_batch(w->pctx, w->batch, k, w->results);
	pthread_mutex_lock(&w->lock);
	for (i = 0; i < k; i++)
		donelist_push(&w->done, &w->batch[i], &w->results[i]);
	pthread_cond_signal(&w->db_cond);
	pthread_mutex_unlock(&w->lock);
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct slot *sl = arg;
	size_t len = size * nmemb;
	size_t room = SENDER_BODY_MAX - sl->body_len;

	/* Keep the start, which holds the id or the reason; skip the rest. */
	if (len < room)
		room = len;
	memcpy(sl->body + sl->body_len, data, room);
	sl->body_len += room;
	sl->body[sl->body_len] = '\0';
	return len;
}

static void
start_http(struct worker *w, int64_t now)
{
	struct slot *sl;
	size_t i;

	for (i = 0; i < w->n_slots && w->n_busy < w->n_slots; i++) {
		sl = &w->slots[i];
		if (sl->is_busy)
			continue;
		if (!take_ready(w, now, &sl->item))
			break;
		if (w->ops->build(w->pctx, &sl->item, &sl->req) != FP_OK) {
			fail_now(w, &sl->item, "out of memory");
			continue;
		}
		sl->body_len = 0;
		sl->body[0] = '\0';
		sl->errbuf[0] = '\0';
		curl_easy_setopt(sl->easy, CURLOPT_URL, sl->req.url);
		if (sl->req.body != NULL) {
			curl_easy_setopt(sl->easy, CURLOPT_POSTFIELDSIZE,
			    (long)sl->req.body_len);
			curl_easy_setopt(sl->easy, CURLOPT_POSTFIELDS,
			    sl->req.body);
		} else
			curl_easy_setopt(sl->easy, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(sl->easy, CURLOPT_HTTPHEADER,
		    sl->req.headers);
		if (curl_multi_add_handle(w->multi, sl->easy) != CURLM_OK) {
			provider_request_cleanup(&sl->req);
			fail_now(w, &sl->item, "curl: cannot add request");
			continue;
		}
		sl->is_busy = true;
		w->n_busy++;
	}
}

/* "timeout: Operation timed out after 1000 ms ..." without quotes. */
static void
transport_error(struct provider_result *res, CURLcode code,
    const char *errbuf)
{
	size_t i;

	res->outcome = PROVIDER_RETRY;
	snprintf(res->error, sizeof(res->error), "%s: %.140s",
	    code == CURLE_OPERATION_TIMEDOUT ? "timeout" : "connection",
	    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code));
	for (i = 0; res->error[i] != '\0'; i++)
		if (res->error[i] == '"' || res->error[i] == '\\' ||
		    res->error[i] == '\n' || res->error[i] == '\r')
			res->error[i] = '\'';
}

static void
collect(struct worker *w)
{
	struct provider_result res;
	struct slot *sl;
	CURLMsg *msg;
	CURLcode code;
	CURL *easy;
	long status;
	int running, left;
	char *priv;

	curl_multi_perform(w->multi, &running);
	for (;;) {
		msg = curl_multi_info_read(w->multi, &left);
		if (msg == NULL)
			break;
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		code = msg->data.result;
		priv = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		sl = (struct slot *)(void *)priv;
		memset(&res, 0, sizeof(res));
		if (code == CURLE_OK) {
			status = 0;
			curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE,
			    &status);
			w->ops->parse(w->pctx, &sl->item, status, sl->body,
			    sl->body_len, &res);
		} else
			transport_error(&res, code, sl->errbuf);
		curl_multi_remove_handle(w->multi, easy);
		provider_request_cleanup(&sl->req);
		hand_back(w, &sl->item, &res);
		sl->is_busy = false;
		w->n_busy--;
	}
}

/* At stop: let requests in flight finish for a while, then abandon them
 * (they stay "sending" until the next start recovers them). */
static void
drain_http(struct worker *w)
{
	int64_t deadline;
	size_t i;

	deadline = mono_ns() + min64(SENDER_GRACE_MS,
	    (int64_t)w->p->timeout_s * 1000) * SENDER_NS_PER_MS;
	while (w->n_busy > 0 && mono_ns() < deadline) {
		curl_multi_poll(w->multi, NULL, 0, 50, NULL);
		collect(w);
	}
	if (w->n_busy > 0)
		log_info("sender.stop provider=%s abandoned=%zu", w->p->name,
		    w->n_busy);
	for (i = 0; i < w->n_slots; i++) {
		struct slot *sl = &w->slots[i];

		if (!sl->is_busy)
			continue;
		curl_multi_remove_handle(w->multi, sl->easy);
		provider_request_cleanup(&sl->req);
		item_free(&sl->item);
		sl->is_busy = false;
	}
	w->n_busy = 0;
}

static void *
io_main(void *arg)
{
	struct worker *w = arg;
	int64_t now, wait, token_wait;
	bool has_room, has_ready;

	while (!is_stopping(w)) {
		now = mono_ns();
		if (w->ops->is_http) {
			start_http(w, now);
			collect(w);
		} else
			send_file(w, now);

		/* Sleep until a request finishes (socket), a token is due
		 * for a ready message, or the database thread brings more
		 * (curl_multi_wakeup). */
		now = mono_ns();
		has_room = !w->ops->is_http || w->n_busy < w->n_slots;
		pthread_mutex_lock(&w->lock);
		has_ready = itemq_len(&w->ready) > 0;
		token_wait = ratelimit_wait_ns(&w->rl, now);
		pthread_mutex_unlock(&w->lock);
		wait = SENDER_POLL_MS * SENDER_NS_PER_MS;
		/* With nothing ready but no token either, the database
		 * thread was told to claim nothing: look again (and tell
		 * it) when the next token is due. */
		if (has_room && (has_ready || token_wait > 0))
			wait = min64(wait, token_wait);
		if (wait <= 0)
			continue;
		curl_multi_poll(w->multi, NULL, 0,
		    (int)((wait + SENDER_NS_PER_MS - 1) / SENDER_NS_PER_MS),
		    NULL);
	}
	if (w->ops->is_http)
		drain_http(w);
	pthread_mutex_lock(&w->lock);
	w->is_io_finished = true;
	pthread_cond_signal(&w->db_cond);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* ---- life cycle -------------------------------------------------------- */

static enum fp_err
slots_open(struct worker *w)
{
	const struct cfg_provider *p = w->p;
	struct slot *sl;
	size_t i, n;

	n = (size_t)(p->connections > 0 ? p->connections : 1);
	w->slots = calloc(n, sizeof(*w->slots));
	if (w->slots == NULL)
		return FP_ENOMEM;
	w->n_slots = n;
	for (i = 0; i < w->n_slots; i++) {
		sl = &w->slots[i];
		sl->body = malloc(SENDER_BODY_MAX + 1);
		sl->easy = curl_easy_init();
		if (sl->body == NULL || sl->easy == NULL)
			return FP_ENOMEM;
		curl_easy_setopt(sl->easy, CURLOPT_PRIVATE, (char *)sl);
		curl_easy_setopt(sl->easy, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(sl->easy, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(sl->easy, CURLOPT_WRITEDATA, sl);
		curl_easy_setopt(sl->easy, CURLOPT_ERRORBUFFER, sl->errbuf);
		curl_easy_setopt(sl->easy, CURLOPT_TIMEOUT_MS,
		    (long)p->timeout_s * 1000L);
		curl_easy_setopt(sl->easy, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(sl->easy, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(sl->easy, CURLOPT_USERAGENT, "fupin-gateway");
	}
	/* Keep-alive: the multi handle's cache holds the connections; the
	 * provider never sees more than `connections` of them. */
	curl_multi_setopt(w->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)w->n_slots);
	curl_multi_setopt(w->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)w->n_slots);
	curl_multi_setopt(w->multi, CURLMOPT_MAXCONNECTS, (long)w->n_slots);
	return FP_OK;
}

static void
worker_close(struct worker *w)
{
	size_t i;

	for (i = 0; i < w->n_slots; i++) {
		struct slot *sl = &w->slots[i];

		if (sl->is_busy) {
			curl_multi_remove_handle(w->multi, sl->easy);
			provider_request_cleanup(&sl->req);
			item_free(&sl->item);
		}
		if (sl->easy != NULL)
			curl_easy_cleanup(sl->easy);
		free(sl->body);
	}
	free(w->slots);
	free(w->batch);
	free(w->results);
	itemq_cleanup(&w->ready);
	donelist_cleanup(&w->done);
	if (w->multi != NULL)
		curl_multi_cleanup(w->multi);
	if (w->pctx != NULL)
		w->ops->close(w->pctx);
	store_close(w->st);
	if (w->has_lock) {
		pthread_cond_destroy(&w->db_cond);
		pthread_mutex_destroy(&w->lock);
	}
}

/*
 * SQLite's own busy handler sleeps 1, 2, 5, 10 ... 100 ms between tries;
 * the gateway's writer and these threads take turns on the write lock
 * every few milliseconds, so that would leave the lock idle most of the
 * time.  Short sleeps instead, for the same STORE_BUSY_TIMEOUT_MS.
 */
static int
busy_wait(void *arg, int tries)
{
	struct timespec ts = { 0, 0 };

	(void)arg;
	if (tries < 20)
		ts.tv_nsec = 50 * 1000L;
	else if (tries < 100)
		ts.tv_nsec = 200 * 1000L;
	else
		ts.tv_nsec = 1000 * 1000L;
	/* 20 x 50 us + 80 x 200 us + n x 1 ms ~ the store's timeout. */
	if (tries >= 100 + STORE_BUSY_TIMEOUT_MS)
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

/* Up to 20 ms of tokens at once: batches at high rates, 1 at low. */
static int
burst_for(int rate_per_s)
{
	return rate_per_s / 50 > 1 ? rate_per_s / 50 : 1;
}

static enum fp_err
worker_open(struct sender *s, struct worker *w, const struct cfg_provider *p)
{
	pthread_condattr_t ca;
	enum fp_err err;

	w->s = s;
	w->p = p;
	w->ops = provider_ops_for(p->type);
	if (pthread_condattr_init(&ca) != 0)
		return FP_ENOMEM;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&w->db_cond, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		return FP_ENOMEM;
	}
	pthread_condattr_destroy(&ca);
	if (pthread_mutex_init(&w->lock, NULL) != 0) {
		pthread_cond_destroy(&w->db_cond);
		return FP_ENOMEM;
	}
	w->has_lock = true;
	err = gw_store_open_status(s->cfg, &w->st);
	if (err != FP_OK)
		return err;
	sqlite3_busy_handler(store_db(w->st), busy_wait, NULL);
	err = w->ops->open(s->cfg, p, &w->pctx);
	if (err != FP_OK)
		return err;
	w->multi = curl_multi_init();
	if (w->multi == NULL)
		return FP_ENOMEM;
	if (w->ops->is_http) {
		err = slots_open(w);
		if (err != FP_OK)
			return err;
		/* A whole batch per claim: each claim is a transaction (and an
		 * fsync); the rate limiter still decides when each goes out. */
		w->target = SENDER_BATCH;
	} else {
		w->batch = calloc(SENDER_BATCH, sizeof(*w->batch));
		w->results = calloc(SENDER_BATCH, sizeof(*w->results));
		if (w->batch == NULL || w->results == NULL)
			return FP_ENOMEM;
		w->target = SENDER_BATCH;
	}
	if (getrandom(&w->rnd, sizeof(w->rnd), 0) != (ssize_t)sizeof(w->rnd))
		w->rnd = (uint64_t)mono_ns();
	w->rnd |= 1;
	ratelimit_init(&w->rl, p->rate_per_s, burst_for(p->rate_per_s),
	    mono_ns());
	w->want = ratelimit_forecast(&w->rl, mono_ns(),
	    SENDER_HORIZON_MS * SENDER_NS_PER_MS, w->target);
	return FP_OK;
}

static enum fp_err
recover(const struct cfg *cfg)
{
	struct store *st = NULL;
	enum fp_err err;
	int64_t n = 0;

	err = store_open(cfg->database.path, gw_durability(cfg), &st);
	if (err == FP_OK)
		err = outbox_recover(st, &n);
	store_close(st);
	if (err != FP_OK)
		log_error("sender.recover error=\"%s\"", fp_strerror(err));
	else if (n > 0)
		log_info("sender.recover messages=%lld", (long long)n);
	return err;
}

enum fp_err
sender_start(const struct cfg *cfg, struct sender **out)
{
	struct sender *s;
	struct worker *w;
	enum fp_err err;
	size_t i;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return FP_ENOMEM;
	s->cfg = cfg;
	atomic_init(&s->is_stopping, false);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("sender.start error=\"curl_global_init failed\"");
		free(s);
		return FP_ENOMEM;
	}
	s->has_curl = true;
	outbox_set_include_msisdn(cfg->mqtt.include_msisdn);
	s->workers = calloc(cfg->n_providers > 0 ? cfg->n_providers : 1,
	    sizeof(*s->workers));
	if (s->workers == NULL) {
		err = FP_ENOMEM;
		goto fail;
	}
	err = recover(cfg);
	if (err != FP_OK)
		goto fail;
	for (i = 0; i < cfg->n_providers; i++) {
		s->n_workers++;
		err = worker_open(s, &s->workers[i], &cfg->providers[i]);
		if (err != FP_OK) {
			log_error("sender.start provider=%s error=\"%s\"",
			    cfg->providers[i].name, fp_strerror(err));
			goto fail;
		}
	}
	for (i = 0; i < s->n_workers; i++) {
		w = &s->workers[i];
		if (pthread_create(&w->db_thread, NULL, db_main, w) != 0)
			goto fail_thread;
		w->has_db_thread = true;
		if (pthread_create(&w->io_thread, NULL, io_main, w) != 0)
			goto fail_thread;
		w->has_io_thread = true;
	}
	log_info("sender.start providers=%zu", s->n_workers);
	*out = s;
	return FP_OK;
fail_thread:
	log_error("sender.start provider=%s error=\"cannot start a thread\"",
	    cfg->providers[i].name);
	err = FP_ENOMEM;
fail:
	sender_stop(s);
	return err;
}

void
sender_stop(struct sender *s)
{
	struct worker *w;
	size_t i;

	if (s == NULL)
		return;
	atomic_store(&s->is_stopping, true);
	for (i = 0; i < s->n_workers; i++) {
		w = &s->workers[i];
		if (w->multi != NULL)
			curl_multi_wakeup(w->multi);
	}
	/* First the network (in-flight requests get their grace), then
	 * the database threads write what came back. */
	for (i = 0; i < s->n_workers; i++) {
		w = &s->workers[i];
		if (w->has_io_thread) {
			pthread_join(w->io_thread, NULL);
		} else if (w->has_lock) {
			pthread_mutex_lock(&w->lock);
			w->is_io_finished = true;
			pthread_cond_signal(&w->db_cond);
			pthread_mutex_unlock(&w->lock);
		}
	}
	for (i = 0; i < s->n_workers; i++)
		if (s->workers[i].has_db_thread)
			pthread_join(s->workers[i].db_thread, NULL);
	for (i = 0; i < s->n_workers; i++)
		worker_close(&s->workers[i]);
	free(s->workers);
	if (s->has_curl)
		curl_global_cleanup();
	free(s);
}

void
sender_wake(struct sender *s, const char *provider)
{
	struct worker *w;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_workers; i++) {
		w = &s->workers[i];
		if (provider != NULL && strcmp(provider, w->p->name) != 0)
			continue;
		pthread_mutex_lock(&w->lock);
		w->is_woken = true;
		pthread_cond_signal(&w->db_cond);
		pthread_mutex_unlock(&w->lock);
	}
}

void
sender_metrics(struct sender *s, void (*emit)(const char *provider,
    const char *metric, uint64_t v, void *arg), void *arg)
{
	size_t i, c;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_workers; i++)
		for (c = 0; c < C_N; c++)
			emit(s->workers[i].p->name, counter_names[c],
			    atomic_load_explicit(&s->workers[i].counters[c],
			    memory_order_relaxed), arg);
}
