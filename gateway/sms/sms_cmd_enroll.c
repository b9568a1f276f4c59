/*
 * sms_cmd_enroll.c: BM / 报名 <code> (SPEC 3.2): a registered member asks
 * to enroll in a program; the enrollment becomes "requested" (unless it
 * is already further along) with an enrollment.requested event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service_ops.h"
#include "sms_cmd.h"

#define BM_CODES_MAX 512

/* "YL雨露计划 CY返乡创业 XD扶贫小额信贷" from the programs table. */
static enum fp_err
program_list(struct store *st, char *out, size_t len)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	size_t n = 0;

	out[0] = '\0';
	err = store_stmt(st, "SELECT code, name FROM programs ORDER BY "
	    "CASE code WHEN 'YL' THEN 0 WHEN 'CY' THEN 1 WHEN 'XD' THEN 2 "
	    "ELSE 3 END, code", &stmt);
	if (err != FP_OK)
		return err;
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		int r = snprintf(out + n, len - n, "%s%s%s", n > 0 ? " " : "",
		    (const char *)sqlite3_column_text(stmt, 0),
		    (const char *)sqlite3_column_text(stmt, 1));

		if (r < 0 || (size_t)r >= len - n) {
			out[n] = '\0';
			break;
		}
		n += (size_t)r;
	}
	sqlite3_reset(stmt);
	return FP_OK;
}

enum fp_err
sms_cmd_enroll(struct store *st, const struct svc_ctx *ctx,
    const struct svc_caller *who, const char *code, int64_t now,
    struct svc_msg *reply)
{
	char codes[BM_CODES_MAX], name[128];
	enum fp_err err;
	bool found;

	err = program_list(st, codes, sizeof(codes));
	if (err != FP_OK)
		return err;
	if (*code == '\0') {
		const struct tpl_var vars[] = { { "codes", codes } };

		return svc_reply(ctx, who->lang, "bm_empty", vars, 1, reply);
	}
	err = ops_program_name(st, code, name, sizeof(name), &found);
	if (err != FP_OK)
		return err;
	if (!found) {
		const struct tpl_var vars[] = { { "codes", codes } };

		return svc_reply(ctx, who->lang, "bm_unknown", vars, 1, reply);
	}
	if (!who->is_member)
		return svc_reply(ctx, who->lang, "bm_not_registered", NULL, 0,
		    reply);
	err = ops_enroll_request(st, ctx, who->member_id, who->household_id,
	    who->msisdn, code, "sms", now);
	if (err != FP_OK)
		return err;
	{
		const struct tpl_var vars[] = { { "program_name", name },
		    { "code", code } };

		return svc_reply(ctx, who->lang, "bm_ok", vars, 2, reply);
	}
}
