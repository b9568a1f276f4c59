/*
 * sms_cmd_enroll.c: BM / 报名 <code> (SPEC 3.2): a registered member asks
 * to enroll in a program; the enrollment becomes "requested" (unless it
 * is already further along) with an enrollment.requested event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static enum fp_err
program_name(struct store *st, const char *code, char *out, size_t len,
    bool *found)
{
	sqlite3_stmt *stmt;
	enum fp_err err;

	*found = false;
	err = store_stmt(st, "SELECT name FROM programs WHERE code = ?1",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, code, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		snprintf(out, len, "%s",
		    (const char *)sqlite3_column_text(stmt, 0));
		*found = true;
	}
	sqlite3_reset(stmt);
	return FP_OK;
}

enum fp_err
sms_cmd_enroll(struct store *st, const struct sms_ctx *ctx,
    const struct sms_caller *who, const char *code, char **reply)
{
	char codes[BM_CODES_MAX], name[128];
	struct json_object *d;
	sqlite3_stmt *stmt;
	enum fp_err err;
	bool found;
	int rc;

	err = program_list(st, codes, sizeof(codes));
	if (err != FP_OK)
		return err;
	if (*code == '\0') {
		const struct tpl_var vars[] = { { "codes", codes } };

		return sms_text(ctx, who->lang, "bm_empty", vars, 1, reply);
	}
	err = program_name(st, code, name, sizeof(name), &found);
	if (err != FP_OK)
		return err;
	if (!found) {
		const struct tpl_var vars[] = { { "codes", codes } };

		return sms_text(ctx, who->lang, "bm_unknown", vars, 1, reply);
	}
	if (!who->is_member)
		return sms_text(ctx, who->lang, "bm_not_registered", NULL, 0,
		    reply);
	/* A request never moves an enrollment back from enrolled/completed. */
	err = store_stmt(st, "INSERT INTO enrollments(member_id, program, "
	    "status, updated_on, updated_at) VALUES (?1, ?2, 'requested', "
	    "date(?3, 'unixepoch'), ?3) ON CONFLICT(member_id, program) "
	    "DO NOTHING", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, who->member_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, (int64_t)time(NULL));
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);

	d = json_object_new_object();
	json_object_object_add(d, "member_id",
	    json_object_new_string(who->member_id));
	json_object_object_add(d, "household_id",
	    json_object_new_string(who->household_id));
	json_object_object_add(d, "program", json_object_new_string(code));
	json_object_object_add(d, "msisdn", sms_event_msisdn(ctx,
	    who->msisdn));
	json_object_object_add(d, "channel", json_object_new_string("sms"));
	err = sms_event(st, "enrollment.requested", d);
	if (err != FP_OK)
		return err;
	{
		const struct tpl_var vars[] = { { "program_name", name },
		    { "code", code } };

		return sms_text(ctx, who->lang, "bm_ok", vars, 2, reply);
	}
}
