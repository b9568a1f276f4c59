/*
 * sender.c: per provider, two threads move due messages from the outbox
 * to the provider (see sender.h):
 *
 *   the database thread (sender_db.c) claims due messages into the
 *   ready queue, as many as the I/O thread says it can start soon, and
 *   writes the outcomes the I/O thread hands back, in rounds that share
 *   the gateway writer's group commit;
 *
 *   the I/O thread (sender_io.c) takes ready messages as the token
 *   bucket and the free connections allow, sends them and hands the
 *   outcomes back.
 *
 * So the network never waits for the database nor the database for the
 * network.  The two meet only in struct worker's locked part (ready
 * queue, outcomes, `want`, flags; sender_worker.h).  This file has that
 * shared part's life cycle: start, stop, wake, metrics (its queues are
 * sender_queue.c's).
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
#include <unistd.h>

#include "compiler.h"
#include "gateway.h"
#include "log.h"
#include "outbox.h"
#include "provider.h"
#include "ratelimit.h"
#include "sender.h"
#include "sender_worker.h"
#include "store.h"
#include "writer.h"

static const char *const counter_names[C_N] = {
	"segments_sent", "sent", "delivered", "retried", "failed", "expired",
	"direct",
};

static struct worker *find_worker(struct sender *s, const char *provider);

/* ---- life cycle -------------------------------------------------------- */

