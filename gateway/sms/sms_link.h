/*
 * sms_link.h: an MO that came over a provider's own link (CMPP, SMPP)
 * enters the SMS service as a webhook's MO does (SPEC 11 and 3.1): the
 * same duplicate check on the link's message id (per link route), flood
 * control, command and reply, in the writer's transaction.  The
 * gateway's main hands this function to link_inbound_open
 * (gateway/core/link_inbound.h).
 */
#ifndef FP_SMS_LINK_H
#define FP_SMS_LINK_H

#include <stdint.h>

#include "err.h"
#include "link_inbound.h"
#include "store.h"

/*
 * A link_mo_fn: arg is the gateway's struct svc_ctx (borrowed).  The
 * sender is normalised as a webhook's `from` is: FP_EINVAL (logged
 * without the number, nothing stored) when it is no valid number or the
 * text holds a NUL.  Otherwise sms_service_receive's results; *id the
 * sms_in id.
 */
enum fp_err sms_link_receive(struct store *st, void *arg,
    const struct link_mo *mo, int64_t now, int64_t *id);

#endif
