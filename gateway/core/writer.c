/*
 * writer.c: the group-commit thread (see writer.h).
 *
 * writer_run's jobs live on their callers' stacks; writer_submit's on the
 * heap, owned by the writer until their done callback has run.  The
 * queue links them.  The writer takes the whole queue at once, so the
 * more requests arrive while a commit is in progress, the more share the
 * next one.
 *
 * Submitted jobs' callbacks (each resumes an HTTP connection: a lock and
 * a syscall) run on a second thread, the notifier, which the writer
 * hands each group's list at once: on the writer they took a sixth of
 * its time, while the next group waited.
 *
 * With durability "full" the writer's connection commits without an
 * fsync (synchronous=NORMAL) and the notifier makes the group durable:
 * it fdatasyncs the WAL file, then answers.  The writer runs the next
 * group meanwhile, and one fsync covers every group committed before it
 * started; nothing is answered before its group's fsync returned.  Why
 * that keeps SQLite's guarantees: commits append frames to the WAL (and
 * fsync covers every write() before it), and the log is only started
 * over after a checkpoint has synced the WAL, copied every frame into
 * the database and synced that (SQLite does so at NORMAL too), so a
 * later, unsynced write never replaces a frame that was answered for.
 * A commit is visible to other connections before it is durable; only
 * the gateway's own work (the sender) can act on it in between, and
 * a power loss then costs what at-least-once delivery allows.
 *
 * Savepoints cost: SQLite copies every page a savepoint's statements
 * change, the first time in that savepoint, into its statement journal
 * (1 KiB pieces, each a malloc), so one per job copied a dozen pages
 * for each MO.  Jobs that may run again (writer_submit_rerun) share
 * one: a run of them back to back in the batch runs in one savepoint,
 * or in none when it opens the transaction; only when one of them fails
 * is the run rolled back and each job of it run again in its own.
 *
 * After the commit the waiters are woken as a binary tree: the writer
 * wakes the first, and each woken caller wakes two more before it
 * returns.  Fifty wake-ups in a row (a futex call and often an IPI each)
 * kept the writer from its next batch for longer than the batch took.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway.h"
#include "log.h"
#include "writer.h"

#define WRITER_MAX_BATCH 512

struct writer_job {
	writer_fn		*fn;
	void			*arg;
	enum fp_err		 result;
	bool			 is_quiet;	/* writer_run_quiet */
	bool			 may_rerun;	/* writer_submit_rerun */
	bool			 needs_sync;	/* answer after the WAL fsync */
	writer_done_fn		*on_done;	/* writer_submit, else NULL */
	void			*done_arg;
	sem_t			 done;	/* writer_run: posted once, after
					 * the commit */
	struct writer_job	*next;
	struct writer_job	*wake[2];	/* this caller wakes these
						 * (set before `done`) */
};

struct writer {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 has_work;	/* writer waits */
	struct writer_job	*head, *tail;
	bool			 stopping;
	bool			 started;
	struct store		*st;		/* the writer thread's */
	void			(*after_commit)(void *);
	void			*cb_arg;
	bool			 is_durable;	/* durability "full" */
	bool			 is_synced;	/* synchronous=FULL now */
	int			 wal_fd;	/* durable: the notifier syncs
						 * this, else -1 */
	struct writer_job	*order[WRITER_MAX_BATCH];	/* wake tree */
	/* The notifier: done callbacks of submitted jobs, in order, and
	 * the waiters of groups that wait for the WAL's fsync. */
	pthread_t		 notifier;
	bool			 notifier_started;
	pthread_cond_t		 has_done;	/* notifier waits */
	struct writer_job	*done_head, *done_tail;
	bool			 done_after_commit;	/* call it after the
							 * next fsync */
	bool			 done_stopping;
};

/* Run a statement of the batch's frame, prepared once and cached. */
static enum fp_err
frame(struct store *st, const char *sql)
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

/*
 * Only a group with a request's job needs its fsync (writer.h): switch
 * synchronous between groups, never inside a transaction.  A failed
 * switch keeps the stronger setting.
 */
static void
set_sync(struct writer *w, struct writer_job *jobs)
{
	struct writer_job *j;
	bool want = false;

	if (!w->is_durable || w->wal_fd >= 0)
		return;
	for (j = jobs; j != NULL && !want; j = j->next)
		want = !j->is_quiet;
	if (want == w->is_synced)
		return;
	if (want) {
		if (frame(w->st, "PRAGMA synchronous=FULL") == FP_OK)
			w->is_synced = true;
		else
			log_error("writer.sync error=\"cannot set FULL\"");
	} else if (frame(w->st, "PRAGMA synchronous=NORMAL") == FP_OK)
		w->is_synced = false;
}

