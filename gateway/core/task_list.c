/*
 * task_list.c: cadres' tasks for the console (see task_list.h).
 *
 * Two reads, each on an index: the open tasks (tasks_open, few) sorted
 * by how urgent they are, then the closed ones newest first by id, so a
 * year of acknowledged tasks is never sorted for a page.
 */
#include <stdio.h>
#include <string.h>

#include "msisdn.h"
#include "svc.h"
#include "task_list.h"

/* 0 overdue, 1 escalated (sent again), 2 other open, 3 the rest. */
#define RANK "CASE WHEN t.status <> 'open' THEN 3 WHEN t.overdue_at IS " \
	"NOT NULL THEN 0 WHEN t.resent_at IS NOT NULL THEN 1 ELSE 2 END"

#define COLUMNS "SELECT t.id, t.task_number, t.kind, t.alert_id, " \
	"t.cadre_id, c.name, c.phone, c.area_code, t.text, t.due, " \
	"t.ack_required, t.urgent, t.status, t.created_at, " \
	"ifnull(t.acked_at, 0), ifnull(t.resent_at, 0), " \
	"ifnull(t.overdue_at, 0), t.household_id, t.msisdn, " RANK \
	" FROM tasks t LEFT JOIN cadres c USING (cadre_id) WHERE (?1 = '' OR " \
	"substr(ifnull(c.area_code, ''), 1, length(?1)) = ?1) AND "

static struct json_object *
text_or_null(sqlite3_stmt *stmt, int c)
{
	const unsigned char *v = sqlite3_column_text(stmt, c);

	return v != NULL ? json_object_new_string((const char *)v) : NULL;
}

static struct json_object *
phone_json(sqlite3_stmt *stmt, int c, bool mask)
{
	const char *v = (const char *)sqlite3_column_text(stmt, c);
	char masked[MSISDN_MASK_MAX];

	if (v == NULL)
		return NULL;
	return json_object_new_string(mask ? msisdn_mask(v, masked,
	    sizeof(masked)) : v);
}

static struct json_object *
row_json(sqlite3_stmt *stmt, bool mask)
{
	struct json_object *o = json_object_new_object();
	int rank = sqlite3_column_int(stmt, 19);
	char id[24];

	json_object_object_add(o, "task_number", text_or_null(stmt, 1));
	json_object_object_add(o, "kind", text_or_null(stmt, 2));
	if (sqlite3_column_type(stmt, 3) != SQLITE_NULL) {
		snprintf(id, sizeof(id), "%lld",
		    (long long)sqlite3_column_int64(stmt, 3));
		json_object_object_add(o, "alert_id",
		    json_object_new_string(id));
	} else
		json_object_object_add(o, "alert_id", NULL);
	json_object_object_add(o, "cadre_id", text_or_null(stmt, 4));
	json_object_object_add(o, "cadre_name", text_or_null(stmt, 5));
	json_object_object_add(o, "cadre_phone", phone_json(stmt, 6, mask));
	json_object_object_add(o, "area_code", text_or_null(stmt, 7));
	json_object_object_add(o, "text", text_or_null(stmt, 8));
	json_object_object_add(o, "due", text_or_null(stmt, 9));
	json_object_object_add(o, "ack_required", json_object_new_boolean(
	    sqlite3_column_int(stmt, 10) != 0));
	json_object_object_add(o, "urgent", json_object_new_boolean(
	    sqlite3_column_int(stmt, 11) != 0));
	json_object_object_add(o, "status", text_or_null(stmt, 12));
	json_object_object_add(o, "overdue", json_object_new_boolean(
	    rank == 0));
	json_object_object_add(o, "escalated", json_object_new_boolean(
	    rank <= 1));
	json_object_object_add(o, "created_at",
	    svc_time_json(sqlite3_column_int64(stmt, 13)));
	json_object_object_add(o, "acked_at",
	    svc_time_json(sqlite3_column_int64(stmt, 14)));
	json_object_object_add(o, "resent_at",
	    svc_time_json(sqlite3_column_int64(stmt, 15)));
	json_object_object_add(o, "overdue_at",
	    svc_time_json(sqlite3_column_int64(stmt, 16)));
	/* A call-back: the household and the number that asked for it. */
	json_object_object_add(o, "household_id", text_or_null(stmt, 17));
	json_object_object_add(o, "msisdn", phone_json(stmt, 18, mask));
	return o;
}

