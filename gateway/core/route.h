/*
 * route.h: which provider a message goes out through when nobody chose
 * one (issue 16, SPEC 4 "chosen per route"): replies, the SMS menu,
 * broadcasts and task alerts without a provider, /cgi-bin/sendsms.  The
 * one place that decides it; outbox_enqueue asks it for every message
 * whose outbox_msg.provider is NULL.  An explicit provider (the admin
 * API's or a broadcast's `provider`) is never routed.
 *
 * Pure: reads the frozen configuration, nothing else.  What happens when
 * the provider chosen is down (failover) is the sender's (sender.h).
 */
#ifndef FP_ROUTE_H
#define FP_ROUTE_H

#include <stdbool.h>

#include "cfg.h"

/*
 * The name of the provider (borrowed from cfg) for a message to `to`
 * (E.164, "+86..."):
 *   1. `via` is the route of the MO the message answers ("cmpp:<name>",
 *      "smpp:<name>", as sms_in.route has it; NULL for none): when it
 *      names a configured cmpp or smpp provider, that one: an answer goes
 *      back over the operator link the question came in on, whatever the
 *      rules say (the SP's number belongs to that operator);
 *   2. else the first mt_routes rule with a prefix `to` starts with;
 *   3. else sms.provider (the last rule's provider when it has no
 *      prefixes: cfg_load sets it so).
 * Returns sms.provider for a NULL `to`.
 */
const char *route_pick(const struct cfg *cfg, const char *to,
    const char *via);

/*
 * Whether route_pick may answer `p` for some number without a `via`: p
 * is sms.provider or the provider of a rule.  For the checks made before
 * the numbers are known (a broadcast's text, a sendsms text's length):
 * every provider it may go through must be able to send it.
 */
bool route_may_pick(const struct cfg *cfg, const struct cfg_provider *p);

#endif
