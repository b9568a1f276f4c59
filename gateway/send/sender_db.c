/*
 * sender_db.c: a provider's database thread (see sender.h, and
 * sender_worker.h for what it shares with the I/O thread).  It claims
 * due messages ("sending", attempts + 1) into the ready queue, as many
 * as the I/O thread says it can start soon, and writes the outcomes
 * the I/O thread hands back; a round does both in one transaction, as
 * a job of the gateway writer's group commit when it has one.  It never
 * touches the network.  Logs name the provider and the message id,
 * numbers masked, never texts; per-message lines are limited to
 * LOG_PER_S a second (log_allow, log.h).
 *
 * An outcome the database will not take (full, an I/O error, busy) is
 * held, in order, and written again with a growing pause until it is
 * stored: its message stays "sending", which no claim takes, so what
 * the provider answered is never lost nor the message sent again while
 * the gateway runs.  No claim is made while outcomes are held, and the
 * I/O thread waits once SENDER_HELD_MAX of them are (bounded memory).
 *
 * A provider with a failover (issue 16): the outcomes it writes and its
 * link's state feed failover.c; once it is over, each round moves its
 * queued messages to the failover (outbox_failover) and claims at most
 * one now and then, the probe that tells when it is back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "link_inbound.h"
#include "log.h"
#include "msisdn.h"
#include "outbox.h"
#include "provider.h"
#include "ratelimit.h"
#include "sender.h"
#include "sender_worker.h"
#include "store.h"
#include "writer.h"

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

/* The outbox transition for one outcome, inside the round's transaction. */
static enum fp_err
apply(struct worker *w, struct store *st, struct done *d, int64_t now)
{
	char error[PROVIDER_ERROR_MAX + 48];
	enum fp_err err;

	/* A round may run twice (round_write): decide afresh. */
	d->is_final_failure = false;
	d->next_in_s = 0;
	switch (d->res.outcome) {
	case PROVIDER_ACCEPTED:
		err = outbox_mark_sent_claimed(st, &d->item, w->p->name,
		    d->res.msgid, now);
		if (err == FP_OK && d->res.is_delivered)
			err = outbox_set_status(st, d->item.id, "delivered",
			    "synthesised by the file provider", now);
		return err;
	case PROVIDER_RETRY:
		/* A provider that fails everything and has a failover does
		 * not give up on a message: the failover takes it. */
		if (d->item.attempts < w->p->max_attempts ||
		    (w->fo_to != NULL && failover_is_failing(&w->fo))) {
			d->next_in_s = backoff_delay_s(d->item.attempts,
			    next_random(w));
			return outbox_mark_retry(st, d->item.id,
			    now + d->next_in_s, d->res.error, now);
		}
		d->is_final_failure = true;
		snprintf(error, sizeof(error), "%s; gave up after %d attempts",
		    d->res.error, d->item.attempts);
		return outbox_mark_failed(st, d->item.id, error, now);
	case PROVIDER_REJECTED:
	default:
		d->is_final_failure = true;
		return outbox_mark_failed(st, d->item.id, d->res.error,
		    now);
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
	if (!log_allow(&w->log_limit))
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

/* Log, count and free the outcomes written; keep the held ones at the
 * front of the list, in order.  Returns how many are kept. */
static size_t
outcomes_finish(struct worker *w, struct donelist *l)
{
	uint64_t c[C_N] = { 0 };
	size_t i, kept = 0;

	for (i = 0; i < l->n; i++) {
		struct done *d = &l->v[i];

		if (d->is_held) {
			if (kept != i)
				l->v[kept] = *d;
			kept++;
			continue;
		}
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
		sender_item_free(&d->item);
		free(d->res.msgid);
		d->res.msgid = NULL;
	}
	for (i = 0; i < C_N; i++)
		if (c[i] > 0)
			count(w, (enum counter)i, c[i]);
	l->n = kept;
	return kept;
}

/*
 * One round of the database thread, one transaction: write the outcomes
 * that piled up, give back what a stopping I/O thread never took, claim
 * the next batch.  With a writer (sender_use_writer) the round is a job
 * of its group commit, so the gateway's writes have one owner of
 * SQLite's write lock: before, the writer and every provider's thread
 * took turns on it (sleeping in the busy handler) and each wrote the
 * same sms_out pages to the WAL again.  Without one, the worker's own
 * connection runs it.
 */
struct round {
	struct worker	*w;
	struct done	*done;		/* outcomes to write, borrowed */
	size_t		 n_done;
	bool		 is_one_by_one;	/* a savepoint per outcome */
	const struct itemq *unclaim;	/* give these back, or NULL */
	size_t		 want;		/* claim at most this many */
	const struct worker *move_to;	/* over: move queued messages to its
					 * provider (outbox_failover), or
					 * NULL */
	size_t		 n_moved;
	struct outbox_item *items;	/* claimed; the caller's once the
					 * round is committed */
	size_t		 n_items;
	size_t		 n_expired;
	enum fp_err	 held_err;	/* why the first outcome held
					 * (is_one_by_one) was */
};

/* A statement of the round's frame, prepared once per connection. */
static enum fp_err
exec_cached(struct store *st, const char *sql)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, sql, &stmt);
	if (err != FP_OK)
		return err;
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

/* One outcome; alone in a savepoint when is_one_by_one, so a row that
 * cannot be written is held back (for the next round) without holding
 * up the others. */
static enum fp_err
write_outcome(struct round *r, struct store *st, struct done *d,
    int64_t now)
{
	enum fp_err err;

	d->is_held = false;
	if (!r->is_one_by_one) {
		err = apply(r->w, st, d, now);
		/* Deleted meanwhile: nothing to record. */
		return err == FP_ENOTFOUND ? FP_OK : err;
	}
	err = exec_cached(st, "SAVEPOINT sender_one");
	if (err != FP_OK)
		return err;
	err = apply(r->w, st, d, now);
	if (err != FP_OK && err != FP_ENOTFOUND) {
		d->is_held = true;
		if (r->held_err == FP_OK)
			r->held_err = err;
		if (log_allow(&r->w->log_limit))
			log_warnx("sender.held provider=%s id=%lld "
			    "error=\"%s\"", r->w->p->name,
			    (long long)d->item.id, fp_strerror(err));
		/* A statement that failed this way may have ended the
		 * transaction (SQLite rolls it back on some I/O errors):
		 * then these fail too, and so does the round. */
		err = exec_cached(st, "ROLLBACK TO sender_one");
		if (err != FP_OK)
			return err;
	}
	return exec_cached(st, "RELEASE sender_one");
}

/* The round itself (a writer_fn): inside the caller's transaction. */
static enum fp_err
round_run(struct store *st, void *arg)
{
	struct round *r = arg;
	struct worker *w = r->w;
	int64_t now = time(NULL);	/* the round's one clock */
	enum fp_err err;
	size_t i;

	r->items = NULL;
	r->n_items = 0;
	r->n_expired = 0;
	r->n_moved = 0;
	r->held_err = FP_OK;
	for (i = 0; i < r->n_done; i++) {
		err = write_outcome(r, st, &r->done[i], now);
		if (err != FP_OK)
			return err;
	}
	for (i = r->unclaim != NULL ? r->unclaim->head : 0;
	    r->unclaim != NULL && i < r->unclaim->n; i++) {
		err = outbox_unclaim(st, r->unclaim->v[i].id, now);
		if (err != FP_OK)
			return err;
	}
	if (r->want == 0 && r->move_to == NULL)
		return FP_OK;
	/* A claim that fails must not take the outcomes with it.  Over,
	 * the claim is the probe (at most one) and the rest moves. */
	err = exec_cached(st, "SAVEPOINT sender_claim");
	if (err != FP_OK)
		return err;
	err = r->want == 0 ? FP_OK : outbox_claim_tx(st, w->p->name, now,
	    r->want, &r->items, &r->n_items, &r->n_expired);
	if (err == FP_OK && r->move_to != NULL)
		err = outbox_failover(st, w->p->name, r->move_to->p->name,
		    cfg_provider_is_template(r->move_to->p), now,
		    SENDER_FAILOVER_BATCH, &r->n_moved);
	if (err != FP_OK) {
		if (log_allow(&w->log_limit))
			log_warnx("sender.claim provider=%s error=\"%s\"",
			    w->p->name, fp_strerror(err));
		outbox_items_free(r->items, r->n_items);
		r->items = NULL;
		r->n_items = 0;
		r->n_moved = 0;
		exec_cached(st, "ROLLBACK TO sender_claim");
	}
	return exec_cached(st, "RELEASE sender_claim");
}

/* Run a round on the writer or on our own connection; on failure what
 * it claimed was rolled back, and is freed. */
static enum fp_err
round_exec(struct worker *w, struct round *r)
{
	enum fp_err err;

	pthread_mutex_lock(&w->writer_lock);
	if (w->writer != NULL) {
		err = writer_run_quiet(w->writer, round_run, r);
		pthread_mutex_unlock(&w->writer_lock);
	} else {
		pthread_mutex_unlock(&w->writer_lock);
		err = store_begin(w->st);
		if (err == FP_OK)
			err = round_run(w->st, r);
		if (err == FP_OK)
			err = store_commit(w->st);
		if (err != FP_OK)
			store_rollback(w->st);
	}
	if (err != FP_OK) {
		outbox_items_free(r->items, r->n_items);
		r->items = NULL;
		r->n_items = 0;
		r->n_expired = 0;
		r->n_moved = 0;
	}
	return err;
}

/*
 * After a round: start, continue or end holding outcomes (kept of them
 * are held now; err is why, when kept > 0).  The first failure is an
 * error line (a warning when the database was only busy); the retries
 * are warnings, limited; the end says how long it took.
 */
static void
hold_update(struct worker *w, size_t kept, size_t written, enum fp_err err)
{
	int64_t now = monotime_ns();

	if (kept == 0) {
		if (w->held_since_ns != 0)
			log_info("sender.flush provider=%s messages=%zu "
			    "held_ms=%lld action=written", w->p->name, written,
			    (long long)((now - w->held_since_ns) /
			    SENDER_NS_PER_MS));
		w->held_since_ns = 0;
		w->hold_retry_ns = 0;
		return;
	}
	if (w->held_since_ns == 0) {
		w->held_since_ns = now;
		w->hold_backoff_ms = SENDER_HOLD_MIN_MS;
		if (err == FP_EBUSY)
			log_warnx("sender.flush provider=%s messages=%zu "
			    "error=\"%s\" action=hold", w->p->name, kept,
			    fp_strerror(err));
		else
			log_error("sender.flush provider=%s messages=%zu "
			    "error=\"%s\" action=hold", w->p->name, kept,
			    fp_strerror(err));
	} else {
		w->hold_backoff_ms *= 2;
		if (w->hold_backoff_ms > SENDER_HOLD_MAX_MS)
			w->hold_backoff_ms = SENDER_HOLD_MAX_MS;
		if (log_allow(&w->log_limit))
			log_warnx("sender.held provider=%s messages=%zu "
			    "held_ms=%lld next_in_ms=%lld error=\"%s\"",
			    w->p->name, kept, (long long)((now -
			    w->held_since_ns) / SENDER_NS_PER_MS),
			    (long long)w->hold_backoff_ms, fp_strerror(err));
	}
	w->hold_retry_ns = now + w->hold_backoff_ms * SENDER_NS_PER_MS;
}

/*
 * Write the outcomes in *l, give back `unclaim` (or NULL) and claim up
 * to `want` (0: none) in one round; the claimed messages go to *items,
 * *n.  When the round fails for any reason but a busy database, it runs
 * again one outcome per savepoint, so one bad row cannot hold up the
 * rest.  What cannot be written stays in *l, in order, for the next
 * round (hold_update says when); the rest is logged, counted and freed.
 * Returns how many outcomes are held; *is_committed says whether the
 * round (its claims, its give-backs) was.
 */
static size_t
round_write(struct worker *w, struct donelist *l, const struct itemq *unclaim,
    size_t want, const struct worker *move_to, struct outbox_item **items,
    size_t *n, size_t *n_moved, bool *is_committed)
{
	struct round r;
	enum fp_err err;
	size_t i, kept, before = l->n;

	*items = NULL;
	*n = 0;
	memset(&r, 0, sizeof(r));
	r.w = w;
	r.done = l->v;
	r.n_done = l->n;
	r.unclaim = unclaim;
	r.want = want;
	r.move_to = move_to;
	err = round_exec(w, &r);
	if (err != FP_OK && err != FP_EBUSY && l->n > 0) {
		r.is_one_by_one = true;
		err = round_exec(w, &r);
	}
	*is_committed = err == FP_OK;
	if (err != FP_OK) {
		for (i = 0; i < l->n; i++)
			l->v[i].is_held = true;
		if (l->n == 0 && log_allow(&w->log_limit))
			log_warnx("sender.round provider=%s error=\"%s\" "
			    "action=retry", w->p->name, fp_strerror(err));
	} else
		err = r.held_err;
	if (r.n_expired > 0) {
		count(w, C_EXPIRED, r.n_expired);
		log_info("sender.expired provider=%s messages=%zu", w->p->name,
		    r.n_expired);
	}
	kept = outcomes_finish(w, l);
	if (before > 0 || w->held_since_ns != 0)
		hold_update(w, kept, before - kept, err);
	*items = r.items;
	*n = r.n_items;
	*n_moved = r.n_moved;
	return kept;
}

/* Outcomes the I/O thread handed back join ours, after those held
 * (w->lock held), and tell the failover state at `now` what the provider
 * answered.  Out of memory: they wait in w->done for next time. */
static void
take_done(struct worker *w, struct donelist *mine, int64_t now)
{
	size_t i, before = mine->n;

	if (sender_donelist_take_all(mine, &w->done) != 0 &&
	    log_allow(&w->log_limit))
		log_warnx("sender.outcomes provider=%s error=\"%s\"",
		    w->p->name, fp_strerror(FP_ENOMEM));
	w->n_held = mine->n;
	for (i = before; w->fo_to != NULL && i < mine->n; i++)
		failover_outcome(&w->fo, mine->v[i].res.outcome, now);
}

/*
 * Issue 16: whether this provider's queued messages go to its failover in
 * the next round, at `now`: it has been down failover_after (failover.h;
 * the link's state is read here) and the failover is not itself over.
 * Logs when that begins and ends.
 */
static bool
failover_moves(struct worker *w, int64_t now)
{
	int64_t over_since = w->fo.over_since;

	if (w->fo_to == NULL)
		return false;
	failover_link(&w->fo, link_stats_is_up(w->p->name), now);
	switch (failover_update(&w->fo, now)) {
	case FAILOVER_BEGIN:
		atomic_store(&w->is_over, true);
		log_warnx("sender.down provider=%s failover=%s down_s=%lld "
		    "reason=%s", w->p->name, w->fo_to->p->name,
		    (long long)(now - failover_down_since(&w->fo)),
		    w->fo.unbound_since != 0 ? "unbound" : "retries");
		break;
	case FAILOVER_END:
		atomic_store(&w->is_over, false);
		log_info("sender.up provider=%s failover=%s over_s=%lld",
		    w->p->name, w->fo_to->p->name,
		    (long long)(now - over_since));
		break;
	case FAILOVER_SAME:
		break;
	}
	return failover_is_over(&w->fo) && !atomic_load(&w->fo_to->is_over);
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

/*
 * Stopping, the I/O thread gone: write the outcomes still held and give
 * back what it never took, trying again as while running for
 * SENDER_STOP_WRITE_MS at most.  What still cannot be written then is
 * logged message by message and stays "sending": the next start queues
 * it again (at least once, docs/api.md), so a message the provider had
 * accepted may then be sent a second time.
 */
static void
stop_write(struct worker *w, struct donelist *mine)
{
	struct outbox_item *items;
	struct timespec ts;
	int64_t wait, deadline = monotime_ns() + SENDER_STOP_WRITE_MS *
	    SENDER_NS_PER_MS;
	size_t kept, n, n_moved, i, unsent;
	bool is_committed;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		take_done(w, mine, (int64_t)time(NULL));
		unsent = sender_itemq_len(&w->ready);
		pthread_mutex_unlock(&w->lock);
		if (mine->n == 0 && unsent == 0)
			return;
		kept = round_write(w, mine, unsent > 0 ? &w->ready : NULL, 0,
		    NULL, &items, &n, &n_moved, &is_committed);
		outbox_items_free(items, n);
		if (is_committed) {
			pthread_mutex_lock(&w->lock);
			sender_itemq_cleanup(&w->ready);
			pthread_mutex_unlock(&w->lock);
			unsent = 0;
		}
		if (kept == 0 && unsent == 0)
			return;
		wait = w->hold_retry_ns > 0 ? w->hold_retry_ns - monotime_ns() :
		    SENDER_HOLD_MIN_MS * SENDER_NS_PER_MS;
		if (wait < 0)
			wait = 0;
		if (monotime_ns() + wait >= deadline)
			break;
		ts.tv_sec = (time_t)(wait / RATELIMIT_NS);
		ts.tv_nsec = (long)(wait % RATELIMIT_NS);
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			continue;
	}
	for (i = 0; i < mine->n; i++)
		if (mine->v[i].res.outcome == PROVIDER_ACCEPTED)
			log_error("sender.unwritten provider=%s id=%lld "
			    "msgid=%s action=\"queued again at the next "
			    "start\"", w->p->name, (long long)mine->v[i].item.id,
			    mine->v[i].res.msgid != NULL ?
			    mine->v[i].res.msgid : "-");
	log_error("sender.stop provider=%s unwritten=%zu unsent=%zu "
	    "held_ms=%lld error=\"database not writable\"", w->p->name,
	    mine->n, unsent, (long long)(w->held_since_ns != 0 ?
	    (monotime_ns() - w->held_since_ns) / SENDER_NS_PER_MS : 0));
}

/*
 * The database thread.  It never holds w->lock during a round: the
 * writer's after_commit calls sender_wake, which takes it.
 */
void *
sender_db_main(void *arg)
{
	struct worker *w = arg;
	struct donelist mine = { 0 };
	struct outbox_item *items;
	struct timespec ts;
	int64_t now, now_s, next_claim = 0, wait;
	size_t want, n, n_moved, kept;
	bool can_claim, can_write, can_move, is_holding, was_full;
	bool is_committed, is_over;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		now_s = (int64_t)time(NULL);	/* the failover's clock */
		take_done(w, &mine, now_s);
		if (w->is_io_finished)
			break;
		now = monotime_ns();
		is_over = failover_moves(w, now_s);
		is_holding = w->held_since_ns != 0;
		can_write = mine.n > 0 && (!is_holding ||
		    now >= w->hold_retry_ns);
		/* Claim when the I/O thread has room for a worthwhile batch
		 * (or has nothing at all) and there may be something due;
		 * not while outcomes wait for the database.  Over, one
		 * message now and then tries the provider; the rest move. */
		want = w->want;
		if (is_over)
			want = want > 0 && failover_probe_due(&w->fo, now_s) ?
			    1 : 0;
		can_claim = !is_stopping(w) && !is_holding && want > 0 &&
		    (want * 2 >= w->target || sender_itemq_len(&w->ready) == 0) &&
		    (w->is_woken || now >= next_claim);
		can_move = is_over && !is_stopping(w) && !is_holding &&
		    (w->is_woken || now >= next_claim);
		if (!can_write && !can_claim && !can_move) {
			/* Until the next poll, or sooner when a claim or a
			 * write is due; the I/O thread signals when it
			 * wants more or hands outcomes back. */
			wait = SENDER_POLL_MS * SENDER_NS_PER_MS;
			if (is_holding && mine.n > 0)
				wait = min64(wait, w->hold_retry_ns - now);
			else if (want > 0 && next_claim > now)
				wait = min64(wait, next_claim - now);
			abs_deadline(&ts, wait > 0 ? wait : 0);
			pthread_cond_timedwait(&w->db_cond, &w->lock, &ts);
			continue;
		}
		if (can_claim || can_move)
			w->is_woken = false;
		was_full = sender_is_held_full(w);
		pthread_mutex_unlock(&w->lock);

		kept = round_write(w, &mine, NULL, can_claim ? want : 0,
		    can_move ? w->fo_to : NULL, &items, &n, &n_moved,
		    &is_committed);
		if (n_moved > 0) {
			log_warnx("sender.failover from=%s to=%s count=%zu",
			    w->p->name, w->fo_to->p->name, n_moved);
			sender_wake(w->s, w->fo_to->p->name);
		}
		/* A probe is a message tried: none found, the next is. */
		if (can_claim && is_over && is_committed && n > 0)
			failover_probe_taken(&w->fo, now_s);
		pthread_mutex_lock(&w->lock);
		w->n_held = kept;
		if (was_full && !sender_is_held_full(w))
			sender_io_wake(w);	/* it waited for us */
		if (can_move)
			next_claim = n_moved == SENDER_FAILOVER_BATCH ? now :
			    now + SENDER_POLL_MS * SENDER_NS_PER_MS;
		if (can_claim) {
			if (!is_over)
				next_claim = n == want ? now : now +
				    SENDER_POLL_MS * SENDER_NS_PER_MS;
			if (n > 0) {
				sender_itemq_push_all(&w->ready, items, n);
				w->want = w->want > n ? w->want - n : 0;
				sender_io_wake(w);
			}
		}
	}
	pthread_mutex_unlock(&w->lock);
	stop_write(w, &mine);
	pthread_mutex_lock(&w->lock);
	sender_itemq_cleanup(&w->ready);
	pthread_mutex_unlock(&w->lock);
	sender_donelist_cleanup(&mine);
	return NULL;
}
