/*
 * smpp_link.h: one SMPP 3.4 transceiver bind (SPEC 11), what
 * provider_smpp.c (the provider's operations: messages into submits and
 * back into results), smpp_link.c (the link thread: connection, bind,
 * enquire_link, reconnection, dispatch), smpp_window.c (the queue, the
 * window of submits and their answers, the pace) and smpp_deliver.c (what
 * the SMSC sends us: MO and receipts, and their deliver_sm_resp) share.
 * Internal to the smpp provider.
 *
 * One link thread owns the socket.  send_batch (the sender's I/O
 * thread) queues its submits (struct smpp_job) and waits on `cond`
 * until each is answered or the link makes no progress for the
 * provider's timeout.  MO and receipts go to the gateway through
 * link_inbound.h, and so does each part's message id, handed over by
 * the link thread as its answer arrives (link_inbound_part), so it is
 * recorded before any receipt for it; their deliver_sm_resp is computed
 * after the commit on
 * the writer's notifier thread and waits in `acks`, under its own small
 * lock, for the link thread to send it.  The link is reference-counted:
 * those answers may come after the provider was closed.
 *
 * Sequence numbers only grow (1 .. 2^31 - 1, then 1 again), across
 * reconnections too, so no sequence number is ever sent twice for two
 * submits.  A submit whose answer the connection took with it goes back
 * to the head of the queue and is sent again, with a new sequence
 * number, after the next bind (at least once, as SPEC 4).
 */
#ifndef FP_SMPP_LINK_H
#define FP_SMPP_LINK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cfg.h"
#include "link_inbound.h"
#include "monotime.h"
#include "provider.h"
#include "ratelimit.h"
#include "smpp_concat.h"
#include "smpp_pdu.h"

#define SMPP_BUF		65536	/* output buffer */
#define SMPP_CONCAT_SLOTS	64	/* long MO being joined */
#define SMPP_CONCAT_WAIT_S	60	/* then handed over as they are */
#define SMPP_BACKOFF_MIN_MS	250	/* first reconnection */
#define SMPP_BACKOFF_MAX_MS	30000
#define SMPP_MAX_WAIT_S		120	/* a batch waits at most this long */

#define SMPP_NS_PER_MS		1000000LL
#define SMPP_NS_PER_S		1000000000LL

enum smpp_state {
	SMPP_DOWN,		/* waiting for next_connect_ns */
	SMPP_CONNECTING,	/* TCP handshake */
	SMPP_BINDING,		/* bind_transceiver sent */
	SMPP_BOUND,
};

enum smpp_where { JOB_NEW, JOB_QUEUED, JOB_SENT, JOB_DONE };

/* One submit_sm; owned by send_batch, borrowed by the link until done. */
struct smpp_job {
	struct smpp_submit sm;		/* what to send */
	int64_t	 message_id;		/* the outbox message, or 0 */
	int	 part;			/* 1-based, of that message */
	enum smpp_where where;		/* the link's, under its lock */
	uint32_t status;		/* JOB_DONE: the SMSC's answer */
	char	 msgid[SMPP_MSGID_MAX];	/* JOB_DONE with ROK */
	int	 sends;			/* times it went out */
	struct smpp_job *next;		/* the queue's */
};

/* A submit in the window. */
struct smpp_slot {
	bool	 is_used;
	uint32_t seq;
	struct smpp_job *job;		/* NULL: its batch stopped waiting */
	int64_t	 sent_ns;
};

/* A deliver_sm_resp to send. */
struct smpp_ack {
	uint32_t gen;			/* the connection it belongs to */
	uint32_t seq;
	uint32_t status;
};

struct smpp_link {
	const struct cfg_provider *p;	/* borrowed */
	const struct cfg *cfg;		/* borrowed */
	char	 route[96];		/* "smpp:<name>": MO's route */
	_Atomic int refs;
	_Atomic unsigned next_ref;	/* UDH reference of long MT */

	pthread_t thread;
	bool	 has_thread;
	atomic_bool is_stopping;
	atomic_bool is_interrupted;	/* the sender stops: batches return */
	int	 evfd;			/* wakes the link thread */

