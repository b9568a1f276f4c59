/*
 * broadcast_fail.c: a broadcast's failures by reason (see
 * broadcast_fail.h).  SQLite groups by the whole error text; the reason
 * is cut from it here (rollup_reason, as the overview's) and equal
 * reasons merged, so "http 503: busy" and "http 503: try later" are one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broadcast_fail.h"
#include "rollup.h"

#define REASON_MAX	96

struct fail_row {
	char	 provider[64];
	char	 reason[REASON_MAX];
	char	 status[12];
	int64_t	 count;
};

/* By provider, reason, status: equal ones next to each other. */
static int
key_cmp(const void *a, const void *b)
{
	const struct fail_row *x = a, *y = b;
	int c;

	if ((c = strcmp(x->provider, y->provider)) != 0)
		return c;
	if ((c = strcmp(x->reason, y->reason)) != 0)
		return c;
	return strcmp(x->status, y->status);
}

/* The most frequent first; then by key. */
static int
count_cmp(const void *a, const void *b)
{
	const struct fail_row *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return key_cmp(a, b);
}

/* One more row at the end of rows[0..*len). */
static enum fp_err
push_row(struct fail_row **rows, size_t *len, size_t *cap,
    const char *provider, const char *reason, const char *status, int64_t n)
{
	struct fail_row *r;

	if (*len == *cap) {
		size_t want = *cap > 0 ? *cap * 2 : 16;
		struct fail_row *more = realloc(*rows, want * sizeof(**rows));

		if (more == NULL)
			return FP_ENOMEM;
		*rows = more;
		*cap = want;
	}
	r = &(*rows)[(*len)++];
	snprintf(r->provider, sizeof(r->provider), "%s", provider);
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	snprintf(r->status, sizeof(r->status), "%s", status);
	r->count = n;
	return FP_OK;
}

/* Merge the rows of equal keys (sorted by key_cmp); the new length. */
static size_t
merge_rows(struct fail_row *rows, size_t len)
{
	size_t i, w = 0;

	for (i = 0; i < len; i++) {
		if (w > 0 && key_cmp(&rows[w - 1], &rows[i]) == 0)
			rows[w - 1].count += rows[i].count;
		else
			rows[w++] = rows[i];
	}
	return w;
}

enum fp_err
broadcast_failures(struct store *st, int64_t id, int max,
    struct json_object **out)
{
	struct fail_row *rows = NULL;
	sqlite3_stmt *stmt;
	size_t len = 0, cap = 0, i;
	enum fp_err err;
	int rc = SQLITE_DONE;

	err = store_stmt(st, "SELECT provider, status, ifnull(last_error, ''), "
	    "count(*) FROM sms_out WHERE broadcast_id = ?1 AND (status = "
	    "'failed' OR status = 'expired') GROUP BY 1, 2, 3", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	while (err == FP_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(stmt, 0);
		const char *s = (const char *)sqlite3_column_text(stmt, 1);
		char reason[REASON_MAX];

		rollup_reason((const char *)sqlite3_column_text(stmt, 2), reason,
		    sizeof(reason));
		err = push_row(&rows, &len, &cap, p != NULL ? p : "", reason,
		    s != NULL ? s : "", sqlite3_column_int64(stmt, 3));
	}
	sqlite3_reset(stmt);
	if (err == FP_OK && rc != SQLITE_DONE)
		err = store_err(rc);
	if (err != FP_OK) {
		free(rows);
		return err;
	}
	if (len > 0) {
		qsort(rows, len, sizeof(*rows), key_cmp);
		len = merge_rows(rows, len);
		qsort(rows, len, sizeof(*rows), count_cmp);
	}
	*out = json_object_new_array();
	for (i = 0; i < len && (int)i < max; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "provider",
		    json_object_new_string(rows[i].provider));
		json_object_object_add(o, "reason",
		    json_object_new_string(rows[i].reason));
		json_object_object_add(o, "status",
		    json_object_new_string(rows[i].status));
		json_object_object_add(o, "count",
		    json_object_new_int64(rows[i].count));
		json_object_array_add(*out, o);
	}
	free(rows);
	return FP_OK;
}
