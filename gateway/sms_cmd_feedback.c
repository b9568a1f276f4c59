/*
 * sms_cmd_feedback.c: FK / 反馈 <text> (SPEC 3.2): a feedback ticket
 * "F" + digits, linked to the sender's household and area when the
 * number is registered, with a feedback.created event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sms_cmd.h"

enum fp_err
sms_cmd_feedback(struct store *st, const struct sms_ctx *ctx,
    const struct sms_caller *who, const char *text, int64_t sms_in_id,
    char **reply)
{
	char ticket[32];
	struct json_object *d;
	sqlite3_stmt *stmt;
	enum fp_err err;
	int64_t id;
	int rc;

	if (*text == '\0')
		return sms_text(ctx, who->lang, "fk_empty", NULL, 0, reply);
	/* The ticket number is the row id: short enough to read aloud. */
	err = store_stmt(st, "INSERT INTO feedback(ticket, msisdn, "
	    "household_id, area_code, text, channel, sms_in_id, created_at) "
	    "VALUES ('F' || (SELECT ifnull(max(id), 0) + 1 FROM feedback), "
	    "?1, ?2, ?3, ?4, 'sms', ?5, ?6) RETURNING id, ticket", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, who->msisdn, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 2, who->household_id);
	store_bind_text_or_null(stmt, 3, who->area_code);
	sqlite3_bind_text(stmt, 4, text, -1, SQLITE_STATIC);
	if (sms_in_id > 0)
		sqlite3_bind_int64(stmt, 5, sms_in_id);
	else
		sqlite3_bind_null(stmt, 5);
	sqlite3_bind_int64(stmt, 6, (int64_t)time(NULL));
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return store_err(rc);
	}
	id = sqlite3_column_int64(stmt, 0);
	snprintf(ticket, sizeof(ticket), "%s",
	    (const char *)sqlite3_column_text(stmt, 1));
	/* Drain so the statement completes (RETURNING). */
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);

	d = json_object_new_object();
	json_object_object_add(d, "id", json_object_new_int64(id));
	json_object_object_add(d, "ticket", json_object_new_string(ticket));
	json_object_object_add(d, "msisdn", sms_event_msisdn(ctx,
	    who->msisdn));
	json_object_object_add(d, "household_id", who->is_member ?
	    json_object_new_string(who->household_id) : NULL);
	json_object_object_add(d, "area_code", *who->area_code != '\0' ?
	    json_object_new_string(who->area_code) : NULL);
	json_object_object_add(d, "text", json_object_new_string(text));
	json_object_object_add(d, "channel", json_object_new_string("sms"));
	err = sms_event(st, "feedback.created", d);
	if (err != FP_OK)
		return err;
	{
		const struct tpl_var vars[] = { { "ticket", ticket } };

		return sms_text(ctx, who->lang, "fk_ok", vars, 1, reply);
	}
}
