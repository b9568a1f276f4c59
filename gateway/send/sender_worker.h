/*
 * sender_worker.h: what sender.c, sender_db.c and sender_io.c share (see
 * sender.h): the per-provider worker, its locked queues between the
 * database thread (sender_db.c) and the I/O thread (sender_io.c), and
 * the sender that owns the workers (sender.c).  Internal: nothing
 * outside sender*.c includes it.
 */
#ifndef FP_SENDER_WORKER_H
#define FP_SENDER_WORKER_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cfg.h"
#include "err.h"
#include "failover.h"
#include "log.h"
#include "monotime.h"
#include "outbox.h"
#include "provider.h"
#include "ratelimit.h"
#include "store.h"
#include "writer.h"

#define SENDER_BODY_MAX		16384	/* of an answer we keep, bytes */
#define SENDER_NS_PER_MS	1000000LL
#define SENDER_HORIZON_MS	100	/* claim what the bucket allows
					 * within this time */
#define SENDER_FAILOVER_BATCH	2000	/* messages a round moves to the
					 * failover, at most */
/* Outcomes the database could not take (full, failing, busy) are held
 * and written again after SENDER_HOLD_MIN_MS, doubling up to
 * SENDER_HOLD_MAX_MS; with SENDER_HELD_MAX of them waiting, the I/O
 * thread sends nothing more until they are written.  At stop they are
 * tried for SENDER_STOP_WRITE_MS more (under systemd's TimeoutStopSec). */
#define SENDER_HOLD_MIN_MS	200
#define SENDER_HOLD_MAX_MS	5000
#define SENDER_HELD_MAX		1024
#define SENDER_STOP_WRITE_MS	15000

enum counter {
	C_SEGMENTS,
	C_SENT,
	C_DELIVERED,
	C_RETRIED,
	C_FAILED,
	C_EXPIRED,
	C_DIRECT,	/* handed over at commit, no claim */
	C_N
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
	bool	 is_held;		/* not written yet: kept for the
					 * next round */
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
	CURLM		*multi;		/* owned; the I/O thread's */
	int		 epfd;		/* owned: the I/O thread sleeps in
					 * epoll_wait on curl's sockets */
	int		 evfd;		/* owned: eventfd in epfd; any thread
					 * wakes the I/O thread (sender_io_wake) */
	int64_t		 curl_due_ns;	/* curl's timer (monotime_ns), -1: none;
					 * the I/O thread's */
	unsigned char	*fd_state;	/* owned, by descriptor: what epfd
					 * has and curl wants (sender_io.c) */
	size_t		 n_fd_state;

	pthread_mutex_t	 lock;		/* guards the next block */
	pthread_cond_t	 db_cond;	/* the database thread waits here */
	bool		 has_lock;
	struct itemq	 ready;		/* claimed, not started */
	struct donelist	 done;		/* outcomes to write */
	size_t		 n_held;	/* outcomes the database thread
					 * has taken and not yet written;
					 * with done.n, SENDER_HELD_MAX at
					 * most before the I/O thread waits */
	size_t		 want;		/* the I/O thread could start this
					 * many more soon */
	size_t		 reserved;	/* of those, promised to messages
					 * being committed (sender_reserve) */
	size_t		 target;	/* ready queue length to aim for */
	bool		 is_woken;	/* sender_wake: look now */
	bool		 is_io_finished;

	pthread_mutex_t	 writer_lock;	/* guards `writer`: held by the
					 * database thread during a round */
	struct writer	*writer;	/* borrowed (sender_use_writer), or
					 * NULL: rounds run on `st` */

	/* The database thread's. */
	struct store	*st;		/* owned */
	uint64_t	 rnd;
	struct log_limit log_limit;	/* per-message lines */
	char		 log_event[160];	/* its summary's name:
						 * "sender provider=..." */
	int64_t		 held_since_ns;	/* monotime_ns of the first failed
					 * write of the outcomes held, 0:
					 * none held */
	int64_t		 hold_retry_ns;	/* write them again from then */
	int64_t		 hold_backoff_ms;
	/* Issue 16: the provider's failover (failover.h), or fo_to NULL:
	 * none.  is_over mirrors the state for other threads: a worker
	 * that is over takes no direct hand-over (sender_reserve) and no
	 * other's messages. */
	struct failover	 fo;
	struct worker	*fo_to;		/* borrowed: the failover's worker */
	atomic_bool	 is_over;

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

static inline int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static inline bool
is_stopping(const struct worker *w)
{
	return atomic_load(&w->s->is_stopping);
}

/* Free an item's strings and zero it. */
void sender_item_free(struct outbox_item *it);

/* The shared queues; callers hold w->lock. */
size_t sender_itemq_len(const struct itemq *q);
/* Move items[0..n) in (the array itself is freed); -1: out of memory,
 * and the items are freed (they stay "sending" until recovered). */
int sender_itemq_push_all(struct itemq *q, struct outbox_item *items,
    size_t n);
/* Move *it in (it is zeroed); -1: out of memory, *it is left as it was. */
int sender_itemq_push(struct itemq *q, struct outbox_item *it);
bool sender_itemq_pop(struct itemq *q, struct outbox_item *out);
void sender_itemq_cleanup(struct itemq *q);
/* Take ownership of *item and *res (both zeroed); out of memory: they
 * are freed (the message stays "sending" until recovered). */
void sender_donelist_push(struct donelist *l, struct outbox_item *item,
    struct provider_result *res);
/* Move every outcome of src to the end of dst, in order (src is left
 * empty); -1: out of memory, and both are left as they were. */
int sender_donelist_take_all(struct donelist *dst, struct donelist *src);
/* Whether the I/O thread must wait for held outcomes to be written
 * before it sends more (w->lock held). */
bool sender_is_held_full(const struct worker *w);
void sender_donelist_cleanup(struct donelist *l);

/* An HTTP provider's connection slots and their easy handles, on
 * w->multi.  FP_ENOMEM (worker_close frees what was made). */
enum fp_err sender_slots_open(struct worker *w);

/* The I/O thread's epoll set, its wake-up eventfd, and curl's socket
 * and timer callbacks on w->multi (for worker_open, after the multi
 * handle exists).  FP_EIO (worker_close closes what was made). */
enum fp_err sender_io_open(struct worker *w);

/* Wake the I/O thread from any thread (more ready messages, stop). */
void sender_io_wake(struct worker *w);

/* The worker's threads: arg is its struct worker. */
void *sender_db_main(void *arg);
void *sender_io_main(void *arg);

#endif
