/*
 * alert.c: task alerts and their escalation (see alert.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "log.h"
#include "outbox.h"
#include "parse.h"
#include "schedule.h"

static bool
allowed(const char *key, const char *extra)
{
	static const char *const keys[] = { "cadres", "area", "text",
	    "template", "vars", "due", "ack_required", "urgent", NULL };
	const char *const *k;

	for (k = keys; *k != NULL; k++)
		if (strcmp(key, *k) == 0)
			return true;
	return extra != NULL && strcmp(key, extra) == 0;
}

/* *why = r->why, "<field>: <reason>" (SPEC 3.5: every 400 names the
 * field that failed and why); FP_EINVAL. */
static enum fp_err
refuse(struct alert_req *r, const char **why, const char *field,
    const char *reason)
{
	snprintf(r->why, sizeof(r->why), "%.64s: %s", field, reason);
	*why = r->why;
	return FP_EINVAL;
}

/* The path of the first string under o holding a NUL, into path. */
static bool
nul_path(struct json_object *o, char *path, size_t size)
{
	size_t i, n, len = strlen(path);

	switch (json_object_get_type(o)) {
	case json_type_string:
		return strlen(json_object_get_string(o)) !=
		    (size_t)json_object_get_string_len(o);
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++) {
			snprintf(path + len, size - len, "[%zu]", i);
			if (nul_path(json_object_array_get_idx(o, i), path,
			    size))
				return true;
		}
		break;
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			snprintf(path + len, size - len, "%s%s", len > 0 ? "." :
			    "", key);
			if (nul_path(val, path, size))
				return true;
		}
		break;
	}
	default:
		break;
	}
	path[len] = '\0';
	return false;
}

static enum fp_err
parse_cadres(struct json_object *v, struct alert_req *r, const char **why)
{
	char field[32];
	size_t i, n;

	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) == 0 || n > ALERT_CADRES_MAX)
		return refuse(r, why, "cadres", "must be a list of 1 to 1000 "
		    "cadre ids");
	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(v, i);

		if (!json_object_is_type(c, json_type_string) ||
		    json_object_get_string_len(c) == 0 ||
		    json_object_get_string_len(c) > 32) {
			snprintf(field, sizeof(field), "cadres[%zu]", i);
			return refuse(r, why, field, "must be a cadre id, a "
			    "string of 1 to 32 characters");
		}
		r->cadres[r->n_cadres++] = json_object_get_string(c);
	}
	return FP_OK;
}

/* A string of 1 to max bytes, or NULL when absent; false when not. */
static bool
str_field(struct json_object *o, const char *key, size_t max,
    const char **out)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return true;
	if (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0 ||
	    (size_t)json_object_get_string_len(v) > max)
		return false;
	*out = json_object_get_string(v);
	return true;
}

/* true or false, or def when absent; false when not a boolean. */
static bool
bool_field(struct json_object *o, const char *key, bool def, bool *out)
{
	struct json_object *v;

	*out = def;
	if (!json_object_object_get_ex(o, key, &v))
		return true;
	if (!json_object_is_type(v, json_type_boolean))
		return false;
	*out = json_object_get_boolean(v);
	return true;
}

#define DUE_FORMS "must be a date YYYY-MM-DD or an RFC 3339 time " \
	"(2026-12-10T18:00:00+08:00)"

/*
 * due: a date as it is, or an RFC 3339 time as the local time of the
 * schedule's zone (the process's, schedule_use_timezone), "YYYY-MM-DD
 * HH:MM": what the cadre reads in the SMS, whatever offset it came in.
 */
