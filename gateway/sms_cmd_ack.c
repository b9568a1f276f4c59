/*
 * sms_cmd_ack.c: QR / 确认 <task> (SPEC 3.2): a cadre acknowledges a
 * task alert by its number, from the number registered to the cadre.
 */
#include <stdio.h>
#include <time.h>

#include "sms_cmd.h"

enum fp_err
sms_cmd_ack(struct store *st, const struct sms_ctx *ctx,
    const struct sms_caller *who, const char *task, char **reply)
{
	const struct tpl_var vars[] = { { "task", task } };
	struct json_object *d;
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc, changed;

	if (!who->is_cadre)
		return sms_text(ctx, who->lang, "qr_not_cadre", NULL, 0, reply);
	if (*task == '\0')
		return sms_text(ctx, who->lang, "qr_empty", NULL, 0, reply);
	/* Acknowledging twice is fine: the first time counts. */
	err = store_stmt(st, "UPDATE tasks SET status = 'acked', acked_at = "
	    "?3 WHERE task_number = ?1 AND cadre_id = ?2 AND status = 'open'",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, task, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, who->cadre_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, (int64_t)time(NULL));
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	changed = sqlite3_changes(store_db(st));
	if (changed == 0) {
		bool known = false;

		err = store_stmt(st, "SELECT 1 FROM tasks WHERE task_number = "
		    "?1 AND cadre_id = ?2", &stmt);
		if (err != FP_OK)
			return err;
		sqlite3_bind_text(stmt, 1, task, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, who->cadre_id, -1, SQLITE_STATIC);
		known = sqlite3_step(stmt) == SQLITE_ROW;
		sqlite3_reset(stmt);
		return sms_text(ctx, who->lang, known ? "qr_ok" : "qr_unknown",
		    vars, 1, reply);
	}
	d = json_object_new_object();
	json_object_object_add(d, "task_number", json_object_new_string(task));
	json_object_object_add(d, "cadre_id",
	    json_object_new_string(who->cadre_id));
	json_object_object_add(d, "channel", json_object_new_string("sms"));
	err = sms_event(st, "task.acked", d);
	if (err != FP_OK)
		return err;
	return sms_text(ctx, who->lang, "qr_ok", vars, 1, reply);
}
