/*
 * checkpoint.c: the WAL checkpoint thread (see checkpoint.h).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "checkpoint.h"
#include "gateway.h"
#include "log.h"

struct checkpointer {
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	bool		 stopping;
	struct store	*st;
};

static void
run(struct checkpointer *c)
{
	int rc, log_frames = 0, done_frames = 0;

	rc = sqlite3_wal_checkpoint_v2(store_db(c->st), NULL,
	    SQLITE_CHECKPOINT_PASSIVE, &log_frames, &done_frames);
	/*
	 * Under steady writes a passive checkpoint never catches the end of
	 * the log, so the log is never started over and only grows.  When
	 * it is long, RESTART: it waits for the writer of the moment, copies
	 * the few frames the passive pass left, and makes the next writer
	 * start the log from its beginning.
	 */
	if (rc == SQLITE_OK && log_frames > CHECKPOINT_RESTART_FRAMES)
		rc = sqlite3_wal_checkpoint_v2(store_db(c->st), NULL,
		    SQLITE_CHECKPOINT_RESTART, &log_frames, &done_frames);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		log_warnx("checkpoint.fail error=\"%s\"", sqlite3_errstr(rc));
}

static void *
checkpoint_main(void *arg)
{
	struct checkpointer *c = arg;
	struct timespec ts;
	bool stopping = false;

	while (!stopping) {
		run(c);
		pthread_mutex_lock(&c->lock);
		if (!c->stopping) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += (long)CHECKPOINT_INTERVAL_MS * 1000000L;
			ts.tv_sec += ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
			pthread_cond_timedwait(&c->wake, &c->lock, &ts);
		}
		stopping = c->stopping;
		pthread_mutex_unlock(&c->lock);
	}
	run(c);
	return NULL;
}

enum fp_err
checkpoint_start(const struct cfg *cfg, struct checkpointer **out)
{
	struct checkpointer *c;
	enum fp_err err;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return FP_ENOMEM;
	err = store_open(cfg->database.path, gw_durability(cfg), &c->st);
	if (err != FP_OK) {
		free(c);
		return err;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	if (pthread_create(&c->thread, NULL, checkpoint_main, c) != 0) {
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		store_close(c->st);
		free(c);
		return FP_ENOMEM;
	}
	*out = c;
	return FP_OK;
}

void
checkpoint_stop(struct checkpointer *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	store_close(c->st);
	free(c);
}
