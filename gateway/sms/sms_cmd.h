/*
 * sms_cmd.h: what the SMS commands of SPEC 3.2 share, and one entry
 * point per command family (sms_cmd_*.c).  Each runs at the caller's
 * `now` (unix seconds; nothing below reads the clock), inside the
 * transaction that stored the inbound message, changes data through the
 * store, appends its event, and hands back the reply text in the
 * caller's language (rendered from templates/<lang>/sms/).
 */
#ifndef FP_SMS_CMD_H
#define FP_SMS_CMD_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "err.h"
#include "sms_router.h"
#include "store.h"
#include "svc.h"

/* CX: the household's status summary, or a refusal that reveals nothing. */
enum fp_err sms_cmd_query(struct store *st, const struct svc_ctx *ctx,
    const struct svc_caller *who, int64_t now, struct svc_msg *reply);

/* FK <text>: a feedback ticket; event feedback.created. */
enum fp_err sms_cmd_feedback(struct store *st, const struct svc_ctx *ctx,
    const struct svc_caller *who, const char *text, int64_t sms_in_id,
    int64_t now, struct svc_msg *reply);

/* BM <code>: an enrollment request; event enrollment.requested. */
enum fp_err sms_cmd_enroll(struct store *st, const struct svc_ctx *ctx,
    const struct svc_caller *who, const char *code, int64_t now,
    struct svc_msg *reply);

/* QR <task>: a cadre acknowledges a task; event task.acked. */
enum fp_err sms_cmd_ack(struct store *st, const struct svc_ctx *ctx,
    const struct svc_caller *who, const char *task, int64_t now,
    struct svc_msg *reply);

/* TD / DY: opt out of broadcast notices or back in; optout.changed. */
enum fp_err sms_cmd_optout(struct store *st, const struct svc_ctx *ctx,
    const struct svc_caller *who, bool opt_out, const char *source,
    int64_t now, struct svc_msg *reply);

#endif