static enum fp_err
parse_due(struct alert_req *r, const char *due, const char **why)
{
	struct tm tm;
	int64_t at;
	time_t t;
	int y, m, d;

	if (parse_date(due, &y, &m, &d) == FP_OK) {
		if (y < 2020 || y > 2100)
			return refuse(r, why, "due", "must be a date between "
			    "2020 and 2100");
		snprintf(r->due_buf, sizeof(r->due_buf), "%s", due);
	} else if (parse_rfc3339_time(due, &at) == FP_OK) {
		t = (time_t)at;
		if (localtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 2020 ||
		    tm.tm_year + 1900 > 2100)
			return refuse(r, why, "due", "must be a time between "
			    "2020 and 2100");
		strftime(r->due_buf, sizeof(r->due_buf), "%Y-%m-%d %H:%M", &tm);
	} else
		return refuse(r, why, "due", DUE_FORMS);
	r->due = r->due_buf;
	return FP_OK;
}

static enum fp_err
parse_vars(struct json_object *v, struct alert_req *r, const char **why)
{
	char field[80];

	if (!json_object_is_type(v, json_type_object))
		return refuse(r, why, "vars", "must be an object of strings");
	json_object_object_foreach(v, k, value) {
		snprintf(field, sizeof(field), "vars.%.64s", k);
		if (r->n_vars == BROADCAST_VARS_MAX)
			return refuse(r, why, "vars", "must be at most 32 "
			    "strings");
		if (!json_object_is_type(value, json_type_string))
			return refuse(r, why, field, "must be a string");
		/* SPEC 3.5: the cadre's record and the alert's own task and
		 * due are never overridden. */
		if (notice_record_field(k) || strcmp(k, "task") == 0 ||
		    strcmp(k, "due") == 0)
			return refuse(r, why, field, "names a record field "
			    "(name, household_id, cadre_name, cadre_phone, "
			    "training_title, starts_on, location) or the "
			    "alert's task or due");
		r->vars[r->n_vars].name = k;
		r->vars[r->n_vars].value = json_object_get_string(value);
		r->n_vars++;
	}
	return FP_OK;
}

enum fp_err
alert_parse(struct json_object *o, const char *extra, struct alert_req *r,
    const char **why)
{
	struct json_object *v;
	const char *area, *due;
	char path[128] = "";

	memset(r, 0, sizeof(*r));
	if (o == NULL || !json_object_is_type(o, json_type_object))
		return refuse(r, why, "body", "must be a JSON object");
	if (nul_path(o, path, sizeof(path)))
		return refuse(r, why, path, "holds a NUL character (\\u0000)");
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (!allowed(key, extra))
			return refuse(r, why, key, extra != NULL ? "unknown "
			    "field (cadres, area, text, template, vars, due, "
			    "ack_required, urgent, command_id)" : "unknown "
			    "field (cadres, area, text, template, vars, due, "
			    "ack_required, urgent)");
	}
	if (json_object_object_get_ex(o, "cadres", &v) &&
	    parse_cadres(v, r, why) != FP_OK)
		return FP_EINVAL;
	if (!str_field(o, "area", AUDIENCE_AREA_MAX - 1, &area) ||
	    (area != NULL && strspn(area, "0123456789") != strlen(area)))
		return refuse(r, why, "area", "must be a region code prefix, "
		    "1 to 15 digits");
	if (area != NULL)
		snprintf(r->area, sizeof(r->area), "%s", area);
	if (r->n_cadres > 0 && area != NULL)
		return refuse(r, why, "area", "give either cadres or area, "
		    "not both");
	if (r->n_cadres == 0 && area == NULL)
		return refuse(r, why, "cadres", "give either cadres or area");
	if (!str_field(o, "text", 500, &r->text))
		return refuse(r, why, "text", "must be a string of 1 to 500 "
		    "bytes");
	if (!str_field(o, "template", 64, &r->template_name))
		return refuse(r, why, "template", "must be a template name, a "
		    "string of 1 to 64 bytes");
	if (!str_field(o, "due", 40, &due))
		return refuse(r, why, "due", DUE_FORMS);
	if (!bool_field(o, "ack_required", true, &r->ack_required))
		return refuse(r, why, "ack_required", "must be true or false");
	if (!bool_field(o, "urgent", false, &r->urgent))
		return refuse(r, why, "urgent", "must be true or false");
	if (r->text != NULL && r->template_name != NULL)
		return refuse(r, why, "template", "give either text or "
		    "template, not both");
	if (r->text == NULL && r->template_name == NULL)
		return refuse(r, why, "text", "give either text or template");
	if (due != NULL && parse_due(r, due, why) != FP_OK)
		return FP_EINVAL;
	if (json_object_object_get_ex(o, "vars", &v) &&
	    parse_vars(v, r, why) != FP_OK)
		return FP_EINVAL;
	return FP_OK;
}