static void
worker_close(struct worker *w)
{
	size_t i;

	for (i = 0; i < w->n_slots; i++) {
		struct slot *sl = &w->slots[i];

		if (sl->is_busy) {
			curl_multi_remove_handle(w->multi, sl->easy);
			provider_request_cleanup(&sl->req);
			sender_item_free(&sl->item);
		}
		if (sl->easy != NULL)
			curl_easy_cleanup(sl->easy);
		free(sl->body);
	}
	free(w->slots);
	free(w->batch);
	free(w->results);
	sender_itemq_cleanup(&w->ready);
	sender_donelist_cleanup(&w->done);
	if (w->multi != NULL)
		curl_multi_cleanup(w->multi);
	if (w->epfd >= 0)
		close(w->epfd);
	free(w->fd_state);
	if (w->evfd >= 0)
		close(w->evfd);
	if (w->pctx != NULL)
		w->ops->close(w->pctx);
	store_close(w->st);
	if (w->has_lock) {
		pthread_cond_destroy(&w->db_cond);
		pthread_mutex_destroy(&w->lock);
		pthread_mutex_destroy(&w->writer_lock);
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

/* The operations for a configured provider type. */
static const struct provider_ops *
provider_ops_for(enum cfg_provider_type type)
{
	switch (type) {
	case CFG_PROVIDER_KANNEL:
		return &provider_kannel_ops;
	case CFG_PROVIDER_HTTP_JSON:
		return &provider_http_json_ops;
	case CFG_PROVIDER_CMPP:
		return &provider_cmpp_ops;
	case CFG_PROVIDER_SMPP:
		return &provider_smpp_ops;
	case CFG_PROVIDER_ALIYUN:
		return &provider_aliyun_ops;
	case CFG_PROVIDER_TENCENT:
		return &provider_tencent_ops;
	case CFG_PROVIDER_FILE:
		return &provider_file_ops;
	default:
		break;
	}
	return NULL;	/* a type the configuration let through: refused */
}

/* -fanalyzer: on failure sender_start's fail path runs worker_close on
 * this worker too (n_workers counts it before the open), which frees
 * batch, results and slots; gcc 12 reports them leaked all the same. */
FP_ANALYZER_LEAK_OFF
static enum fp_err
worker_open(struct sender *s, struct worker *w, const struct cfg_provider *p)
{
	pthread_condattr_t ca;
	enum fp_err err;

	w->s = s;
	w->p = p;
	w->epfd = -1;
	w->evfd = -1;
	w->ops = provider_ops_for(p->type);
	if (w->ops == NULL) {
		log_error("sender.open provider=%s error=unknown_type", p->name);
		return FP_EINVAL;
	}
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
	if (pthread_mutex_init(&w->writer_lock, NULL) != 0) {
		pthread_mutex_destroy(&w->lock);
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
	err = sender_io_open(w);
	if (err != FP_OK)
		return err;
	if (w->ops->is_http) {
		err = sender_slots_open(w);
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
		w->rnd = (uint64_t)monotime_ns();
	w->rnd |= 1;
	snprintf(w->log_event, sizeof(w->log_event), "sender provider=%s",
	    p->name);
	w->log_limit = (struct log_limit)LOG_LIMIT_INIT(w->log_event,
	    LOG_PER_S);
	ratelimit_init(&w->rl, p->rate_per_s, burst_for(p->rate_per_s),
	    monotime_ns());
	w->want = ratelimit_forecast(&w->rl, monotime_ns(),
	    SENDER_HORIZON_MS * SENDER_NS_PER_MS, w->target);
	return FP_OK;
}
FP_ANALYZER_LEAK_ON

static enum fp_err
recover(const struct cfg *cfg)
{
	struct store *st = NULL;
	enum fp_err err;
	int64_t n = 0;

	err = store_open(cfg->database.path, gw_durability(cfg), &st);
	if (err == FP_OK)
		err = outbox_recover(st, (int64_t)time(NULL), &n);
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
		w->fo_to = find_worker(s, w->p->failover);
		failover_init(&w->fo, w->p->failover_after_s);
	}
	for (i = 0; i < s->n_workers; i++) {
		w = &s->workers[i];
		if (pthread_create(&w->db_thread, NULL, sender_db_main, w) != 0)
			goto fail_thread;
		w->has_db_thread = true;
		if (pthread_create(&w->io_thread, NULL, sender_io_main, w) != 0)
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
		if (w->evfd >= 0)
			sender_io_wake(w);
		/* A link's send_batch may wait on a silent peer: end it. */
		if (w->ops != NULL && w->ops->interrupt != NULL &&
		    w->pctx != NULL)
			w->ops->interrupt(w->pctx);
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
sender_use_writer(struct sender *s, struct writer *wr)
{
	struct worker *w;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_workers; i++) {
		w = &s->workers[i];
		if (!w->has_lock)
			continue;
		/* Waits for a round in progress on the old one. */
		pthread_mutex_lock(&w->writer_lock);
		w->writer = wr;
		pthread_mutex_unlock(&w->writer_lock);
	}
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

static struct worker *
find_worker(struct sender *s, const char *provider)
{
	size_t i;

	if (s == NULL || provider == NULL)
		return NULL;
	for (i = 0; i < s->n_workers; i++)
		if (strcmp(s->workers[i].p->name, provider) == 0)
			return &s->workers[i];
	return NULL;
}

bool
sender_reserve(struct sender *s, const char *provider)
{
	struct worker *w = find_worker(s, provider);
	bool ok = false;

	if (w == NULL)
		return false;
	pthread_mutex_lock(&w->lock);
	/* Over (failover.h): queued, so its round moves it on. */
	if (!is_stopping(w) && !w->is_io_finished && w->want > 0 &&
	    !atomic_load(&w->is_over)) {
		w->want--;
		w->reserved++;
		ok = true;
	}
	pthread_mutex_unlock(&w->lock);
	return ok;
}

void
sender_release(struct sender *s, const char *provider)
{
	struct worker *w = find_worker(s, provider);

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	if (w->reserved > 0) {
		w->reserved--;
		w->want++;
	}
	pthread_mutex_unlock(&w->lock);
}

void
sender_hand_over(struct sender *s, const char *provider,
    struct outbox_item *it)
{
	struct worker *w = find_worker(s, provider);
	const char *why = "sender stopped";
	int64_t id = it->id;
	bool was_empty;

	if (w == NULL) {
		outbox_item_free(it);
		return;
	}
	pthread_mutex_lock(&w->lock);
	if (w->reserved > 0)
		w->reserved--;
	was_empty = sender_itemq_len(&w->ready) == 0;
	if (!w->is_io_finished && sender_itemq_push(&w->ready, it) == 0) {
		pthread_mutex_unlock(&w->lock);
		atomic_fetch_add_explicit(&w->counters[C_DIRECT], 1,
		    memory_order_relaxed);
		/* A queue that was not empty is being worked on: the I/O
		 * thread sleeps with ready messages only until a connection
		 * frees or a token is due.  A wake-up per message cost a
		 * context switch each. */
		if (was_empty)
			sender_io_wake(w);
		return;
	}
	if (!w->is_io_finished)
		why = "out of memory";
	pthread_mutex_unlock(&w->lock);
	/* Stays "sending": the next start's recovery sends it. */
	log_warnx("sender.hand_over provider=%s id=%lld error=\"%s\"",
	    w->p->name, (long long)id, why);
	outbox_item_free(it);
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