	pthread_mutex_t lock;		/* everything below to `ack_lock` */
	pthread_cond_t cond;		/* send_batch waits */
	enum smpp_state state;
	int	 fd;
	uint32_t gen;			/* connections made */
	uint32_t next_seq;
	char	 last_error[PROVIDER_ERROR_MAX];
	int64_t	 down_since_ns;		/* not bound since; 0: bound */
	int64_t	 next_connect_ns;
	int64_t	 backoff_ms;
	int64_t	 deadline_ns;		/* of connect, bind */
	uint32_t bind_seq;
	int64_t	 last_rx_ns;
	int64_t	 last_tx_ns;
	bool	 has_enquire;		/* an enquire_link awaits its answer */
	uint32_t enquire_seq;
	int64_t	 enquire_ns;
	uint64_t progress;		/* jobs finished, ever */
	struct smpp_job *head;		/* the queue, oldest first */
	struct smpp_job *tail;
	struct smpp_slot *slots;	/* window, owned */
	size_t	 n_slots;
	size_t	 n_used;
	/* Pacing: `throughput`, halved when the SMSC throttles, then
	 * raised again while it does not. */
	struct ratelimit rl;
	int64_t	 rate;			/* submits per second; 0: unlimited */
	int64_t	 pause_until_ns;
	int64_t	 last_throttle_ns;
	int64_t	 last_raise_ns;
	int64_t	 sec_start_ns;		/* submits of the current second */
	int64_t	 sec_count;
	int64_t	 last_sec_count;
	struct smpp_concat *concat;	/* owned */
	uint8_t	*in;			/* SMPP_PDU_MAX, owned */
	size_t	 in_len;
	uint8_t	*out;			/* SMPP_BUF, owned */
	size_t	 out_len;
	uint64_t rnd;

	pthread_mutex_t ack_lock;	/* guards acks */
	struct smpp_ack *acks;		/* owned */
	size_t	 n_acks;
	size_t	 cap_acks;

	struct link_stats stats;
};

/* smpp_link.c */

/*
 * Make the link of provider `p` and start its thread (it connects and
 * binds at once, and again whenever the connection ends).  FP_ENOMEM,
 * FP_EIO (thread or eventfd).
 */
enum fp_err smpp_link_open(const struct cfg *cfg,
    const struct cfg_provider *p, struct smpp_link **out);

/* Unbind, stop the thread and drop the provider's reference. */
void smpp_link_close(struct smpp_link *l);
void smpp_link_unref(struct smpp_link *l);

/*
 * Send jobs[0..n) and wait until each is answered (ROK, or a status not
 * asking us to slow down) or the link has made no progress for the
 * provider's timeout (SMPP_MAX_WAIT_S in all).  Jobs not answered are
 * left JOB_NEW or JOB_SENT (never answered later: the link forgets
 * them), and `why` says why.  At once, with none sent, after
 * smpp_link_interrupt.
 */
void smpp_link_submit(struct smpp_link *l, struct smpp_job *jobs, size_t n,
    char *why, size_t why_len);

/* Wake the link thread (any thread). */
void smpp_link_wake(struct smpp_link *l);

/*
 * The sender is stopping (provider.h's interrupt): a smpp_link_submit
 * waiting on another thread returns soon, its unanswered jobs left
 * undone, and later ones return at once.  The link itself keeps running
 * until smpp_link_close.  Thread-safe.
 */
void smpp_link_interrupt(struct smpp_link *l);

/* Append a PDU of len octets to the output (l->lock held); false when
 * the output is full (the connection is then dropped). */
bool smpp_link_put(struct smpp_link *l, const uint8_t *pdu, size_t len);

/* The next sequence number (l->lock held). */
uint32_t smpp_link_next_seq(struct smpp_link *l);

/* smpp_window.c (l->lock held). */

/* Send queued submits while the window, the output and the pace allow. */
void smpp_window_fill(struct smpp_link *l, int64_t now);
/* A submit_sm_resp or generic_nack for a submit (header h). */
void smpp_window_answer(struct smpp_link *l, const uint8_t *pdu,
    size_t len, const struct smpp_header *h, int64_t now);
/* The connection ended: the window's submits back to the head of the
 * queue, in the order they went; how many. */
size_t smpp_window_requeue(struct smpp_link *l);
/* The pace: `rate` submits a second from now (0: unlimited); raised by
 * a fifth when a second passed without throttling. */
void smpp_pace_set(struct smpp_link *l, int64_t rate, int64_t now);
void smpp_pace_raise(struct smpp_link *l, int64_t now);

/* smpp_deliver.c: what the SMSC sends us (l->lock held). */

/* A deliver_sm (validated header; pdu[0..len)). */
void smpp_deliver_take(struct smpp_link *l, const uint8_t *pdu, size_t len,
    uint32_t seq, int64_t now_ns);
/* deliver_sm_resp computed after the commits, into the output. */
void smpp_acks_flush(struct smpp_link *l);
/* Long MO waiting too long: handed over as they are. */
void smpp_concat_flush(struct smpp_link *l, int64_t now_ns);

#endif