struct cadre {
	char	 id[40];
	char	 name[64];
	char	 phone[24];
	char	 area[AUDIENCE_AREA_MAX];
};

/* Columns id, name, phone, area of the statement's row. */
static void
read_cadre(sqlite3_stmt *stmt, struct cadre *c)
{
	store_column_copy(stmt, 0, c->id, sizeof(c->id));
	store_column_copy(stmt, 1, c->name, sizeof(c->name));
	store_column_copy(stmt, 2, c->phone, sizeof(c->phone));
	store_column_copy(stmt, 3, c->area, sizeof(c->area));
}

/* The alert's cadres (by id, or by area): into *out, *n. */
static enum fp_err
find_cadres(struct store *st, const struct alert_req *r, struct cadre *out,
    size_t *n, const char **why)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	size_t i;

	*n = 0;
	if (r->n_cadres == 0) {
		err = store_stmt(st, "SELECT cadre_id, name, ifnull(phone, ''), "
		    "area_code FROM cadres WHERE substr(area_code, 1, "
		    "length(?1)) = ?1 ORDER BY cadre_id LIMIT ?2", &stmt);
		if (err != FP_OK)
			return err;
		sqlite3_bind_text(stmt, 1, r->area, -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 2, ALERT_CADRES_MAX);
		while (*n < ALERT_CADRES_MAX && sqlite3_step(stmt) ==
		    SQLITE_ROW) {
			read_cadre(stmt, &out[(*n)++]);
		}
		sqlite3_reset(stmt);
		if (*n == 0) {
			*why = "area: no cadre in that area";
			return FP_ENOTFOUND;
		}
		return FP_OK;
	}
	err = store_stmt(st, "SELECT cadre_id, name, ifnull(phone, ''), "
	    "area_code FROM cadres WHERE cadre_id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	for (i = 0; i < r->n_cadres; i++) {
		int rc;

		sqlite3_bind_text(stmt, 1, r->cadres[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW) {
			read_cadre(stmt, &out[(*n)++]);
		}
		sqlite3_reset(stmt);
		if (rc != SQLITE_ROW) {
			*why = "cadres: a cadre id is not in the registry";
			return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
		}
	}
	return FP_OK;
}

/* The SMS for one cadre; *text to free. */
static enum fp_err
alert_text(const struct svc_ctx *ctx, const struct alert_req *r,
    const struct cadre *c, const char *task, const char *none,
    struct svc_msg *text, const char **missing)
{
	struct tpl_var vars[BROADCAST_VARS_MAX + 4];
	size_t n = 0, i;
	const char *lang = ctx->cfg->templates.default_language;

	/* The alert's own first: the first of a name wins (SPEC 3.5). */
	vars[n++] = (struct tpl_var){ "cadre_name", c->name };
	vars[n++] = (struct tpl_var){ "task", task };
	vars[n++] = (struct tpl_var){ "due", r->due != NULL ? r->due : none };
	if (r->template_name == NULL)
		vars[n++] = (struct tpl_var){ "text", r->text };
	for (i = 0; i < r->n_vars && i < BROADCAST_VARS_MAX; i++)
		vars[n++] = r->vars[i];
	return svc_msg_render(ctx, lang, "notices",
	    r->template_name != NULL ? r->template_name : "task_alert", vars,
	    n, text, missing);
}