/* Where the previous page ended: the rank and id of task `after`. */
static enum fp_err
cursor(struct store *st, const char *scope, const char *after, int *rank,
    int64_t *id)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, COLUMNS "t.task_number = ?2", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, after, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		*rank = sqlite3_column_int(stmt, 19);
	}
	sqlite3_reset(stmt);
	if (rc == SQLITE_DONE)
		return FP_ENOTFOUND;
	return rc == SQLITE_ROW ? FP_OK : store_err(rc);
}

/* Up to `want` rows of stmt into items; *last the last task number. */
static enum fp_err
collect(sqlite3_stmt *stmt, struct json_object *items, int want, bool mask,
    int *got, char *last, size_t last_len, bool *more)
{
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (*got == want) {
			*more = true;
			break;
		}
		json_object_array_add(items, row_json(stmt, mask));
		store_column_copy(stmt, 1, last, last_len);
		(*got)++;
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

enum fp_err
task_list(struct store *st, const char *scope, enum task_filter filter,
    const char *after, int limit, bool mask, struct json_object **out)
{
	struct json_object *items;
	sqlite3_stmt *stmt;
	char last[32] = "";
	int rank = 0, got = 0;
	int64_t id = INT64_MAX;
	bool more = false;
	enum fp_err err = FP_OK;

	*out = NULL;
	if (*after != '\0')
		err = cursor(st, scope, after, &rank, &id);
	if (err != FP_OK)
		return err;
	items = json_object_new_array();
	/* The open ones, most urgent first. */
	if ((filter == TASK_ALL || filter == TASK_OPEN ||
	    filter == TASK_OVERDUE) && rank < 3) {
		err = store_stmt(st, COLUMNS "t.status = 'open' AND (?2 = 0 OR "
		    "t.overdue_at IS NOT NULL) AND (" RANK " > ?3 OR (" RANK
		    " = ?3 AND t.id < ?4)) ORDER BY " RANK ", t.id DESC", &stmt);
		if (err == FP_OK) {
			sqlite3_bind_text(stmt, 1, scope, -1, SQLITE_STATIC);
			sqlite3_bind_int(stmt, 2, filter == TASK_OVERDUE);
			sqlite3_bind_int(stmt, 3, rank);
			sqlite3_bind_int64(stmt, 4, id);
			err = collect(stmt, items, limit, mask, &got, last,
			    sizeof(last), &more);
		}
		id = INT64_MAX;	/* the closed ones from the newest */
	}
	/* Then the closed ones, newest first. */
	if (err == FP_OK && !more && (filter == TASK_ALL ||
	    filter == TASK_ACKED)) {
		err = store_stmt(st, COLUMNS "t.status <> 'open' AND (?2 = 0 OR "
		    "t.status = 'acked') AND t.id < ?3 ORDER BY t.id DESC",
		    &stmt);
		if (err == FP_OK) {
			sqlite3_bind_text(stmt, 1, scope, -1, SQLITE_STATIC);
			sqlite3_bind_int(stmt, 2, filter == TASK_ACKED);
			sqlite3_bind_int64(stmt, 3, id);
			err = collect(stmt, items, limit, mask, &got, last,
			    sizeof(last), &more);
		}
	}
	if (err != FP_OK) {
		json_object_put(items);
		return err;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "items", items);
	json_object_object_add(*out, "limit", json_object_new_int(limit));
	json_object_object_add(*out, "next", more ?
	    json_object_new_string(last) : NULL);
	return FP_OK;
}