/*
 * Whether the group's transaction is gone: SQLite rolls the whole
 * transaction back on its own after SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY
 * or SQLITE_NOMEM in a statement.  A SAVEPOINT then would open a new
 * transaction that its RELEASE commits alone, so jobs after it would be
 * committed and yet answered as failed with the group's COMMIT: no job
 * runs once this is true.
 */
static bool
tx_is_gone(struct writer *w)
{
	return sqlite3_get_autocommit(store_db(w->st)) != 0;
}

/* Run one job in its own savepoint: its failure undoes it alone. */
static void
run_alone(struct writer *w, struct writer_job *j)
{
	if (tx_is_gone(w) || frame(w->st, "SAVEPOINT job") != FP_OK) {
		j->result = FP_EIO;
		return;
	}
	j->result = j->fn(w->st, j->arg);
	if (j->result != FP_OK)
		frame(w->st, "ROLLBACK TO job");
	frame(w->st, "RELEASE job");
}

/*
 * Run [first, end), jobs that may run again, without a savepoint each:
 * in one savepoint, or in none when `is_fresh` (nothing else written
 * in the transaction yet).  When one fails, the run is undone and each
 * of its jobs runs again alone.  FP_OK, or the error of beginning the
 * transaction again (nothing of the batch is left then).
 */
static enum fp_err
run_together(struct writer *w, struct writer_job *first,
    struct writer_job *end, bool is_fresh)
{
	struct writer_job *j;
	enum fp_err err;

	if (!is_fresh && frame(w->st, "SAVEPOINT run") != FP_OK) {
		for (j = first; j != end; j = j->next)
			run_alone(w, j);
		return FP_OK;
	}
	for (j = first; j != end; j = j->next) {
		j->result = j->fn(w->st, j->arg);
		if (j->result != FP_OK)
			break;
	}
	if (j == end) {
		if (!is_fresh)
			frame(w->st, "RELEASE run");
		return FP_OK;
	}
	if (is_fresh) {
		store_rollback(w->st);
		err = store_begin(w->st);
		if (err != FP_OK) {
			for (j = first; j != end; j = j->next)
				j->result = err;
			return err;
		}
	} else if (tx_is_gone(w)) {
		for (j = first; j != end; j = j->next)
			if (j->result == FP_OK)
				j->result = FP_EIO;
		return FP_EIO;
	} else {
		frame(w->st, "ROLLBACK TO run");
		frame(w->st, "RELEASE run");
	}
	for (j = first; j != end; j = j->next)
		run_alone(w, j);
	return FP_OK;
}

/*
 * Run one batch: BEGIN, the jobs (each in its savepoint, or a run of
 * jobs that may run again together), COMMIT.  True when a request's job
 * (not writer_run_quiet) was committed.
 */
static bool
run_batch(struct writer *w, struct writer_job *jobs)
{
	struct writer_job *j, *end;
	enum fp_err err;
	bool any_ok = false, is_fresh = true;

	set_sync(w, jobs);
	err = store_begin(w->st);
	for (j = jobs; j != NULL && err == FP_OK; j = end) {
		end = j->next;
		if (!j->may_rerun) {
			run_alone(w, j);
		} else {
			while (end != NULL && end->may_rerun)
				end = end->next;
			err = run_together(w, j, end, is_fresh);
		}
		is_fresh = false;
		if (err == FP_OK && tx_is_gone(w)) {
			/* What ran before is undone; nothing after runs. */
			log_error("writer.group error=\"the database rolled the "
			    "group back\"");
			err = FP_EIO;
		}
	}
	if (err == FP_OK) {
		err = store_commit(w->st);
		if (err != FP_OK) {
			log_error("writer.commit error=\"%s\"", fp_strerror(err));
			store_rollback(w->st);
		}
	}
	/* Nothing of the group was kept when err: no job is OK (a job not
	 * run still has its FP_OK from the start). */
	for (j = jobs; j != NULL; j = j->next) {
		if (err != FP_OK && j->result == FP_OK)
			j->result = err;
		else if (j->result == FP_OK && !j->is_quiet)
			any_ok = true;
	}
	return any_ok;
}

/*
 * Link the batch's waiting callers that need no fsync into the wake tree
 * and wake its root; hand the submitted jobs (writer_submit) and the
 * callers that wait for the fsync to the notifier, with after_commit
 * when it must follow the fsync.
 */
