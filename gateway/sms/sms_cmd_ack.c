/*
 * sms_cmd_ack.c: QR / 确认 <task> (SPEC 3.2): a cadre acknowledges a
 * task alert by its number, from the number registered to the cadre.
 */
#include "service_ops.h"
#include "sms_cmd.h"

enum fp_err
sms_cmd_ack(struct store *st, const struct svc_ctx *ctx,
    const struct svc_caller *who, const char *task, int64_t now,
    struct svc_msg *reply)
{
	const struct tpl_var vars[] = { { "task", task } };
	enum ops_ack_result result;
	enum fp_err err;

	if (!who->is_cadre)
		return svc_reply(ctx, who->lang, "qr_not_cadre", NULL, 0, reply);
	if (*task == '\0')
		return svc_reply(ctx, who->lang, "qr_empty", NULL, 0, reply);
	err = ops_task_ack(st, who->cadre_id, task, "sms", now, &result);
	if (err != FP_OK)
		return err;
	return svc_reply(ctx, who->lang, result == OPS_ACK_UNKNOWN ?
	    "qr_unknown" : "qr_ok", vars, 1, reply);
}