/* Queue a task's SMS: non-urgent ones wait out the quiet hours. */
static enum fp_err
queue_task_sms(struct store *st, const struct svc_ctx *ctx,
    const char *phone, const struct svc_msg *text, int64_t task_id,
    bool urgent, int64_t now)
{
	struct outbox_msg m;
	int64_t msg_id = 0, from = urgent ? now : schedule_quiet_end(ctx->cfg,
	    now);
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	memset(&m, 0, sizeof(m));
	m.to = phone;
	svc_msg_outbox(text, &m);
	m.kind = "alert";
	m.task_id = task_id;
	err = outbox_enqueue(st, ctx->cfg, &m, now, &msg_id);
	if (err != FP_OK || from <= now)
		return err;
	err = store_stmt(st, "UPDATE sms_out SET next_attempt_at = ?2, "
	    "expires_at = expires_at + (?2 - ?3) WHERE id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, msg_id);
	sqlite3_bind_int64(stmt, 2, from);
	sqlite3_bind_int64(stmt, 3, now);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

static bool
in_scope(const char *area, const char *scope)
{
	return scope == NULL || *scope == '\0' ||
	    strncmp(area, scope, strlen(scope)) == 0;
}

static enum fp_err
create_task(struct store *st, const struct svc_ctx *ctx,
    const struct alert_req *r, int64_t alert_id, const struct cadre *c,
    const char *none, int64_t now, struct json_object *numbers,
    const char **missing)
{
	struct svc_msg text = SVC_MSG_INIT;
	char task[32];
	sqlite3_stmt *stmt;
	enum fp_err err;
	int64_t task_id = 0;
	int rc;

	err = store_stmt(st, "INSERT INTO tasks(task_number, alert_id, "
	    "cadre_id, text, due, ack_required, urgent, created_at) VALUES "
	    "('T' || (SELECT ifnull(max(id), 0) + 1 FROM tasks), ?1, ?2, '', "
	    "?3, ?4, ?5, ?6) RETURNING id, task_number", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, alert_id);
	sqlite3_bind_text(stmt, 2, c->id, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 3, r->due);
	sqlite3_bind_int(stmt, 4, r->ack_required);
	sqlite3_bind_int(stmt, 5, r->urgent);
	sqlite3_bind_int64(stmt, 6, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		task_id = sqlite3_column_int64(stmt, 0);
		store_column_copy(stmt, 1, task, sizeof(task));
		rc = sqlite3_step(stmt);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	err = alert_text(ctx, r, c, task, none, &text, missing);
	if (err != FP_OK)
		return err;
	/* SPEC 4: never more than sms.max_segments. */
	err = outbox_check_length(ctx->cfg, NULL, text.text, NULL);
	if (err != FP_OK) {
		svc_msg_cleanup(&text);
		return err;
	}
	err = store_stmt(st, "UPDATE tasks SET text = ?2 WHERE id = ?1", &stmt);
	if (err == FP_OK) {
		sqlite3_bind_int64(stmt, 1, task_id);
		sqlite3_bind_text(stmt, 2, r->text != NULL ? r->text :
		    text.text, -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
		sqlite3_reset(stmt);
		err = rc == SQLITE_DONE ? FP_OK : store_err(rc);
	}
	if (err == FP_OK && *c->phone != '\0')
		err = queue_task_sms(st, ctx, c->phone, &text, task_id,
		    r->urgent, now);
	svc_msg_cleanup(&text);
	if (err == FP_OK)
		json_object_array_add(numbers, json_object_new_string(task));
	return err;
}

enum fp_err
alert_create(struct store *st, const struct svc_ctx *ctx,
    const struct alert_req *r, int64_t now, int64_t *id,
    struct json_object *numbers, const char **why, const char **missing)
{
	struct cadre *cadres;
	char *none = NULL, target[32];
	sqlite3_stmt *stmt;
	enum fp_err err;
	size_t n = 0, i;
	int rc;

	*missing = NULL;
	if (*r->area != '\0' && !in_scope(r->area, r->scope)) {
		*why = "area: outside this token's area";
		return FP_EREJECT;
	}
	cadres = calloc(ALERT_CADRES_MAX, sizeof(*cadres));
	if (cadres == NULL)
		return FP_ENOMEM;
	err = find_cadres(st, r, cadres, &n, why);
	for (i = 0; err == FP_OK && i < n; i++)
		if (!in_scope(cadres[i].area, r->scope)) {
			*why = "cadres: a cadre is outside this token's area";
			err = FP_EREJECT;
		}
	if (err == FP_OK)
		err = svc_text(ctx, ctx->cfg->templates.default_language, "none",
		    NULL, 0, &none);
	if (err == FP_OK)
		err = store_stmt(st, "INSERT INTO alerts(text, template, due, "
		    "ack_required, urgent, created_by, command_id, created_at, "
		    "area) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &stmt);
	if (err == FP_OK) {
		sqlite3_bind_text(stmt, 1, r->text != NULL ? r->text : "", -1,
		    SQLITE_STATIC);
		store_bind_text_or_null(stmt, 2, r->template_name);
		store_bind_text_or_null(stmt, 3, r->due);
		sqlite3_bind_int(stmt, 4, r->ack_required);
		sqlite3_bind_int(stmt, 5, r->urgent);
		store_bind_text_or_null(stmt, 6, r->created_by);
		store_bind_text_or_null(stmt, 7, r->command_id);
		sqlite3_bind_int64(stmt, 8, now);
		store_bind_text_or_null(stmt, 9, *r->area != '\0' ? r->area :
		    NULL);
		rc = sqlite3_step(stmt);
		sqlite3_reset(stmt);
		err = rc == SQLITE_DONE ? FP_OK : store_err(rc);
	}
	if (err == FP_OK)
		*id = sqlite3_last_insert_rowid(store_db(st));
	for (i = 0; err == FP_OK && i < n; i++)
		err = create_task(st, ctx, r, *id, &cadres[i], none, now,
		    numbers, missing);
	if (err == FP_EINVAL && *missing != NULL)
		*why = "vars: a template variable has no value";
	else if (err == FP_EINVAL)
		*why = r->template_name != NULL ? "template: its rendering "
		    "is not UTF-8" : "text: not UTF-8";
	else if (err == FP_ETOOBIG)
		*why = r->template_name != NULL ? "template: its rendering "
		    "is longer than sms.max_segments segments" : "text: longer "
		    "than sms.max_segments segments";
	if (err == FP_OK) {
		snprintf(target, sizeof(target), "alert/%lld", (long long)*id);
		err = audit_record(st, now, r->created_by, "alert.create",
		    target, NULL);
	}
	free(none);
	free(cadres);
	return err;
}

/* ---- escalation ---------------------------------------------------------- */

struct due_task {
	int64_t	 id;
	int64_t	 alert_id;
	char	 number[32];
	char	 cadre[40];
	bool	 urgent;
};

/* Up to 64 open alert tasks matching `which`, due by `before`. */
static enum fp_err
due_tasks(struct store *st, const char *sql, int64_t before,
    struct due_task *out, size_t *n)
{
	sqlite3_stmt *stmt;
	enum fp_err err;

	*n = 0;
	err = store_stmt(st, sql, &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, before);
	while (*n < 64 && sqlite3_step(stmt) == SQLITE_ROW) {
		out[*n].id = sqlite3_column_int64(stmt, 0);
		out[*n].alert_id = sqlite3_column_int64(stmt, 1);
		store_column_copy(stmt, 2, out[*n].number,
		    sizeof(out[*n].number));
		store_column_copy(stmt, 3, out[*n].cadre, sizeof(out[*n].cadre));
		out[*n].urgent = sqlite3_column_int(stmt, 4) != 0;
		(*n)++;
	}
	sqlite3_reset(stmt);
	return FP_OK;
}

/* The task's first SMS, once more. */
static enum fp_err
resend(struct store *st, const struct svc_ctx *ctx, const struct due_task *t,
    int64_t now)
{
	struct svc_msg text = SVC_MSG_INIT;
	char phone[24] = "";
	sqlite3_stmt *stmt;
	enum fp_err err;

	/* The same text, and for a template provider the same template
	 * and variables (SPEC 11). */
	err = store_stmt(st, "SELECT msisdn, text, tpl_key, tpl_lang, "
	    "tpl_vars FROM sms_out WHERE task_id = ?1 ORDER BY id LIMIT 1",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, t->id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		store_column_copy(stmt, 0, phone, sizeof(phone));
		text.text = strdup((const char *)sqlite3_column_text(stmt, 1));
		store_column_copy(stmt, 2, text.key, sizeof(text.key));
		store_column_copy(stmt, 3, text.lang, sizeof(text.lang));
		if (sqlite3_column_text(stmt, 4) != NULL)
			text.vars = strdup((const char *)
			    sqlite3_column_text(stmt, 4));
	}
	sqlite3_reset(stmt);
	if (text.text != NULL)
		err = queue_task_sms(st, ctx, phone, &text, t->id, t->urgent,
		    now);
	svc_msg_cleanup(&text);
	if (err == FP_OK)
		err = store_exec_2(st, "UPDATE tasks SET resent_at = ?2 WHERE "
		    "id = ?1", t->id, now);
	return err;
}

static enum fp_err
mark_overdue(struct store *st, const struct due_task *t, int64_t now)
{
	struct json_object *d;
	enum fp_err err;

	err = store_exec_2(st, "UPDATE tasks SET overdue_at = ?2 WHERE id = ?1",
	    t->id, now);
	if (err != FP_OK)
		return err;
	d = json_object_new_object();
	json_object_object_add(d, "task_number",
	    json_object_new_string(t->number));
	json_object_object_add(d, "cadre_id", json_object_new_string(t->cadre));
	json_object_object_add(d, "alert_id", json_object_new_int64(
	    t->alert_id));
	return svc_event(st, "task.overdue", d, now);
}

#define DUE_COLUMNS "SELECT id, ifnull(alert_id, 0), task_number, " \
	"cadre_id, urgent FROM tasks WHERE status = 'open' AND ack_required " \
	"= 1 AND kind = 'alert' AND "

enum fp_err
alert_escalate(struct store *st, const struct svc_ctx *ctx, int64_t now,
    int *resent, int *overdue)
{
	int64_t t = ctx->cfg->schedule.ack_timeout_s;
	struct due_task due[64];
	enum fp_err err;
	size_t n = 0, i;

	*resent = *overdue = 0;
	/* Unacknowledged past the timeout, never re-sent: send once more. */
	err = due_tasks(st, DUE_COLUMNS "resent_at IS NULL AND created_at <= "
	    "?1 ORDER BY id LIMIT 64", now - t, due, &n);
	for (i = 0; err == FP_OK && i < n; i++) {
		err = resend(st, ctx, &due[i], now);
		*resent += err == FP_OK;
	}
	if (err != FP_OK)
		return err;
	/* Re-sent and still not acknowledged: overdue, once. */
	err = due_tasks(st, DUE_COLUMNS "resent_at IS NOT NULL AND overdue_at "
	    "IS NULL AND resent_at <= ?1 ORDER BY id LIMIT 64", now - t, due,
	    &n);
	for (i = 0; err == FP_OK && i < n; i++) {
		err = mark_overdue(st, &due[i], now);
		*overdue += err == FP_OK;
	}
	return err;
}
