/*
 * cmpp_link.h: what provider_cmpp.c (the provider's operations),
 * cmpp_link.c (the link thread: connection, login, window of submits,
 * timers) and cmpp_deliver.c (what the ISMG sends us: status reports, MO
 * and their acknowledgement) share.  Internal to the cmpp provider.
 *
 * One link thread owns the socket.  send_batch (the sender's I/O thread)
 * queues its messages and waits on `cond` until the link thread has an
 * outcome for each.  DELIVER_RESPs are produced on the writer's notifier
 * thread after each commit (link_inbound.h) and wait in `acks`, under
 * their own small lock, for the link thread to send them.  The context
 * is reference-counted: those acknowledgements may be computed after the
 * provider was closed.
 */
#ifndef FP_CMPP_LINK_H
#define FP_CMPP_LINK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cfg.h"
#include "cmpp_codec.h"
#include "link_inbound.h"
#include "monotime.h"
#include "outbox.h"
#include "provider.h"

#define CMPP_BUF		65536	/* each way */
#define CMPP_MAP_BITS		16	/* recent parts, for reports */
#define CMPP_CONCAT_SLOTS	16	/* MO being joined */
#define CMPP_CONCAT_WAIT_FACTOR	2	/* x timeout, 2..60 s: then an
					 * MO is stored as it is */
#define CMPP_ACK_MAX		(CMPP_CONCAT_SLOTS * 16)

#define NS_PER_MS		1000000LL
#define NS_PER_S		1000000000LL

#define BACKOFF_MIN_MS		1000
#define BACKOFF_MAX_MS		60000
#define THROTTLE_MIN_MS		50
#define THROTTLE_MAX_MS		2000
#define IDLE_FACTOR		3	/* x timeout: then an active test */
#define STALL_FACTOR		2	/* x timeout without progress */
#define TERMINATE_WAIT_MS	1000

enum link_state {
	LINK_DOWN,		/* waiting for next_connect_ns */
	LINK_CONNECTING,	/* TCP handshake */
	LINK_LOGIN,		/* CONNECT sent */
	LINK_UP,
};

enum part_state { PART_PENDING, PART_INFLIGHT, PART_DONE };

struct cmpp_msgpart {
	struct cmpp_part part;
	enum part_state state;
	uint64_t msg_id;		/* DONE: the ISMG's Msg_Id */
};

/* One message of a send_batch, until its outcome. */
struct cmpp_msg {
	const struct outbox_item *it;	/* borrowed from send_batch */
	struct provider_result *res;	/* send_batch's, filled at finish */
	struct cmpp_msgpart *parts;	/* n_parts, owned by send_batch */
	size_t	 n_parts;
	size_t	 n_done;
	bool	 is_started;		/* a part went out */
	bool	 is_finished;
	int64_t	 deadline_ns;		/* no progress until then: retry */
	char	 dest[CMPP_TERMINAL_LEN + 1];
	char	 src[CMPP_TERMINAL_LEN + 1];
	struct cmpp_msg *prev;		/* the queue's */
	struct cmpp_msg *next;
};

/* A submit in the window. */
struct cmpp_slot {
	bool	 is_used;
	uint32_t seq;
	struct cmpp_msg *m;		/* NULL: its message has finished */
	size_t	 part;
	int64_t	 sent_ns;
};

/* Which message a part's Msg_Id was (recent parts only). */
struct cmpp_mapent {
	uint64_t msg_id;
	int64_t	 message_id;		/* 0: empty */
	int	 part;			/* 0 whole, else 1..n */
};

/* A DELIVER_RESP to send. */
struct cmpp_ack {
	uint32_t gen;			/* of the connection it belongs to */
	uint32_t seq;
	uint64_t msg_id;
	uint8_t	 result;
};

/* An MO being joined from its parts. */
struct cmpp_concat {
	bool	 is_used;
	char	 src[CMPP_TERMINAL_LEN + 1];
	char	 dest[CMPP_TERMINAL_LEN + 1];
	uint16_t ref;
	uint8_t	 total;
	uint8_t	 fmt;
	int64_t	 first_ns;
	uint8_t	 have[CMPP_PARTS_MAX + 1];	/* by part number: length + 1,
						 * 0 missing */
	uint8_t	*text;			/* owned: total * 140 bytes */
	uint64_t first_msg_id;		/* of the lowest part received */
	uint8_t	 lowest;
	struct cmpp_ack acks[16];	/* to send once stored */
	size_t	 n_acks;
};