static void
wake_batch(struct writer *w, struct writer_job *batch, bool any_ok)
{
	struct writer_job *j, *next, *async = NULL, *last = NULL;
	size_t n = 0, i;

	if (w->after_commit == NULL)
		any_ok = false;
	else if (any_ok && w->wal_fd < 0) {
		w->after_commit(w->cb_arg);
		any_ok = false;
	}
	for (j = batch; j != NULL; j = next) {
		next = j->next;
		j->needs_sync = w->wal_fd >= 0 && !j->is_quiet &&
		    j->result == FP_OK;
		if (j->on_done == NULL && !j->needs_sync) {
			w->order[n++] = j;
			continue;
		}
		j->wake[0] = j->wake[1] = NULL;
		j->next = NULL;
		if (last != NULL)
			last->next = j;
		else
			async = j;
		last = j;
	}
	for (i = 0; i < n; i++) {
		w->order[i]->wake[0] = 2 * i + 1 < n ? w->order[2 * i + 1] :
		    NULL;
		w->order[i]->wake[1] = 2 * i + 2 < n ? w->order[2 * i + 2] :
		    NULL;
	}
	if (n > 0)
		sem_post(&w->order[0]->done);
	if (async == NULL && !any_ok)
		return;
	pthread_mutex_lock(&w->lock);
	if (async != NULL) {
		if (w->done_tail != NULL)
			w->done_tail->next = async;
		else
			w->done_head = async;
		w->done_tail = last;
	}
	if (any_ok)
		w->done_after_commit = true;
	pthread_cond_signal(&w->has_done);
	pthread_mutex_unlock(&w->lock);
}

/*
 * Make every group committed so far durable: one fdatasync of the WAL.
 * A failure is the disk's: the jobs that waited for it get FP_EIO (their
 * rows may or may not survive a power loss, so no 2xx promises it).
 */
static bool
sync_wal(struct writer *w)
{
	while (fdatasync(w->wal_fd) != 0) {
		if (errno == EINTR)
			continue;
		log_error("writer.fsync error=\"%s\"", strerror(errno));
		return false;
	}
	return true;
}

/* Answer one job the notifier was handed; it may vanish after this. */
static void
finish_job(struct writer_job *j, bool is_synced)
{
	if (j->needs_sync && !is_synced)
		j->result = FP_EIO;
	if (j->on_done == NULL) {
		sem_post(&j->done);	/* a writer_run caller's stack */
		return;
	}
	j->on_done(j->done_arg, j->result);
	free(j);
}

/* The notifier thread: done callbacks, outside the writer's loop. */
static void *
notifier_main(void *arg)
{
	struct writer *w = arg;
	struct writer_job *list, *j;
	bool after_commit, want_sync, is_synced;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->done_head == NULL && !w->done_after_commit &&
		    !w->done_stopping)
			pthread_cond_wait(&w->has_done, &w->lock);
		if (w->done_head == NULL && !w->done_after_commit)
			break;
		list = w->done_head;
		w->done_head = w->done_tail = NULL;
		after_commit = w->done_after_commit;
		w->done_after_commit = false;
		pthread_mutex_unlock(&w->lock);
		want_sync = after_commit;
		for (j = list; j != NULL && !want_sync; j = j->next)
			want_sync = j->needs_sync;
		is_synced = want_sync ? sync_wal(w) : true;
		if (after_commit && is_synced)
			w->after_commit(w->cb_arg);
		while (list != NULL) {
			j = list;
			list = j->next;
			finish_job(j, is_synced);
		}
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct writer_job *batch, *last;
	bool any_ok;
	int n;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->head == NULL && !w->stopping)
			pthread_cond_wait(&w->has_work, &w->lock);
		if (w->head == NULL && w->stopping)
			break;
		/* Take up to WRITER_MAX_BATCH jobs off the queue. */
		batch = w->head;
		for (n = 1, last = batch; last->next != NULL &&
		    n < WRITER_MAX_BATCH; n++)
			last = last->next;
		w->head = last->next;
		if (w->head == NULL)
			w->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&w->lock);

		any_ok = run_batch(w, batch);

		/* Wake each caller alone, without the queue's lock: a shared
		 * condition variable made every waiter fight for the mutex.
		 * A job may vanish once posted: the tree is set up first. */
		wake_batch(w, batch, any_ok);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/*
 * Durability "full" on a database file: open its WAL for the notifier's
 * fsync and let the writer's connection commit without one.  The WAL
 * exists once the connection has read the database; it is removed only
 * when the last connection closes, and the writer's stays open, so the
 * descriptor names the live log for as long as the writer runs.  Where
 * that cannot be set up (":memory:"), each commit syncs itself.
 */
static void
open_wal(struct writer *w, const char *db_path)
{
	char path[4096];
	int fd, n;

	w->wal_fd = -1;
	if (!w->is_durable || strcmp(db_path, ":memory:") == 0)
		return;
	n = snprintf(path, sizeof(path), "%s-wal", db_path);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	/* Reading the schema opens (and creates) the WAL. */
	if (store_exec(w->st, "SELECT count(*) FROM sqlite_master") != FP_OK)
		return;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		log_warn("writer.wal path=%s", path);
		return;
	}
	if (frame(w->st, "PRAGMA synchronous=NORMAL") != FP_OK) {
		close(fd);
		return;
	}
	w->wal_fd = fd;
	w->is_synced = false;
}

