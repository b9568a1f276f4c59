/*
 * link_inbound.h: what a provider's own link (CMPP, SMPP: a connection
 * the provider keeps) receives and hands to the gateway (SPEC 11: "MO
 * and delivery reports that arrive over an SMPP or CMPP link enter
 * exactly as the webhooks' do", 3.1 and 3.4), and the links' counters
 * for /metrics.
 *
 * The links live in gateway/send/, the SMS service in gateway/sms/, and
 * neither may include the other: the gateway's main opens this with its
 * writer and the SMS service's MO function (link_inbound_open) once the
 * writer runs, and closes it before the writer stops.  Closed, every
 * call answers FP_EBUSY at once and the link asks its peer to send again
 * later.
 *
 * Every call is asynchronous: what is handed over is copied (the caller
 * keeps its strings) and runs as a job of the writer's group commit;
 * `done` is called exactly once with the result, after the commit, on
 * the writer's notifier thread, or at once on the caller's thread when
 * closed or out of memory.  Keep `done` short: it may only queue the
 * link's acknowledgement.
 */
#ifndef FP_LINK_INBOUND_H
#define FP_LINK_INBOUND_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "dlr.h"
#include "err.h"
#include "store.h"

struct writer;

/* One MO message as a link received it (whole: parts already joined). */
struct link_mo {
	const char	*route;		/* "cmpp:<provider>", "smpp:<provider>":
					 * the route its duplicates are
					 * recognised on */
	const char	*msgid;		/* the link's id of the MO, or NULL */
	const char	*from;		/* as the link gave it; normalised by
					 * the MO function */
	const char	*to;		/* our number as the link says, or NULL */
	const char	*text;		/* UTF-8 */
	size_t		 text_len;
};

/* A delivery report for the link's message id `msgid`. */
struct link_report {
	const char	*provider;
	const char	*msgid;
	int64_t		 message_id;	/* > 0 when the link knows the message
					 * (and then `part`: 0 the whole, k
					 * part k); 0: look it up by msgid */
	int		 part;
	enum dlr_state	 state;
	const char	*detail;	/* "stat:UNDELIV err:001", or NULL */
};

/*
 * The SMS service's handling of one MO (gateway/sms/sms_link.c), run in
 * the writer's transaction at `now` (unix seconds); *id the stored
 * message's id.
 */
typedef enum fp_err link_mo_fn(struct store *st, void *arg,
    const struct link_mo *mo, int64_t now, int64_t *id);

/*
 * A call's result: FP_OK committed (id: the MO's sms_in id, else 0);
 * FP_EBUSY, FP_ENOMEM, FP_EIO not now: ask the peer again later;
 * FP_EINVAL refused for good (an MO's sender is no number); FP_ENOTFOUND
 * (a report, parts) no such message, nothing stored.
 */
typedef void link_done_fn(void *done_arg, enum fp_err result, int64_t id);

/*
 * Open (the gateway's main, after writer_start): jobs go to `wr`, MO to
 * mo(…, arg).  Close (before writer_stop): returns once no call is
 * handing over any more; jobs already handed over still complete.
 * Thread-safe.
 */
void link_inbound_open(struct writer *wr, link_mo_fn *mo, void *arg);
void link_inbound_close(void);

/* An MO, received at `now` (unix seconds). */
void link_inbound_mo(const struct link_mo *mo, int64_t now,
    link_done_fn *done, void *done_arg);

/* A delivery report (dlr_apply_link), received at `now`. */
void link_inbound_report(const struct link_report *r, int64_t now,
    link_done_fn *done, void *done_arg);

/*
 * After a submit: part k (1-based) of gateway message `message_id` has
 * the link's id msgids[k - 1] (dlr_link_part), so that a report for
 * any part finds its message, also after a restart.
 */
void link_inbound_parts(const char *provider, int64_t message_id,
    const char *const *msgids, size_t n, int64_t now, link_done_fn *done,
    void *done_arg);

/*
 * The same for one part, as soon as its submit is answered: a link that
 * hands each part over from its own thread before it reads what follows
 * on the connection has the part recorded before any report for it
 * (the writer runs jobs in the order they were handed over), even when
 * the SMSC reports the first part while later ones are still in flight.
 */
void link_inbound_part(const char *provider, int64_t message_id, int part,
    const char *msgid, int64_t now, link_done_fn *done, void *done_arg);

/* ---- counters ------------------------------------------------------------ */

#define LINK_LATENCY_BUCKETS	21

/* Upper bounds (microseconds) of the submit latency buckets; the last
 * is UINT64_MAX. */
extern const uint64_t link_latency_bounds_us[LINK_LATENCY_BUCKETS];

/*
 * One link's counters, owned by its provider, registered while it runs.
 * Relaxed atomics: written by the link's threads, read by /metrics.
 */
struct link_stats {
	const char	*provider;	/* borrowed; outlives the registration */
	_Atomic uint64_t binds;		/* successful binds / logins */
	_Atomic uint64_t bind_failures;
	_Atomic uint64_t submits;	/* submits sent (parts) */
	_Atomic uint64_t throttled;	/* answers asking us to slow down */
	_Atomic uint64_t mo;		/* MO messages handed over */
	_Atomic uint64_t reports;	/* delivery reports handed over */
	_Atomic uint64_t window_used;	/* submits awaiting an answer now */
	_Atomic uint64_t window_size;
	_Atomic uint64_t is_up;		/* 1 while bound */
	_Atomic uint64_t latency[LINK_LATENCY_BUCKETS];	/* submit -> answer */
	_Atomic uint64_t latency_sum_us;
	struct link_stats *next;	/* the registry's */
};

/* Register / unregister `s` (not copied).  Thread-safe. */
void link_stats_add(struct link_stats *s);
void link_stats_remove(struct link_stats *s);

/*
 * Whether the link of `provider` is bound: 1 bound, 0 not (yet, or any
 * more), -1 no link registered under that name (not a link type, or not
 * opened).  For the sender's failover (issue 16).  Thread-safe.
 */
int link_stats_is_up(const char *provider);

/* Count one submit answered after `us` microseconds. */
void link_stats_latency(struct link_stats *s, uint64_t us);

/*
 * emit(provider, metric, value, arg) for every registered link: binds,
 * bind_failures, submits, throttled, mo, reports, window_used,
 * window_size, up, then latency_le_<bound> (cumulative, as Prometheus
 * histograms), latency_count and latency_sum_us.  emit must not call
 * back into this module.
 */
void link_stats_each(void (*emit)(const char *provider, const char *metric,
    uint64_t v, void *arg), void *arg);

#endif
