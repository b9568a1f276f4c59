/*
 * alert.c: task alerts and their escalation (see alert.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static enum fp_err
parse_cadres(struct json_object *v, struct alert_req *r, const char **why)
{
	size_t i, n;

	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) == 0 || n > ALERT_CADRES_MAX) {
		*why = "cadres must be a list of 1 to 1000 cadre ids";
		return FP_EINVAL;
	}
	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(v, i);

		if (!json_object_is_type(c, json_type_string) ||
		    json_object_get_string_len(c) == 0 ||
		    json_object_get_string_len(c) > 32) {
			*why = "cadres must be a list of cadre id strings";
			return FP_EINVAL;
		}
		r->cadres[r->n_cadres++] = json_object_get_string(c);
	}
	return FP_OK;
}

static const char *
str_field(struct json_object *o, const char *key, size_t max, bool *bad)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	if (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0 ||
	    (size_t)json_object_get_string_len(v) > max) {
		*bad = true;
		return NULL;
	}
	return json_object_get_string(v);
}

static bool
bool_field(struct json_object *o, const char *key, bool def, bool *bad)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return def;
	if (!json_object_is_type(v, json_type_boolean)) {
		*bad = true;
		return def;
	}
	return json_object_get_boolean(v);
}

enum fp_err
alert_parse(struct json_object *o, const char *extra, struct alert_req *r,
    const char **why)
{
	struct json_object *v;
	const char *area;
	bool bad = false;
	int y, m, d;

	memset(r, 0, sizeof(*r));
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		*why = "the body must be a JSON object";
		return FP_EINVAL;
	}
	if (broadcast_json_has_nul(o)) {
		*why = "a string holds a NUL character (\\u0000)";
		return FP_EINVAL;
	}
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (!allowed(key, extra)) {
			*why = "unknown field (cadres, area, text, template, vars,"
			    " due, ack_required, urgent)";
			return FP_EINVAL;
		}
	}
	if (json_object_object_get_ex(o, "cadres", &v) &&
	    parse_cadres(v, r, why) != FP_OK)
		return FP_EINVAL;
	area = str_field(o, "area", AUDIENCE_AREA_MAX - 1, &bad);
	if (area != NULL) {
		if (strspn(area, "0123456789") != strlen(area)) {
			*why = "area must be a region code prefix (digits)";
			return FP_EINVAL;
		}
		snprintf(r->area, sizeof(r->area), "%s", area);
	}
	if ((r->n_cadres > 0) == (area != NULL)) {
		*why = "give either cadres or area";
		return FP_EINVAL;
	}
	r->text = str_field(o, "text", 500, &bad);
	r->template_name = str_field(o, "template", 64, &bad);
	r->due = str_field(o, "due", 10, &bad);
	r->ack_required = bool_field(o, "ack_required", true, &bad);
	r->urgent = bool_field(o, "urgent", false, &bad);
	if (bad) {
		*why = "text, template and due must be strings; ack_required "
		    "and urgent true or false";
		return FP_EINVAL;
	}
	if ((r->text == NULL) == (r->template_name == NULL)) {
		*why = "give either text or template";
		return FP_EINVAL;
	}
	if (r->due != NULL && (parse_date(r->due, &y, &m, &d) != FP_OK ||
	    y < 2020 || y > 2100)) {
		*why = "due must be a date YYYY-MM-DD";
		return FP_EINVAL;
	}
	if (json_object_object_get_ex(o, "vars", &v)) {
		if (!json_object_is_type(v, json_type_object)) {
			*why = "vars must be an object of strings";
			return FP_EINVAL;
		}
		json_object_object_foreach(v, k, value) {
			if (r->n_vars == BROADCAST_VARS_MAX ||
			    !json_object_is_type(value, json_type_string)) {
				*why = "vars must be at most 32 strings";
				return FP_EINVAL;
			}
			/* SPEC 3.5: the cadre's record and the alert's own
			 * task and due are never overridden. */
			if (notice_record_field(k) || strcmp(k, "task") == 0 ||
			    strcmp(k, "due") == 0) {
				*why = "a vars key names a record field (name, "
				    "household_id, cadre_name, cadre_phone, "
				    "training_title, starts_on, location) or the "
				    "alert's task or due";
				return FP_EINVAL;
			}
			r->vars[r->n_vars].name = k;
			r->vars[r->n_vars].value = json_object_get_string(value);
			r->n_vars++;
		}
	}
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
			*why = "no cadre in that area";
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
			*why = "a cadre id is not in the registry";
			return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
		}
	}
	return FP_OK;
}

/* The SMS for one cadre; *text to free. */
static enum fp_err
alert_text(const struct svc_ctx *ctx, const struct alert_req *r,
    const struct cadre *c, const char *task, const char *none, char **text,
    const char **missing)
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
	return templates_render(ctx->tpl, lang, "notices",
	    r->template_name != NULL ? r->template_name : "task_alert", vars,
	    n, text, missing);
}

/* Queue a task's SMS: non-urgent ones wait out the quiet hours. */
static enum fp_err
queue_task_sms(struct store *st, const struct svc_ctx *ctx,
    const char *phone, const char *text, int64_t task_id, bool urgent,
    int64_t now)
{
	struct outbox_msg m;
	int64_t msg_id = 0, from = urgent ? now : schedule_quiet_end(ctx->cfg,
	    now);
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	memset(&m, 0, sizeof(m));
	m.to = phone;
	m.text = text;
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
	char task[32], *text = NULL;
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
	err = outbox_check_length(ctx->cfg, NULL, text, NULL);
	if (err != FP_OK) {
		free(text);
		return err;
	}
	err = store_stmt(st, "UPDATE tasks SET text = ?2 WHERE id = ?1", &stmt);
	if (err == FP_OK) {
		sqlite3_bind_int64(stmt, 1, task_id);
		sqlite3_bind_text(stmt, 2, r->text != NULL ? r->text : text, -1,
		    SQLITE_STATIC);
		rc = sqlite3_step(stmt);
		sqlite3_reset(stmt);
		err = rc == SQLITE_DONE ? FP_OK : store_err(rc);
	}
	if (err == FP_OK && *c->phone != '\0')
		err = queue_task_sms(st, ctx, c->phone, text, task_id,
		    r->urgent, now);
	free(text);
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
		*why = "the area is outside this token's area";
		return FP_EREJECT;
	}
	cadres = calloc(ALERT_CADRES_MAX, sizeof(*cadres));
	if (cadres == NULL)
		return FP_ENOMEM;
	err = find_cadres(st, r, cadres, &n, why);
	for (i = 0; err == FP_OK && i < n; i++)
		if (!in_scope(cadres[i].area, r->scope)) {
			*why = "a cadre is outside this token's area";
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
		*why = "a template variable has no value";
	else if (err == FP_EINVAL)
		*why = "the message is not UTF-8";
	else if (err == FP_ETOOBIG)
		*why = "the message is longer than sms.max_segments segments";
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
	char phone[24] = "", *text = NULL;
	sqlite3_stmt *stmt;
	enum fp_err err;

	err = store_stmt(st, "SELECT msisdn, text FROM sms_out WHERE task_id = "
	    "?1 ORDER BY id LIMIT 1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, t->id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		store_column_copy(stmt, 0, phone, sizeof(phone));
		text = strdup((const char *)sqlite3_column_text(stmt, 1));
	}
	sqlite3_reset(stmt);
	if (text != NULL)
		err = queue_task_sms(st, ctx, phone, text, t->id, t->urgent, now);
	free(text);
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
