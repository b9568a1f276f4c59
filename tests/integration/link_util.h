/*
 * link_util.h: the gateway's side of a link suite (test_cmpp.c,
 * test_smpp.c), in the test's process: a migrated database, the shipped
 * templates, a writer that takes what arrives on the link into the SMS
 * service (link_inbound.h, sms_link_receive, as the gateway wires it),
 * and the link's provider driven as the sender drives a synchronous
 * provider: due messages claimed, send_batch, the outcomes written.
 */
#ifndef FP_LINK_UTIL_H
#define FP_LINK_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "provider.h"
#include "svc.h"

/* What a link test owns; zero it before lu_open, lu_close frees it. */
struct lu_link {
	struct cfg	*cfg;
	struct store	*st;		/* the test's own connection */
	struct writer	*wr;
	struct templates *tpl;
	struct svc_ctx	 ctx;		/* sms_link_receive's */
	const struct provider_ops *ops;
	void		*pctx;		/* ops' context, or NULL */
};

/* The outcomes of the rounds so far. */
struct lu_tally {
	size_t	 accepted;
	size_t	 retried;
	size_t	 rejected;
	/* Why the last one not accepted was not. */
	char	 last_error[PROVIDER_ERROR_MAX];
};

/* Open and migrate the database at db_path; load templates/ ("zh"). */
void lu_open(struct lu_link *l, const char *db_path);

/*
 * Load conf (a whole config, its database the one of lu_open), start
 * the writer with the link's MO going to the SMS service, and open ops
 * on the config's first provider.
 */
void lu_start(struct lu_link *l, const struct provider_ops *ops,
    const char *conf);

/* Close what is open, the link first; safe after a failed check. */
void lu_close(struct lu_link *l);

/*
 * An "api" message to `to` for provider (NULL: as the routes say), in
 * the caller's transaction if one is open (tu_enqueue, stamped with the
 * machine's clock); its id.
 */
int64_t lu_enqueue(struct lu_link *l, const char *provider, const char *to,
    const char *text);

/*
 * What the sender does, once: claim up to max due messages of
 * provider, send them through the link in one batch, write the outcomes
 * (a retry is due again at once) and count them in t.  Returns how many
 * were claimed.
 */
size_t lu_send_round(struct lu_link *l, const char *provider, size_t max,
    struct lu_tally *t);

/* Rounds of up to batch messages until none is due, or ms pass. */
void lu_send_all(struct lu_link *l, const char *provider, size_t batch,
    int ms, struct lu_tally *t);

#endif
