/*
 * dlr_callback.h: delivery reports for programs that send through the
 * Kannel-compatible /cgi-bin/sendsms with a dlr-url (SPEC 3.3a).
 *
 * A dlr-url must start with one of sms.dlr_url_allow's prefixes (none
 * by default): /cgi-bin/sendsms refuses any other with a 400 before
 * anything is stored.  A thread follows the outbound status history and
 * queues a call for each report type in the message's dlr-mask, with
 * Kannel's escapes filled in (%d the report type: 1 delivered, 2
 * failed, 8 accepted by the SMSC, 16 rejected), in a durable queue
 * (table dlr_callbacks, written with the history position in one
 * transaction).  Calls are made with libcurl multi: at most 4 at a time
 * per host, 5 s each, so a slow or dead host never delays another's; a
 * failed call is retried with backoff until a day after it was queued,
 * then dropped with a log line.  At least once: a call in flight when
 * the gateway stops is made again.  A call's outcome the database will
 * not take (a full disk) is held and written again each turn, and no
 * call starts meanwhile: a call made is not made again because its row
 * could not say so.
 */
#ifndef FP_DLR_CALLBACK_H
#define FP_DLR_CALLBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "err.h"
#include "store.h"

/* "host:port" of a callback, the key of its per-host limit. */
#define DLR_CALLBACK_HOST_MAX 272

struct dlr_callback;

/* Start the thread with its own database connection.  FP_EIO, FP_ENOMEM. */
enum fp_err dlr_callback_start(const struct cfg *cfg,
    struct dlr_callback **out);

/* Stop and join; NULL is a no-op. */
void dlr_callback_stop(struct dlr_callback *cb);

/*
 * SPEC 3.3a: whether a sendsms client may give this dlr-url: http or
 * https, a host written plainly (no user part, no escape in it), and a
 * prefix from sms.dlr_url_allow (NULL: none allowed).
 */
bool dlr_callback_url_allowed(const struct cfg *cfg, const char *url);

/*
 * Fill Kannel's escapes in a dlr-url template into out[len]: %d type,
 * %I our message id, %p the recipient, %P our sender address, %A the
 * detail text, %T the time (unix seconds), %% a percent sign; values are
 * URL-encoded.  Unknown escapes are kept as they are.  FP_ETOOBIG when
 * the result does not fit.
 */
enum fp_err dlr_callback_url(const char *tmpl, int type, long long id,
    const char *to, const char *from, const char *detail, long long when,
    char *out, size_t len);

/* The Kannel report type for an outbox status, or 0 for none. */
int dlr_callback_type(const char *status, const char *detail);

/*
 * The host of an http(s) URL as "host:port" (lower case, the scheme's
 * port when none is given) into out[len].  FP_EINVAL: not an http(s)
 * URL with a host; FP_ETOOBIG.
 */
enum fp_err dlr_callback_host(const char *url, char *out, size_t len);

/*
 * When a callback queued at created_at, whose attempts-th call failed
 * at now, is called next: after 30 s, doubling each time up to an hour,
 * and never later than a day after it was queued; -1 once that day is
 * over (it is dropped).
 */
int64_t dlr_callback_retry_at(int64_t created_at, int attempts,
    int64_t now);

/*
 * One scan of the status history after *cursor (a batch): a queued
 * call, due at `now`, for each report a message's dlr-mask asks for;
 * the calls and the new position are written in one transaction, and
 * the position alone only when `save`.  *cursor moves on; *added calls
 * queued, *scanned history rows read (a full batch: more may wait).
 */
enum fp_err dlr_callback_collect(struct store *st, long long *cursor,
    bool save, int64_t now, size_t *added, size_t *scanned);

#endif
