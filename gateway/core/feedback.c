/*
 * feedback.c: feedback tickets for offices (see feedback.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* A text column, its mobile numbers masked when `mask`. */
static struct json_object *
text_masked(sqlite3_stmt *stmt, int c, bool mask)
{
	const char *v = (const char *)sqlite3_column_text(stmt, c);
	struct json_object *o;
	char *copy;

	if (v == NULL || !mask)
		return text_or_null(stmt, c);
	copy = strdup(v);
	if (copy == NULL)
		return NULL;
	msisdn_mask_text(copy);
	o = json_object_new_string(copy);
	free(copy);
	return o;
}

#define COLUMNS "SELECT ticket, msisdn, household_id, area_code, category, " \
	"text, channel, status, created_at, ifnull(closed_at, 0), " \
	"closed_by, resolution, id"

/* Scope and area both narrow: a ticket must be inside each. */
#define FILTER "WHERE (?1 = '' OR substr(ifnull(area_code, ''), 1, " \
	"length(?1)) = ?1) AND (?2 = '' OR substr(ifnull(area_code, ''), 1, " \
	"length(?2)) = ?2) AND (?3 = '' OR status = ?3) AND (?6 = '' OR " \
	"(?6 = 'none' AND category IS NULL) OR category = ?6)"

static void
bind_filter(sqlite3_stmt *stmt, const struct feedback_filter *f)
{
	sqlite3_bind_text(stmt, 1, f->scope != NULL ? f->scope : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, f->area != NULL ? f->area : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, f->status != NULL ? f->status : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, f->category != NULL ? f->category : "", -1,
	    SQLITE_STATIC);
}

/* The current row of a COLUMNS statement. */
static struct json_object *
item_json(sqlite3_stmt *stmt, bool mask)
{
	struct json_object *o = json_object_new_object();
	const char *msisdn = (const char *)sqlite3_column_text(stmt, 1);
	char masked[MSISDN_MASK_MAX], id[24];

	snprintf(id, sizeof(id), "%lld", (long long)sqlite3_column_int64(stmt,
	    12));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "ticket", text_or_null(stmt, 0));
	json_object_object_add(o, "msisdn", msisdn == NULL ? NULL :
	    json_object_new_string(mask ? msisdn_mask(msisdn, masked,
	    sizeof(masked)) : msisdn));
	json_object_object_add(o, "household_id", text_or_null(stmt, 2));
	json_object_object_add(o, "area_code", text_or_null(stmt, 3));
	json_object_object_add(o, "category", text_or_null(stmt, 4));
	json_object_object_add(o, "text", text_masked(stmt, 5, mask));
	json_object_object_add(o, "channel", text_or_null(stmt, 6));
	json_object_object_add(o, "status", text_or_null(stmt, 7));
	json_object_object_add(o, "created_at",
	    svc_time_json(sqlite3_column_int64(stmt, 8)));
	json_object_object_add(o, "closed_at",
	    svc_time_json(sqlite3_column_int64(stmt, 9)));
	json_object_object_add(o, "closed_by", text_or_null(stmt, 10));
	json_object_object_add(o, "resolution", text_masked(stmt, 11, mask));
	return o;
}

/*
 * Up to limit rows of stmt (which asks for one more) into items; *more:
 * there was one more; *last the id of the last one kept.
 */
static enum fp_err
read_items(sqlite3_stmt *stmt, int limit, bool mask,
    struct json_object *items, bool *more, int64_t *last, int64_t *total)
{
	int n = 0, rc;

	*more = false;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n++ == limit) {
			*more = true;
			break;
		}
		json_object_array_add(items, item_json(stmt, mask));
		*last = sqlite3_column_int64(stmt, 12);
		if (total != NULL)
			*total = sqlite3_column_int64(stmt, 13);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

static struct json_object *
next_json(bool more, int64_t last)
{
	char next[24];

	if (!more)
		return NULL;
	snprintf(next, sizeof(next), "%lld", (long long)last);
	return json_object_new_string(next);
}

enum fp_err
feedback_list(struct store *st, const struct feedback_filter *f,
    int64_t offset, int limit, bool mask, struct json_object **out)
{
	struct json_object *items;
	sqlite3_stmt *stmt;
	int64_t total = 0, last = 0;
	bool more = false;
	enum fp_err err;

	err = store_stmt(st, COLUMNS ", count(*) OVER () FROM feedback " FILTER
	    " ORDER BY id DESC LIMIT ?4 + 1 OFFSET ?5", &stmt);
	if (err != FP_OK)
		return err;
	bind_filter(stmt, f);
	sqlite3_bind_int(stmt, 4, limit);
	sqlite3_bind_int64(stmt, 5, offset);
	items = json_object_new_array();
	err = read_items(stmt, limit, mask, items, &more, &last, &total);
	if (err != FP_OK) {
		json_object_put(items);
		return err;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "items", items);
	json_object_object_add(*out, "offset", json_object_new_int64(offset));
	json_object_object_add(*out, "limit", json_object_new_int(limit));
	json_object_object_add(*out, "total", json_object_new_int64(total));
	json_object_object_add(*out, "next", next_json(more, last));
	return FP_OK;
}

enum fp_err
feedback_page(struct store *st, const struct feedback_filter *f,
    int64_t after, int limit, bool mask, struct json_object **out)
{
	struct json_object *items;
	sqlite3_stmt *stmt;
	int64_t last = 0;
	bool more = false;
	enum fp_err err;

	err = store_stmt(st, COLUMNS " FROM feedback " FILTER " AND id < ?5 "
	    "ORDER BY id DESC LIMIT ?4 + 1", &stmt);
	if (err != FP_OK)
		return err;
	bind_filter(stmt, f);
	sqlite3_bind_int(stmt, 4, limit);
	sqlite3_bind_int64(stmt, 5, after > 0 ? after : INT64_MAX);
	items = json_object_new_array();
	err = read_items(stmt, limit, mask, items, &more, &last, NULL);
	if (err != FP_OK) {
		json_object_put(items);
		return err;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "items", items);
	json_object_object_add(*out, "limit", json_object_new_int(limit));
	json_object_object_add(*out, "next", next_json(more, last));
	return FP_OK;
}

enum fp_err
feedback_get(struct store *st, const char *ticket, const char *scope,
    bool mask, struct json_object **out)
{
	sqlite3_stmt *stmt;
	const char *area;
	enum fp_err err = FP_OK;
	int rc;

	err = store_stmt(st, COLUMNS " FROM feedback WHERE ticket = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, ticket, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		area = (const char *)sqlite3_column_text(stmt, 3);
		if (scope != NULL && *scope != '\0' && (area == NULL ||
		    strncmp(area, scope, strlen(scope)) != 0))
			err = FP_EREJECT;	/* SPEC 3.5: 403 */
		else
			*out = item_json(stmt, mask);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
	return err;
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
