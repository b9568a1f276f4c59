/*
 * lookup.c: a household and a number's messages for the console (see
 * lookup.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audience.h"
#include "household.h"
#include "lookup.h"
#include "msisdn.h"

/* A message's text; the mobile numbers in it masked when `mask`. */
static struct json_object *
text_json(sqlite3_stmt *stmt, int c, bool mask)
{
	const char *v = (const char *)sqlite3_column_text(stmt, c);
	struct json_object *o;
	char *copy;

	if (v == NULL || !mask)
		return v != NULL ? json_object_new_string(v) : NULL;
	copy = strdup(v);
	if (copy == NULL)
		return NULL;
	msisdn_mask_text(copy);
	o = json_object_new_string(copy);
	free(copy);
	return o;
}

static struct json_object *
phone_json(const char *v, bool mask)
{
	char masked[MSISDN_MASK_MAX];

	if (v == NULL || *v == '\0')
		return NULL;
	return json_object_new_string(mask ? msisdn_mask(v, masked,
	    sizeof(masked)) : v);
}

static bool
is_language(const char *lang)
{
	size_t i;

	for (i = 0; lang != NULL && i < 4; i++)
		if (strcmp(audience_langs[i], lang) == 0)
			return true;
	return false;
}

static enum fp_err
add_members(struct store *st, const char *id, bool mask,
    struct json_object *o)
{
	struct json_object *arr = json_object_new_array();
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "SELECT m.member_id, m.name, m.relation, m.phone, "
	    "ifnull(o.opted_out, 0) FROM members m LEFT JOIN optouts o ON "
	    "o.msisdn = m.phone WHERE m.household_id = ?1 ORDER BY m.member_id",
	    &stmt);
	if (err != FP_OK) {
		json_object_put(arr);
		return err;
	}
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct json_object *m = json_object_new_object();

		json_object_object_add(m, "member_id",
		    svc_column_json(stmt, 0));
		json_object_object_add(m, "name", svc_column_json(stmt, 1));
		json_object_object_add(m, "relation", svc_column_json(stmt, 2));
		json_object_object_add(m, "phone", phone_json((const char *)
		    sqlite3_column_text(stmt, 3), mask));
		json_object_object_add(m, "opted_out", json_object_new_boolean(
		    sqlite3_column_int(stmt, 4) != 0));
		json_object_array_add(arr, m);
	}
	sqlite3_reset(stmt);
	json_object_object_add(o, "members", arr);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

static enum fp_err
add_cadre(struct store *st, const char *cadre_id, bool mask,
    struct json_object *o)
{
	struct json_object *c = NULL;
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "SELECT cadre_id, name, phone, area_code, title "
	    "FROM cadres WHERE cadre_id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, cadre_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		c = json_object_new_object();
		json_object_object_add(c, "cadre_id", svc_column_json(stmt, 0));
		json_object_object_add(c, "name", svc_column_json(stmt, 1));
		json_object_object_add(c, "phone", phone_json((const char *)
		    sqlite3_column_text(stmt, 2), mask));
		json_object_object_add(c, "area_code",
		    svc_column_json(stmt, 3));
		json_object_object_add(c, "title", svc_column_json(stmt, 4));
	}
	sqlite3_reset(stmt);
	json_object_object_add(o, "cadre", c);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

