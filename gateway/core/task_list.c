/*
 * task_list.c: cadres' tasks for the console (see task_list.h).
 *
 * Two reads, each on an index: the open tasks (tasks_open, few) sorted
 * by how urgent they are, then the closed ones newest first by id, so a
 * year of acknowledged tasks is never sorted for a page.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msisdn.h"
#include "strbuf.h"
#include "task_list.h"
#include "timefmt.h"

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

/*
 * The answer is written by hand (strbuf): a page of fifty tasks of
 * twenty members each would be a thousand json-c objects.
 */
static void
member(struct strbuf *b, const char *name)
{
	strbuf_printf(b, "%s\"%s\":", b->len > 0 && b->s[b->len - 1] != '{' ?
	    "," : "", name);
}

static void
add_text(struct strbuf *b, const char *name, sqlite3_stmt *stmt, int c)
{
	const unsigned char *v = sqlite3_column_text(stmt, c);

	member(b, name);
	if (v != NULL)
		strbuf_add_json(b, (const char *)v, SIZE_MAX);
	else
		strbuf_adds(b, "null");
}

static void
add_phone(struct strbuf *b, const char *name, sqlite3_stmt *stmt, int c,
    bool mask)
{
	const char *v = (const char *)sqlite3_column_text(stmt, c);
	char masked[MSISDN_MASK_MAX];

	member(b, name);
	if (v == NULL)
		strbuf_adds(b, "null");
	else
		strbuf_add_json(b, mask ? msisdn_mask(v, masked,
		    sizeof(masked)) : v, SIZE_MAX);
}

/* A text with the mobile numbers in it masked when `mask`. */
static void
add_masked_text(struct strbuf *b, const char *name, sqlite3_stmt *stmt,
    int c, bool mask)
{
	const char *v = (const char *)sqlite3_column_text(stmt, c);
	char *copy;

	if (v == NULL || !mask) {
		add_text(b, name, stmt, c);
		return;
	}
	member(b, name);
	copy = strdup(v);
	if (copy == NULL) {
		strbuf_adds(b, "null");
		return;
	}
	msisdn_mask_text(copy);
	strbuf_add_json(b, copy, SIZE_MAX);
	free(copy);
}

static void
add_bool(struct strbuf *b, const char *name, bool v)
{
	member(b, name);
	strbuf_adds(b, v ? "true" : "false");
}

/* A time as RFC 3339 UTC, null for 0 (svc_time_json's form). */
static void
add_time(struct strbuf *b, const char *name, int64_t t)
{
	char buf[TIMEFMT_MAX];

	member(b, name);
	if (t <= 0) {
		strbuf_adds(b, "null");
		return;
	}
	timefmt_utc(t, buf);
	strbuf_add_json(b, buf, SIZE_MAX);
}

static void
row_text(struct strbuf *b, sqlite3_stmt *stmt, bool mask)
{
	int rank = sqlite3_column_int(stmt, 19);

	strbuf_adds(b, "{");
	add_text(b, "task_number", stmt, 1);
	add_text(b, "kind", stmt, 2);
	member(b, "alert_id");
	if (sqlite3_column_type(stmt, 3) != SQLITE_NULL)
		strbuf_printf(b, "\"%lld\"",
		    (long long)sqlite3_column_int64(stmt, 3));
	else
		strbuf_adds(b, "null");
	add_text(b, "cadre_id", stmt, 4);
	add_text(b, "cadre_name", stmt, 5);
	add_phone(b, "cadre_phone", stmt, 6, mask);
	add_text(b, "area_code", stmt, 7);
	add_masked_text(b, "text", stmt, 8, mask);
	add_text(b, "due", stmt, 9);
	add_bool(b, "ack_required", sqlite3_column_int(stmt, 10) != 0);
	add_bool(b, "urgent", sqlite3_column_int(stmt, 11) != 0);
	add_text(b, "status", stmt, 12);
	add_bool(b, "overdue", rank == 0);
	add_bool(b, "escalated", rank <= 1);
	add_time(b, "created_at", sqlite3_column_int64(stmt, 13));
	add_time(b, "acked_at", sqlite3_column_int64(stmt, 14));
	add_time(b, "resent_at", sqlite3_column_int64(stmt, 15));
	add_time(b, "overdue_at", sqlite3_column_int64(stmt, 16));
	/* A call-back: the household and the number that asked for it. */
	add_text(b, "household_id", stmt, 17);
	add_phone(b, "msisdn", stmt, 18, mask);
	strbuf_adds(b, "}");
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

/* Up to `want` rows of stmt into b; *last the last task number. */
static enum fp_err
collect(sqlite3_stmt *stmt, struct strbuf *b, int want, bool mask,
    int *got, char *last, size_t last_len, bool *more)
{
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (*got == want) {
			*more = true;
			break;
		}
		if (*got > 0)
			strbuf_add(b, ",", 1);
		row_text(b, stmt, mask);
		store_column_copy(stmt, 1, last, last_len);
		(*got)++;
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

enum fp_err
task_list(struct store *st, const char *scope, enum task_filter filter,
    const char *after, int limit, bool mask, char **out, size_t *len)
{
	struct strbuf b = STRBUF_INIT;
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
	strbuf_printf(&b, "{\"limit\":%d,\"items\":[", limit);
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
			err = collect(stmt, &b, limit, mask, &got, last,
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
			err = collect(stmt, &b, limit, mask, &got, last,
			    sizeof(last), &more);
		}
	}
	if (err != FP_OK) {
		strbuf_free(&b);
		return err;
	}
	strbuf_adds(&b, "],\"next\":");
	if (more)
		strbuf_add_json(&b, last, SIZE_MAX);
	else
		strbuf_adds(&b, "null");
	strbuf_adds(&b, "}");
	*out = strbuf_take(&b, len);
	return *out != NULL ? FP_OK : FP_ENOMEM;
}