enum fp_err
writer_start(const struct cfg *cfg, void (*after_commit)(void *),
    void *cb_arg, struct writer **out)
{
	struct writer *w;
	enum fp_err err;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return FP_ENOMEM;
	w->after_commit = after_commit;
	w->cb_arg = cb_arg;
	w->is_durable = gw_durability(cfg) == STORE_DURABILITY_FULL;
	w->is_synced = w->is_durable;
	err = gw_store_open(cfg, &w->st);
	if (err != FP_OK) {
		free(w);
		return err;
	}
	open_wal(w, cfg->database.path);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->has_work, NULL);
	pthread_cond_init(&w->has_done, NULL);
	if (pthread_create(&w->notifier, NULL, notifier_main, w) != 0) {
		writer_stop(w);
		return FP_ENOMEM;
	}
	w->notifier_started = true;
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		writer_stop(w);
		return FP_ENOMEM;
	}
	w->started = true;
	*out = w;
	return FP_OK;
}

void
writer_stop(struct writer *w)
{
	if (w == NULL)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->lock);
		w->stopping = true;
		pthread_cond_signal(&w->has_work);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	if (w->notifier_started) {
		/* After the writer: its last callbacks are queued by now. */
		pthread_mutex_lock(&w->lock);
		w->done_stopping = true;
		pthread_cond_signal(&w->has_done);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->notifier, NULL);
	}
	pthread_cond_destroy(&w->has_done);
	pthread_cond_destroy(&w->has_work);
	pthread_mutex_destroy(&w->lock);
	store_close(w->st);
	if (w->wal_fd >= 0)
		close(w->wal_fd);
	free(w);
}

/* Append a job to the queue; false when the writer is stopping. */
static bool
enqueue(struct writer *w, struct writer_job *job)
{
	pthread_mutex_lock(&w->lock);
	if (w->stopping) {
		pthread_mutex_unlock(&w->lock);
		return false;
	}
	if (w->tail != NULL)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	pthread_cond_signal(&w->has_work);
	pthread_mutex_unlock(&w->lock);
	return true;
}

static enum fp_err
run_job(struct writer *w, writer_fn *fn, void *arg, bool is_quiet)
{
	struct writer_job job;
	enum fp_err result;
	int i;

	job.fn = fn;
	job.arg = arg;
	job.result = FP_OK;
	job.is_quiet = is_quiet;
	job.may_rerun = false;
	job.on_done = NULL;
	job.done_arg = NULL;
	job.next = NULL;
	job.wake[0] = job.wake[1] = NULL;
	if (sem_init(&job.done, 0, 0) != 0)
		return FP_ENOMEM;
	/* The job lives on this stack: we wait below until the writer has
	 * run it and unlinked it, so the address never outlives us. */
	if (!enqueue(w, &job)) {
		sem_destroy(&job.done);
		return FP_EBUSY;
	}
	while (sem_wait(&job.done) != 0)
		continue;	/* EINTR */
	/* Our part of the wake tree (writer_main), before we vanish. */
	for (i = 0; i < 2; i++)
		if (job.wake[i] != NULL)
			sem_post(&job.wake[i]->done);
	result = job.result;
	sem_destroy(&job.done);
	return result;
}

enum fp_err
writer_run(struct writer *w, writer_fn *fn, void *arg)
{
	return run_job(w, fn, arg, false);
}

enum fp_err
writer_run_quiet(struct writer *w, writer_fn *fn, void *arg)
{
	return run_job(w, fn, arg, true);
}

static void
submit(struct writer *w, writer_fn *fn, void *arg, bool may_rerun,
    writer_done_fn *on_done, void *done_arg)
{
	struct writer_job *job;

	job = calloc(1, sizeof(*job));
	if (job == NULL) {
		on_done(done_arg, FP_ENOMEM);
		return;
	}
	job->fn = fn;
	job->arg = arg;
	job->result = FP_OK;
	job->may_rerun = may_rerun;
	job->on_done = on_done;
	job->done_arg = done_arg;
	if (!enqueue(w, job)) {
		free(job);
		on_done(done_arg, FP_EBUSY);
	}
}

void
writer_submit(struct writer *w, writer_fn *fn, void *arg,
    writer_done_fn *on_done, void *done_arg)
{
	submit(w, fn, arg, false, on_done, done_arg);
}

void
writer_submit_rerun(struct writer *w, writer_fn *fn, void *arg,
    writer_done_fn *on_done, void *done_arg)
{
	submit(w, fn, arg, true, on_done, done_arg);
}