struct cmpp_ctx {
	const struct cfg_provider *p;	/* borrowed */
	char	 route[96];		/* "cmpp:<name>" */
	_Atomic int refs;
	_Atomic unsigned next_ref;	/* UDH reference of long MT */

	pthread_t thread;
	bool	 has_thread;
	atomic_bool is_stopping;
	atomic_bool is_interrupted;	/* provider interrupt: hand back */
	int	 evfd;			/* wakes the link thread */

	pthread_mutex_t lock;		/* everything below to `acks` */
	pthread_cond_t cond;		/* send_batch waits */
	enum link_state state;
	int	 fd;
	uint32_t gen;			/* connections made */
	uint32_t next_seq;
	char	 last_error[PROVIDER_ERROR_MAX];
	int64_t	 next_connect_ns;
	int64_t	 backoff_ms;
	int64_t	 deadline_ns;		/* connect, login */
	uint32_t login_seq;
	uint8_t	 auth_source[16];
	int64_t	 last_rx_ns;
	bool	 has_active_test;
	int64_t	 active_test_ns;	/* its answer is due */
	int64_t	 throttle_until_ns;
	int64_t	 throttle_ms;
	struct cmpp_msg *head;		/* the queue, oldest first */
	struct cmpp_msg *tail;
	struct cmpp_slot *slots;	/* window, owned */
	size_t	 n_slots;
	size_t	 n_used;
	struct cmpp_mapent *map;	/* 1 << CMPP_MAP_BITS, owned */
	struct cmpp_concat concat[CMPP_CONCAT_SLOTS];
	uint8_t	*in;			/* CMPP_BUF, owned */
	size_t	 in_len;
	uint8_t	*out;			/* CMPP_BUF, owned */
	size_t	 out_len;
	uint64_t rnd;

	pthread_mutex_t ack_lock;	/* guards acks */
	struct cmpp_ack *acks;		/* CMPP_ACK_MAX ring, owned */
	size_t	 ack_head;
	size_t	 n_acks;

	struct link_stats stats;
};

static inline int64_t
cmpp_timeout_ns(const struct cmpp_ctx *c)
{
	return (int64_t)c->p->timeout_s * NS_PER_S;
}

/* xorshift64*: jitter and first numbers need spread, not secrecy. */
static inline uint64_t
cmpp_random(struct cmpp_ctx *c)
{
	c->rnd ^= c->rnd >> 12;
	c->rnd ^= c->rnd << 25;
	c->rnd ^= c->rnd >> 27;
	return c->rnd * 0x2545f4914f6cdd1dull;
}

/* provider_cmpp.c */
void cmpp_ctx_unref(struct cmpp_ctx *c);
/* Wake the link thread (any thread). */
void cmpp_wake(struct cmpp_ctx *c);

/* cmpp_link.c: the link thread (arg: the context).  It ends once
 * is_stopping is set and it is woken, every queued message finished. */
void *cmpp_link_main(void *arg);

/* cmpp_deliver.c: a DELIVER just decoded (c->lock held). */
void cmpp_deliver_take(struct cmpp_ctx *c, const struct cmpp_pdu *pdu,
    int64_t now_ns);
/* Into the output: the acknowledgements computed after commits, as
 * many as fit (c->lock held). */
void cmpp_acks_flush(struct cmpp_ctx *c);
/* A DELIVER we cannot read: refused with Result 1 (c->lock held). */
void cmpp_deliver_refuse(struct cmpp_ctx *c, const uint8_t *pdu, size_t len,
    uint32_t seq);
/* MO joins waiting too long: delivered as they are (c->lock held). */
void cmpp_concat_expire(struct cmpp_ctx *c, int64_t now_ns);
/* Forget MO joins (at close). */
void cmpp_concat_cleanup(struct cmpp_ctx *c);
/* Remember part `part` of message_id as Msg_Id msg_id (c->lock held). */
void cmpp_map_put(struct cmpp_ctx *c, uint64_t msg_id, int64_t message_id,
    int part);

#endif
