/*
 * broadcaster.c: the notices thread (see broadcaster.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "alert.h"
#include "broadcast.h"
#include "broadcaster.h"
#include "log.h"
#include "reminder.h"
#include "writer.h"

#define TICK_S		1
#define RESOLVE_BATCH	20000	/* households per transaction */
#define PRUNE_BATCH	20000	/* recipient rows pruned per tick at most */
#define BUDGET_MAX	2000	/* notices queued per round at most */

struct broadcaster {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;
	bool			 stopping;
	const struct svc_ctx	*ctx;
	struct writer		*writer;
	/* The broadcast being resolved (NULL: none); only the tick job and,
	 * between ticks, broadcaster_main touch it. */
	struct broadcast_resolution *resolving;
};

enum fp_err
broadcaster_budget(struct store *st, const struct cfg *cfg, int *budget)
{
	const struct cfg_provider *p = cfg_provider_find(cfg, cfg->sms.provider);
	sqlite3_stmt *stmt;
	enum fp_err err;
	int64_t backlog = 0, want;

	want = 2 * (int64_t)(p != NULL ? p->rate_per_s : 50);
	err = store_stmt(st, "SELECT count(*) FROM sms_out WHERE status = "
	    "'queued' AND broadcast_id IS NOT NULL", &stmt);
	if (err != FP_OK)
		return err;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		backlog = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	want -= backlog;
	*budget = want < 0 ? 0 : want > BUDGET_MAX ? BUDGET_MAX : (int)want;
	return FP_OK;
}

struct tick_job {
	struct broadcaster	*b;
	int64_t			 now;
	int			 queued;
	int			 resent;
	int			 overdue;
	int			 reminders;
	int			 pruned;	/* recipient rows */
	bool			 resolving;	/* more to resolve */
};

/*
 * One batch of the oldest broadcast not yet resolved (created by the
 * API, fupinctl, MQTT or a reminder, or interrupted by a crash: begun
 * again, it skips the numbers already written).
 */
static enum fp_err
resolve_some(struct store *st, struct tick_job *j)
{
	struct broadcaster *b = j->b;
	int64_t recipients = 0, id;
	size_t n = 0;
	bool done = false;
	enum fp_err err;

	if (b->resolving == NULL) {
		err = broadcast_unresolved(st, &id, 1, &n);
		if (err != FP_OK || n == 0)
			return err;
		err = broadcast_resolve_begin(st, id, &b->resolving);
		if (err == FP_ENOTFOUND)
			return FP_OK;	/* deleted meanwhile */
		if (err != FP_OK)
			return err;
	}
	id = broadcast_resolution_id(b->resolving);
	err = broadcast_resolve_step(st, b->ctx, b->resolving, RESOLVE_BATCH,
	    &done, &recipients);
	if (err == FP_ENOTFOUND)
		done = true;	/* deleted meanwhile */
	else if (err != FP_OK)
		return err;
	if (done) {
		log_info("broadcast.resolved id=%lld recipients=%lld",
		    (long long)id, (long long)recipients);
		broadcast_resolve_free(b->resolving);
		b->resolving = NULL;
	}
	j->resolving = true;
	return FP_OK;
}

static enum fp_err
tick_job_run(struct store *st, void *arg)
{
	struct tick_job *j = arg;
	int budget = 0;
	enum fp_err err;

	err = reminder_run(st, j->b->ctx, j->now, &j->reminders);
	if (err == FP_OK)
		err = resolve_some(st, j);
	if (err == FP_OK)
		err = broadcaster_budget(st, j->b->ctx->cfg, &budget);
	if (err == FP_OK)
		err = broadcast_round(st, j->b->ctx, j->now, budget, &j->queued);
	if (err == FP_OK)
		err = alert_escalate(st, j->b->ctx, j->now, &j->resent,
		    &j->overdue);
	if (err == FP_OK)
		err = broadcast_prune(st, j->b->ctx->cfg, j->now, PRUNE_BATCH,
		    &j->pruned);
	return err;
}

static void *
broadcaster_main(void *arg)
{
	struct broadcaster *b = arg;
	struct timespec until;

	pthread_mutex_lock(&b->lock);
	while (!b->stopping) {
		struct tick_job j = { b, (int64_t)time(NULL), 0, 0, 0, 0, 0,
		    false };
		enum fp_err err;

		pthread_mutex_unlock(&b->lock);
		err = writer_run(b->writer, tick_job_run, &j);
		if (err != FP_OK) {
			log_warnx("broadcaster.tick error=\"%s\"",
			    fp_strerror(err));
			/* The batch was rolled back (or may have been): the
			 * resolution begins again from what was committed. */
			broadcast_resolve_free(b->resolving);
			b->resolving = NULL;
		} else if (j.queued + j.resent + j.overdue + j.reminders +
		    j.pruned > 0)
			log_info("broadcaster.tick queued=%d resent=%d "
			    "overdue=%d reminders=%d pruned=%d", j.queued,
			    j.resent, j.overdue, j.reminders, j.pruned);
		pthread_mutex_lock(&b->lock);
		if (b->stopping)
			break;
		/* Busy: go again at once; idle: wait a tick. */
		if (j.queued > 0 || j.resolving)
			continue;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += TICK_S;
		while (!b->stopping && pthread_cond_timedwait(&b->wake,
		    &b->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

enum fp_err
broadcaster_start(const struct svc_ctx *ctx, struct writer *w,
    struct broadcaster **out)
{
	struct broadcaster *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return FP_ENOMEM;
	b->ctx = ctx;
	b->writer = w;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->wake, NULL);
	if (pthread_create(&b->thread, NULL, broadcaster_main, b) != 0) {
		pthread_cond_destroy(&b->wake);
		pthread_mutex_destroy(&b->lock);
		free(b);
		return FP_EIO;
	}
	*out = b;
	return FP_OK;
}

void
broadcaster_stop(struct broadcaster *b)
{
	if (b == NULL)
		return;
	pthread_mutex_lock(&b->lock);
	b->stopping = true;
	pthread_cond_signal(&b->wake);
	pthread_mutex_unlock(&b->lock);
	pthread_join(b->thread, NULL);
	broadcast_resolve_free(b->resolving);
	pthread_cond_destroy(&b->wake);
	pthread_mutex_destroy(&b->lock);
	free(b);
}
