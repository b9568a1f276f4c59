/*
 * sms_cmd_query.c: CX / 查询 (SPEC 3.2): a household's status in words,
 * its cadre's name and number, its programs, the last payment and the
 * next training nearby, in at most two SMS.  Only a number registered to
 * the household gets it; anyone else gets a refusal that says nothing
 * about whether the number, or any household, is known.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsm.h"
#include "household.h"
#include "log.h"
#include "sms_cmd.h"

#define CX_MAX_SEGMENTS 2

static enum fp_err
render(const struct svc_ctx *ctx, const char *lang,
    const struct household_summary *p, char **out)
{
	const struct tpl_var vars[] = {
		{ "name", p->name },
		{ "status_text", p->status_word },
		{ "cadre_name", p->cadre_name },
		{ "cadre_phone", p->cadre_phone },
		{ "programs", p->programs },
		{ "payment", p->payment },
		{ "training", p->training },
	};

	return svc_text(ctx, lang, "cx_status", vars,
	    sizeof(vars) / sizeof(vars[0]), out);
}

enum fp_err
sms_cmd_query(struct store *st, const struct svc_ctx *ctx,
    const struct svc_caller *who, int64_t now, char **reply)
{
	struct household_summary p;
	struct gsm_count c;
	enum fp_err err;

	if (!who->is_member)
		return svc_text(ctx, who->lang, "cx_refused", NULL, 0, reply);
	err = household_summary_load(st, ctx, who->lang, who->household_id,
	    who->area_code, now, &p);
	if (err == FP_ENOTFOUND)
		return svc_text(ctx, who->lang, "cx_refused", NULL, 0, reply);
	if (err == FP_OK)
		err = render(ctx, who->lang, &p, reply);
	if (err != FP_OK)
		return err;
	/* Two SMS at most: drop the training, then shorten the programs. */
	if (gsm_count(*reply, strlen(*reply), &c) == FP_OK &&
	    c.segments > CX_MAX_SEGMENTS) {
		free(*reply);
		*reply = NULL;
		err = svc_word(ctx, who->lang, "none", p.training,
		    sizeof(p.training));
		if (err == FP_OK)
			err = render(ctx, who->lang, &p, reply);
		if (err == FP_OK && gsm_count(*reply, strlen(*reply), &c) ==
		    FP_OK && c.segments > CX_MAX_SEGMENTS) {
			free(*reply);
			*reply = NULL;
			err = svc_word(ctx, who->lang, "none", p.programs,
			    sizeof(p.programs));
			if (err == FP_OK)
				err = render(ctx, who->lang, &p, reply);
		}
	}
	return err;
}
