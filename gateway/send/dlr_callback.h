/*
 * dlr_callback.h: delivery reports for programs that send through the
 * Kannel-compatible /cgi-bin/sendsms with a dlr-url (SPEC 3.3a).  A
 * thread follows the outbound status history and calls each such URL
 * with Kannel's escapes filled in (%d the report type: 1 delivered,
 * 2 failed, 8 accepted by the SMSC, 16 rejected), for the types in the
 * message's dlr-mask.  At least once: the position in the history is
 * saved only after the calls of a batch were made.
 */
#ifndef FP_DLR_CALLBACK_H
#define FP_DLR_CALLBACK_H

#include <stddef.h>

#include "cfg.h"
#include "err.h"

struct dlr_callback;

/* Start the thread with its own database connection.  FP_EIO, FP_ENOMEM. */
enum fp_err dlr_callback_start(const struct cfg *cfg,
    struct dlr_callback **out);

/* Stop and join; NULL is a no-op. */
void dlr_callback_stop(struct dlr_callback *cb);

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

#endif
