/*
 * service_ops.c: the changes villagers and cadres make (see
 * service_ops.h).
 */
#include <stdio.h>
#include <string.h>

#include "service_ops.h"

enum fp_err
ops_feedback_create(struct store *st, const struct svc_ctx *ctx,
    const struct svc_caller *who, const char *category, const char *text,
    const char *channel, int64_t sms_in_id, int64_t now,
    char ticket[OPS_TICKET_MAX])
{
	struct json_object *d;
	sqlite3_stmt *stmt;
	enum fp_err err;
	int64_t id;
	int rc;

	/* The ticket number is the row id: short enough to read aloud. */
	err = store_stmt(st, "INSERT INTO feedback(ticket, msisdn, "
	    "household_id, area_code, text, channel, sms_in_id, created_at, "
	    "category) VALUES ('F' || (SELECT ifnull(max(id), 0) + 1 FROM "
	    "feedback), ?1, ?2, ?3, ?4, ?7, ?5, ?6, ?8) RETURNING id, ticket",
	    &stmt);
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
	sqlite3_bind_int64(stmt, 6, now);
	sqlite3_bind_text(stmt, 7, channel, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 8, category);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return store_err(rc);
	}
	id = sqlite3_column_int64(stmt, 0);
	store_column_copy(stmt, 1, ticket, OPS_TICKET_MAX);
	/* Drain so the statement completes (RETURNING). */
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);

	d = json_object_new_object();
	json_object_object_add(d, "id", json_object_new_int64(id));
	json_object_object_add(d, "ticket", json_object_new_string(ticket));
	json_object_object_add(d, "msisdn", svc_event_msisdn(ctx,
	    who->msisdn));
	json_object_object_add(d, "household_id", *who->household_id != '\0' ?
	    json_object_new_string(who->household_id) : NULL);
	json_object_object_add(d, "area_code", *who->area_code != '\0' ?
	    json_object_new_string(who->area_code) : NULL);
	if (category != NULL && *category != '\0')
		json_object_object_add(d, "category",
		    json_object_new_string(category));
	json_object_object_add(d, "text", json_object_new_string(text));
	json_object_object_add(d, "channel", json_object_new_string(channel));
	return svc_event(st, "feedback.created", d, now);
}

enum fp_err
ops_program_name(struct store *st, const char *code, char *out, size_t len,
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
		store_column_copy(stmt, 0, out, len);
		*found = true;
	}
	sqlite3_reset(stmt);
	return FP_OK;
}

enum fp_err
ops_enroll_request(struct store *st, const struct svc_ctx *ctx,
    const char *member_id, const char *household_id, const char *msisdn,
    const char *program, const char *channel, int64_t now)
{
	struct json_object *d;
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	/* A request never moves an enrollment back from enrolled/completed. */
	err = store_stmt(st, "INSERT INTO enrollments(member_id, program, "
	    "status, updated_on, updated_at) VALUES (?1, ?2, 'requested', "
	    "date(?3, 'unixepoch'), ?3) ON CONFLICT(member_id, program) "
	    "DO NOTHING", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, member_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, program, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);

	d = json_object_new_object();
	json_object_object_add(d, "member_id",
	    json_object_new_string(member_id));
	json_object_object_add(d, "household_id",
	    json_object_new_string(household_id));
	json_object_object_add(d, "program", json_object_new_string(program));
	json_object_object_add(d, "msisdn", svc_event_msisdn(ctx, msisdn));
	json_object_object_add(d, "channel", json_object_new_string(channel));
	return svc_event(st, "enrollment.requested", d, now);
}

enum fp_err
ops_task_ack(struct store *st, const char *cadre_id, const char *task,
    const char *channel, int64_t now, enum ops_ack_result *result)
{
	struct json_object *d;
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	/* Acknowledging twice is fine: the first time counts. */
	err = store_stmt(st, "UPDATE tasks SET status = 'acked', acked_at = "
	    "?3 WHERE task_number = ?1 AND cadre_id = ?2 AND status = 'open'",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, task, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, cadre_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	if (sqlite3_changes(store_db(st)) == 0) {
		err = store_stmt(st, "SELECT 1 FROM tasks WHERE task_number = "
		    "?1 AND cadre_id = ?2", &stmt);
		if (err != FP_OK)
			return err;
		sqlite3_bind_text(stmt, 1, task, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, cadre_id, -1, SQLITE_STATIC);
		*result = sqlite3_step(stmt) == SQLITE_ROW ? OPS_ACK_ALREADY :
		    OPS_ACK_UNKNOWN;
		sqlite3_reset(stmt);
		return FP_OK;
	}
	*result = OPS_ACK_DONE;
	d = json_object_new_object();
	json_object_object_add(d, "task_number", json_object_new_string(task));
	json_object_object_add(d, "cadre_id", json_object_new_string(cadre_id));
	json_object_object_add(d, "channel", json_object_new_string(channel));
	return svc_event(st, "task.acked", d, now);
}

enum fp_err
ops_callback_request(struct store *st, const char *household_id,
    const char *msisdn, const char *text, int64_t now,
    char task[OPS_TICKET_MAX], bool *has_cadre)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	*has_cadre = false;
	/* One open request per household is enough: a repeat returns it. */
	err = store_stmt(st, "SELECT task_number FROM tasks WHERE "
	    "household_id = ?1 AND kind = 'callback' AND status = 'open'",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, household_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		store_column_copy(stmt, 0, task, OPS_TICKET_MAX);
	sqlite3_reset(stmt);
	if (rc == SQLITE_ROW) {
		*has_cadre = true;
		return FP_OK;
	}
	err = store_stmt(st, "INSERT INTO tasks(task_number, cadre_id, text, "
	    "ack_required, kind, household_id, msisdn, created_at) "
	    "SELECT 'T' || (SELECT ifnull(max(id), 0) + 1 FROM tasks), "
	    "cadre_id, ?2, 1, 'callback', household_id, ?3, ?4 FROM households "
	    "WHERE household_id = ?1 AND cadre_id IS NOT NULL AND cadre_id <> ''"
	    " RETURNING task_number", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, household_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, msisdn, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		store_column_copy(stmt, 0, task, OPS_TICKET_MAX);
		*has_cadre = true;
		rc = sqlite3_step(stmt);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

enum fp_err
ops_language_set(struct store *st, const char *msisdn, const char *lang,
    int64_t now)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "INSERT INTO msisdn_prefs(msisdn, language, "
	    "updated_at) VALUES (?1, ?2, ?3) ON CONFLICT(msisdn) DO UPDATE "
	    "SET language = ?2, updated_at = ?3", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, msisdn, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, lang, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}