/* The household's enrollments and its last payments. */
static enum fp_err
add_programs(struct store *st, const char *id, struct json_object *o)
{
	struct json_object *e = json_object_new_array();
	struct json_object *p = json_object_new_array();
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc = SQLITE_DONE;

	json_object_object_add(o, "enrollments", e);
	json_object_object_add(o, "payments", p);
	err = store_stmt(st, "SELECT m.member_id, m.name, e.program, "
	    "g.name, e.status, e.updated_on FROM enrollments e JOIN members m "
	    "USING (member_id) LEFT JOIN programs g ON g.code = e.program "
	    "WHERE m.household_id = ?1 ORDER BY m.member_id, e.program",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct json_object *r = json_object_new_object();

		json_object_object_add(r, "member_id",
		    svc_column_json(stmt, 0));
		json_object_object_add(r, "name", svc_column_json(stmt, 1));
		json_object_object_add(r, "program", svc_column_json(stmt, 2));
		json_object_object_add(r, "program_name",
		    svc_column_json(stmt, 3));
		json_object_object_add(r, "status", svc_column_json(stmt, 4));
		json_object_object_add(r, "updated_on",
		    svc_column_json(stmt, 5));
		json_object_array_add(e, r);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	err = store_stmt(st, "SELECT program, amount_fen, paid_on, note FROM "
	    "payments WHERE household_id = ?1 ORDER BY paid_on DESC, program "
	    "LIMIT 20", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct json_object *r = json_object_new_object();
		int64_t fen = sqlite3_column_int64(stmt, 1);
		char yuan[32];

		snprintf(yuan, sizeof(yuan), "%s%lld.%02lld", fen < 0 ? "-" :
		    "", (long long)(fen < 0 ? -fen : fen) / 100,
		    (long long)(fen < 0 ? -fen : fen) % 100);
		json_object_object_add(r, "program", svc_column_json(stmt, 0));
		json_object_object_add(r, "amount_yuan",
		    json_object_new_string(yuan));
		json_object_object_add(r, "paid_on", svc_column_json(stmt, 2));
		json_object_object_add(r, "note", svc_column_json(stmt, 3));
		json_object_array_add(p, r);
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

/* What CX says, in lang, as pieces and as the text itself. */
static enum fp_err
add_summary(struct store *st, const struct svc_ctx *ctx, const char *id,
    const char *area, const char *lang, bool mask, int64_t now,
    struct json_object *o)
{
	struct household_summary *p = malloc(sizeof(*p));
	struct json_object *s;
	char *text = NULL;
	enum fp_err err;

	if (p == NULL)
		return FP_ENOMEM;
	err = household_summary_load(st, ctx, lang, id, area, now, p);
	if (err == FP_OK && mask && p->cadre_phone[0] != '\0') {
		char masked[MSISDN_MASK_MAX];

		msisdn_mask(p->cadre_phone, masked, sizeof(masked));
		snprintf(p->cadre_phone, sizeof(p->cadre_phone), "%s", masked);
	}
	if (err == FP_OK)
		err = household_summary_text(ctx, lang, p, &text);
	if (err == FP_OK) {
		s = json_object_new_object();
		json_object_object_add(s, "language",
		    json_object_new_string(lang));
		json_object_object_add(s, "name",
		    json_object_new_string(p->name));
		json_object_object_add(s, "status_text",
		    json_object_new_string(p->status_word));
		json_object_object_add(s, "cadre_name",
		    json_object_new_string(p->cadre_name));
		json_object_object_add(s, "cadre_phone",
		    json_object_new_string(p->cadre_phone));
		json_object_object_add(s, "programs",
		    json_object_new_string(p->programs));
		json_object_object_add(s, "payment",
		    json_object_new_string(p->payment));
		json_object_object_add(s, "training",
		    json_object_new_string(p->training));
		json_object_object_add(o, "summary", json_object_new_string(text));
		json_object_object_add(o, "summary_parts", s);
	}
	free(text);
	free(p);
	return err;
}

enum fp_err
lookup_household(struct store *st, const struct svc_ctx *ctx,
    const char *id, const char *scope, const char *lang, bool mask,
    int64_t now, struct json_object **out)
{
	char area[64] = "", cadre[SVC_ID_MAX] = "", hlang[8] = "";
	struct json_object *o = NULL;
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	*out = NULL;
	err = store_stmt(st, "SELECT household_id, area_code, head_name, "
	    "members, status, poverty_cause, cadre_id, exit_year, language, "
	    "updated_at FROM households WHERE household_id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		store_column_copy(stmt, 1, area, sizeof(area));
		store_column_copy(stmt, 6, cadre, sizeof(cadre));
		store_column_copy(stmt, 8, hlang, sizeof(hlang));
		if (*scope == '\0' || strncmp(area, scope, strlen(scope)) == 0) {
			o = json_object_new_object();
			json_object_object_add(o, "household_id",
			    svc_column_json(stmt, 0));
			json_object_object_add(o, "area_code",
			    svc_column_json(stmt, 1));
			json_object_object_add(o, "head_name",
			    svc_column_json(stmt, 2));
			json_object_object_add(o, "member_count",
			    json_object_new_int64(sqlite3_column_int64(stmt, 3)));
			json_object_object_add(o, "status",
			    svc_column_json(stmt, 4));
			json_object_object_add(o, "poverty_cause",
			    svc_column_json(stmt, 5));
			json_object_object_add(o, "exit_year",
			    sqlite3_column_type(stmt, 7) == SQLITE_NULL ? NULL :
			    json_object_new_int(sqlite3_column_int(stmt, 7)));
			json_object_object_add(o, "language",
			    svc_column_json(stmt, 8));
			json_object_object_add(o, "updated_at", svc_time_json(
			    sqlite3_column_int64(stmt, 9)));
		}
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
	if (o == NULL)
		return FP_EREJECT;
	if (lang == NULL)
		lang = is_language(hlang) ? hlang :
		    ctx->cfg->templates.default_language;
	err = add_members(st, id, mask, o);
	if (err == FP_OK)
		err = add_cadre(st, cadre, mask, o);
	if (err == FP_OK)
		err = add_programs(st, id, o);
	if (err == FP_OK)
		err = add_summary(st, ctx, id, area, lang, mask, now, o);
	if (err != FP_OK) {
		json_object_put(o);
		return err;
	}
	*out = o;
	return FP_OK;
}

/* ---- a number's messages -------------------------------------------------- */

struct msg {
	int64_t			 id;
	struct json_object	*o;
};

/* The columns after id, status and text: an inbound row's. */
static void
add_in(sqlite3_stmt *stmt, struct json_object *o)
{
	json_object_object_add(o, "command", svc_column_json(stmt, 3));
	json_object_object_add(o, "received_at",
	    svc_time_json(sqlite3_column_int64(stmt, 4)));
	json_object_object_add(o, "route", svc_column_json(stmt, 5));
	json_object_object_add(o, "household_id", svc_column_json(stmt, 6));
}

/* The columns after id, status and text: an outbound row's. */
static void
add_out(sqlite3_stmt *stmt, struct json_object *o)
{
	char id[24];

	json_object_object_add(o, "kind", svc_column_json(stmt, 3));
	json_object_object_add(o, "provider", svc_column_json(stmt, 4));
	json_object_object_add(o, "segments", json_object_new_int(
	    sqlite3_column_int(stmt, 5)));
	json_object_object_add(o, "error", svc_column_json(stmt, 6));
	json_object_object_add(o, "created_at",
	    svc_time_json(sqlite3_column_int64(stmt, 7)));
	json_object_object_add(o, "updated_at",
	    svc_time_json(sqlite3_column_int64(stmt, 8)));
	if (sqlite3_column_type(stmt, 9) != SQLITE_NULL) {
		snprintf(id, sizeof(id), "%lld",
		    (long long)sqlite3_column_int64(stmt, 9));
		json_object_object_add(o, "broadcast_id",
		    json_object_new_string(id));
	}
}

/*
 * Up to n rows of sql (id, status, text, then what add() reads; ?1 the
 * number, ?2 the id below which, ?3 the limit) into v[*got..], each
 * labelled with direction.
 */
static enum fp_err
read_rows(struct store *st, const char *sql, const char *direction,
    void (*add)(sqlite3_stmt *, struct json_object *), const char *e164,
    int64_t before, int n, bool mask, struct msg *v, int *got)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, sql, &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, e164, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, before);
	sqlite3_bind_int(stmt, 3, n);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct json_object *o = json_object_new_object();
		char id[24];

		v[*got].id = sqlite3_column_int64(stmt, 0);
		snprintf(id, sizeof(id), "%lld", (long long)v[*got].id);
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "direction",
		    json_object_new_string(direction));
		json_object_object_add(o, "status", svc_column_json(stmt, 1));
		json_object_object_add(o, "text", text_json(stmt, 2, mask));
		add(stmt, o);
		v[(*got)++].o = o;
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

static enum fp_err
read_in(struct store *st, const char *e164, int64_t before, int n,
    bool mask, struct msg *v, int *got)
{
	return read_rows(st, "SELECT id, status, text, command, received_at, "
	    "route, household_id FROM sms_in WHERE msisdn = ?1 AND id < ?2 "
	    "ORDER BY id DESC LIMIT ?3", "in", add_in, e164, before, n, mask,
	    v, got);
}

static enum fp_err
read_out(struct store *st, const char *e164, int64_t before, int n,
    bool mask, struct msg *v, int *got)
{
	return read_rows(st, "SELECT id, status, text, kind, provider, "
	    "segments, last_error, created_at, updated_at, broadcast_id, "
	    "task_id FROM sms_out WHERE msisdn = ?1 AND id < ?2 ORDER BY id "
	    "DESC LIMIT ?3", "out", add_out, e164, before, n, mask, v, got);
}

static int
msg_cmp(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;

	return x->id > y->id ? -1 : x->id < y->id;
}

enum fp_err
lookup_messages(struct store *st, const char *e164, enum lookup_direction dir,
    int64_t before, int limit, bool mask, struct json_object **out)
{
	struct json_object *items;
	struct msg *v;
	int got = 0, i;
	enum fp_err err = FP_OK;

	*out = NULL;
	if (before <= 0)
		before = INT64_MAX;
	/* limit + 1 of each: the one more says whether there is a next. */
	v = calloc(2 * (size_t)limit + 2, sizeof(*v));
	if (v == NULL)
		return FP_ENOMEM;
	if (dir != LOOKUP_OUT)
		err = read_in(st, e164, before, limit + 1, mask, v, &got);
	if (err == FP_OK && dir != LOOKUP_IN)
		err = read_out(st, e164, before, limit + 1, mask, v, &got);
	qsort(v, (size_t)got, sizeof(*v), msg_cmp);
	items = json_object_new_array();
	for (i = 0; i < got; i++) {
		if (err == FP_OK && i < limit)
			json_object_array_add(items, v[i].o);
		else
			json_object_put(v[i].o);
	}
	if (err != FP_OK) {
		json_object_put(items);
		free(v);
		return err;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "msisdn", phone_json(e164, mask));
	json_object_object_add(*out, "items", items);
	json_object_object_add(*out, "limit", json_object_new_int(limit));
	if (got > limit) {
		char id[24];

		snprintf(id, sizeof(id), "%lld", (long long)v[limit - 1].id);
		json_object_object_add(*out, "next", json_object_new_string(id));
	} else
		json_object_object_add(*out, "next", NULL);
	free(v);
	return FP_OK;
}
