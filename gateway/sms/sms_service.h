/*
 * sms_service.h: one inbound message, from "received" to "processed"
 * (SPEC 3.1, 3.2): deduplicate on the provider id, store it with its
 * sms.inbound event, apply flood control, run the command, queue the
 * reply.  All in the caller's transaction, so a 2xx means all of it.
 */
#ifndef FP_SMS_SERVICE_H
#define FP_SMS_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "msisdn.h"
#include "sms_cmd.h"
#include "store.h"

struct mo_msg {
	const char	*route;		/* "kannel", "inbound", or the link's
					 * "cmpp:<name>", "smpp:<name>" */
	const char	*provider_id;	/* NULL or "" when the peer gave none */
	char		 from[MSISDN_MAX];	/* E.164 */
	const char	*to;		/* our number as the peer says, or "" */
	const char	*text;		/* UTF-8 */
	size_t		 text_len;
	const char	*smsc;		/* or NULL */
};

struct mo_result {
	int64_t	 id;		/* sms_in id */
	bool	 is_duplicate;	/* seen before: nothing new was stored */
	bool	 is_flooded;	/* stored but not answered */
	int64_t	 reply_id;	/* sms_out id of the reply, or 0 */
	bool	 is_challenge;	/* an ID-challenge answer: its text is
				 * never stored, published or logged */
};

/*
 * The next message id.  Inbound and outbound messages share one id
 * space, so GET /api/v1/messages/{id} and Kannel's msg= are never
 * ambiguous.  Inside the writer's transaction (ids are not reserved).
 */
enum fp_err sms_next_id(struct store *st, int64_t *id);

/* Store and handle one inbound message, received at `now`; see above. */
enum fp_err sms_service_receive(struct store *st, const struct svc_ctx *ctx,
    const struct mo_msg *mo, int64_t now, struct mo_result *res);

#endif
