/*
 * sms_cmd_query.c: CX / 查询 (SPEC 3.2): a household's status in words,
 * its cadre's name and number, its programs, the last payment and the
 * next training nearby, in at most two SMS.  Only a number registered to
 * the household gets it; anyone else gets a refusal that says nothing
 * about whether the number, or any household, is known.
 */
#include "household.h"
#include "sms_cmd.h"

enum fp_err
sms_cmd_query(struct store *st, const struct svc_ctx *ctx,
    const struct svc_caller *who, int64_t now, struct svc_msg *reply)
{
	struct household_summary p;
	enum fp_err err;

	if (!who->is_member)
		return svc_reply(ctx, who->lang, "cx_refused", NULL, 0, reply);
	err = household_summary_load(st, ctx, who->lang, who->household_id,
	    who->area_code, now, &p);
	if (err == FP_ENOTFOUND)
		return svc_reply(ctx, who->lang, "cx_refused", NULL, 0, reply);
	if (err != FP_OK)
		return err;
	return household_summary_msg(ctx, who->lang, &p, reply);
}
