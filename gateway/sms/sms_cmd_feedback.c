/*
 * sms_cmd_feedback.c: FK / 反馈 <text> (SPEC 3.2): a feedback ticket
 * "F" + digits, linked to the sender's household and area when the
 * number is registered, with a feedback.created event.
 */
#include "service_ops.h"
#include "sms_cmd.h"

enum fp_err
sms_cmd_feedback(struct store *st, const struct svc_ctx *ctx,
    const struct svc_caller *who, const char *text, int64_t sms_in_id,
    int64_t now, struct svc_msg *reply)
{
	char ticket[OPS_TICKET_MAX];
	enum fp_err err;

	if (*text == '\0')
		return svc_reply(ctx, who->lang, "fk_empty", NULL, 0, reply);
	err = ops_feedback_create(st, ctx, who, NULL, text, "sms", sms_in_id,
	    now, ticket);
	if (err != FP_OK)
		return err;
	{
		const struct tpl_var vars[] = { { "ticket", ticket } };

		return svc_reply(ctx, who->lang, "fk_ok", vars, 1, reply);
	}
}
