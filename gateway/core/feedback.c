/*
 * feedback.c: feedback tickets for offices (see feedback.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "broadcast.h"
#include "feedback.h"
#include "msisdn.h"
#include "svc.h"

static struct json_object *
text_or_null(sqlite3_stmt *stmt, int c)
{
	const unsigned char *v = sqlite3_column_text(stmt, c);

	return v != NULL ? json_object_new_string((const char *)v) : NULL;
}

enum fp_err
feedback_list(struct store *st, const char *scope, const char *area,
    const char *status, int64_t offset, int limit, bool full_msisdn,
    struct json_object **out)
{
	struct json_object *items = json_object_new_array();
	sqlite3_stmt *stmt;
	enum fp_err err;
	int64_t total = 0;

	/* Scope and area both narrow: a ticket must be inside each. */
	err = store_stmt(st, "SELECT ticket, msisdn, household_id, area_code, "
	    "category, text, channel, status, created_at, ifnull(closed_at, 0),"
	    " closed_by, resolution, count(*) OVER () FROM feedback WHERE "
	    "(?1 = '' OR substr(ifnull(area_code, ''), 1, length(?1)) = ?1) "
	    "AND (?2 = '' OR substr(ifnull(area_code, ''), 1, length(?2)) = ?2)"
	    " AND (?3 = '' OR status = ?3) ORDER BY id DESC LIMIT ?4 OFFSET ?5",
	    &stmt);
	if (err != FP_OK) {
		json_object_put(items);
		return err;
	}
	sqlite3_bind_text(stmt, 1, scope != NULL ? scope : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, area != NULL ? area : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, status != NULL ? status : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, limit);
	sqlite3_bind_int64(stmt, 5, offset);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		struct json_object *o = json_object_new_object();
		const char *msisdn = (const char *)sqlite3_column_text(stmt, 1);
		char masked[MSISDN_MASK_MAX];

		json_object_object_add(o, "ticket", text_or_null(stmt, 0));
		json_object_object_add(o, "msisdn", json_object_new_string(
		    full_msisdn ? msisdn : msisdn_mask(msisdn, masked,
		    sizeof(masked))));
		json_object_object_add(o, "household_id", text_or_null(stmt, 2));
		json_object_object_add(o, "area_code", text_or_null(stmt, 3));
		json_object_object_add(o, "category", text_or_null(stmt, 4));
		json_object_object_add(o, "text", text_or_null(stmt, 5));
		json_object_object_add(o, "channel", text_or_null(stmt, 6));
		json_object_object_add(o, "status", text_or_null(stmt, 7));
		json_object_object_add(o, "created_at",
		    svc_time_json(sqlite3_column_int64(stmt, 8)));
		json_object_object_add(o, "closed_at",
		    svc_time_json(sqlite3_column_int64(stmt, 9)));
		json_object_object_add(o, "closed_by", text_or_null(stmt, 10));
		json_object_object_add(o, "resolution", text_or_null(stmt, 11));
		json_object_array_add(items, o);
		total = sqlite3_column_int64(stmt, 12);
	}
	sqlite3_reset(stmt);
	*out = json_object_new_object();
	json_object_object_add(*out, "items", items);
	json_object_object_add(*out, "offset", json_object_new_int64(offset));
	json_object_object_add(*out, "limit", json_object_new_int(limit));
	json_object_object_add(*out, "total", json_object_new_int64(total));
	return FP_OK;
}

enum fp_err
feedback_close(struct store *st, const char *ticket, const char *scope,
    const char *actor, const char *resolution, int64_t now)
{
	char area[32] = "", status[16] = "", target[48];
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "SELECT ifnull(area_code, ''), status FROM "
	    "feedback WHERE ticket = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, ticket, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		store_column_copy(stmt, 0, area, sizeof(area));
		store_column_copy(stmt, 1, status, sizeof(status));
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
	if (scope != NULL && *scope != '\0' &&
	    strncmp(area, scope, strlen(scope)) != 0)
		return FP_EREJECT;
	if (strcmp(status, "closed") == 0)
		return FP_EBUSY;
	err = store_stmt(st, "UPDATE feedback SET status = 'closed', closed_at "
	    "= ?2, closed_by = ?3, resolution = ?4 WHERE ticket = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, ticket, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now);
	sqlite3_bind_text(stmt, 3, actor, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 4, resolution);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	snprintf(target, sizeof(target), "feedback/%s", ticket);
	return audit_record(st, now, actor, "feedback.close", target,
	    resolution);
}
