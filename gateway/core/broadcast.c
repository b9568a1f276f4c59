/*
 * broadcast.c: creating, resolving, reading and cancelling broadcasts
 * (see broadcast.h); sending rounds are broadcast_send.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broadcast.h"
#include "gsm.h"
#include "log.h"
#include "outbox.h"
#include "parse.h"
#include "route.h"
#include "svc.h"

#define SEND_AT_MAX_AHEAD	(366 * 86400)	/* a year: anything later is a typo */
#define SEND_AT_MAX_BEHIND	86400		/* a day late is "now" */
#define RESOLVING		(-1)		/* broadcasts.recipients */

enum fp_err
audit_record(struct store *st, int64_t now, const char *actor,
    const char *action, const char *target, const char *detail)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "INSERT INTO audit(at, actor, action, target, "
	    "detail) VALUES (?1, ?2, ?3, ?4, ?5)", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_text(stmt, 2, actor != NULL ? actor : "?", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, action, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 4, target);
	store_bind_text_or_null(stmt, 5, detail);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

/* ---- parsing ------------------------------------------------------------ */

static bool
is_one_of(const char *key, const char *const *keys, const char *extra)
{
	for (; *keys != NULL; keys++)
		if (strcmp(key, *keys) == 0)
			return true;
	return extra != NULL && strcmp(key, extra) == 0;
}

bool
notice_record_field(const char *name)
{
	static const char *const fields[] = { "name", "household_id",
	    "cadre_name", "cadre_phone", "training_title", "starts_on",
	    "location", NULL };

	return is_one_of(name, fields, NULL);
}

static enum fp_err
parse_vars(struct json_object *v, struct broadcast_req *r, const char **why)
{
	if (!json_object_is_type(v, json_type_object)) {
		*why = "vars: must be an object of strings";
		return FP_EINVAL;
	}
	json_object_object_foreach(v, key, val) {
		if (r->n_vars == BROADCAST_VARS_MAX ||
		    !json_object_is_type(val, json_type_string) ||
		    json_object_get_string_len(val) > 512) {
			*why = "vars: must be at most 32 strings of at most 512 "
			    "bytes";
			return FP_EINVAL;
		}
		if (notice_record_field(key)) {
			*why = "vars: a key names a record field (name, "
			    "household_id, cadre_name, cadre_phone, "
			    "training_title, starts_on, location): a "
			    "recipient's own data is never overridden";
			return FP_EINVAL;
		}
		r->vars[r->n_vars].name = key;
		r->vars[r->n_vars].value = json_object_get_string(val);
		r->n_vars++;
	}
	return FP_OK;
}

enum fp_err
broadcast_training(struct store *st, struct broadcast_req *r,
    const char **why)
{
	sqlite3_stmt *stmt;
	char program[16], area[16];
	enum fp_err err;
	int rc;

	if (r->training_id == NULL)
		return FP_OK;
	if (r->n_vars + 3 > BROADCAST_VARS_MAX) {
		*why = "vars: at most 29 with a training";
		return FP_EINVAL;
	}
	err = store_stmt(st, "SELECT program, title, starts_on, "
	    "ifnull(location, ''), area_code FROM trainings "
	    "WHERE training_id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, r->training_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		store_column_copy(stmt, 0, program, sizeof(program));
		store_column_copy(stmt, 1, r->training_title,
		    sizeof(r->training_title));
		store_column_copy(stmt, 2, r->training_starts,
		    sizeof(r->training_starts));
		store_column_copy(stmt, 3, r->training_location,
		    sizeof(r->training_location));
		store_column_copy(stmt, 4, area, sizeof(area));
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW) {
		*why = "training: no such training";
		return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
	}
	if (*r->audience.program != '\0' &&
	    strcmp(r->audience.program, program) != 0) {
		*why = "audience.program: not the training's program";
		return FP_EINVAL;
	}
	if (*r->audience.program == '\0') {
		snprintf(r->audience.program, sizeof(r->audience.program), "%s",
		    program);
		if (*r->audience.enrollment == '\0')
			snprintf(r->audience.enrollment,
			    sizeof(r->audience.enrollment), "enrolled");
	}
	if (*r->audience.area == '\0')
		snprintf(r->audience.area, sizeof(r->audience.area), "%s", area);
	/* An empty place stays missing: a 400, never a hole in the text. */
	r->vars[r->n_vars++] = (struct tpl_var){ "training_title",
	    r->training_title };
	r->vars[r->n_vars++] = (struct tpl_var){ "starts_on",
	    r->training_starts };
	if (*r->training_location != '\0')
		r->vars[r->n_vars++] = (struct tpl_var){ "location",
		    r->training_location };
	return FP_OK;
}

bool
broadcast_json_has_nul(struct json_object *o)
{
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_string:
		return strlen(json_object_get_string(o)) !=
		    (size_t)json_object_get_string_len(o);
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if (broadcast_json_has_nul(
			    json_object_array_get_idx(o, i)))
				return true;
		return false;
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			(void)key;
			if (broadcast_json_has_nul(val))
				return true;
		}
		return false;
	}
	default:
		return false;
	}
}

enum fp_err
broadcast_parse(struct json_object *o, const struct cfg *cfg, int64_t now,
    const char *extra, struct broadcast_req *r, bool *dry_run,
    const char **why)
{
	static const char *const keys[] = { "template", "text", "audience",
	    "send_at", "vars", "provider", "dry_run", "training", NULL };
	struct json_object *v;
	enum fp_err err;

	memset(r, 0, sizeof(*r));
	*dry_run = false;
	r->kind = "broadcast";
	r->send_at = now;
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		*why = "body: must be a JSON object";
		return FP_EINVAL;
	}
	if (broadcast_json_has_nul(o)) {
		*why = "body: a string holds a NUL character (\\u0000)";
		return FP_EINVAL;
	}
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (!is_one_of(key, keys, extra)) {
			snprintf(r->why_buf, sizeof(r->why_buf), "%.48s: unknown "
			    "field (template, text, audience, send_at, vars, "
			    "provider, dry_run, training)", key);
			*why = r->why_buf;
			return FP_EINVAL;
		}
	}
	if (json_object_object_get_ex(o, "template", &v)) {
		if (!json_object_is_type(v, json_type_string)) {
			*why = "template: must be a string";
			return FP_EINVAL;
		}
		r->template_name = json_object_get_string(v);
	}
	if (json_object_object_get_ex(o, "text", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) == 0 ||
		    json_object_get_string_len(v) > 1000) {
			*why = "text: must be a string of 1 to 1000 bytes";
			return FP_EINVAL;
		}
		r->text = json_object_get_string(v);
	}
	if ((r->text == NULL) == (r->template_name == NULL)) {
		*why = "template: give either template or text, not both";
		return FP_EINVAL;
	}
	v = NULL;
	json_object_object_get_ex(o, "audience", &v);
	err = audience_parse(v, &r->audience, why);
	if (err != FP_OK)
		return err;
	if (json_object_object_get_ex(o, "send_at", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    parse_rfc3339_time(json_object_get_string(v), &r->send_at) !=
		    FP_OK) {
			*why = "send_at: must be an RFC 3339 time, e.g. "
			    "2026-12-05T09:00:00+08:00";
			return FP_EINVAL;
		}
		if (r->send_at > now + SEND_AT_MAX_AHEAD ||
		    r->send_at < now - SEND_AT_MAX_BEHIND) {
			*why = "send_at: must be within a year from now";
			return FP_EINVAL;
		}
	}
	if (json_object_object_get_ex(o, "vars", &v) &&
	    parse_vars(v, r, why) != FP_OK)
		return FP_EINVAL;
	if (json_object_object_get_ex(o, "provider", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    cfg_provider_find(cfg, json_object_get_string(v)) == NULL) {
			*why = "provider: not configured";
			return FP_EINVAL;
		}
		r->provider = json_object_get_string(v);
	}
	if (json_object_object_get_ex(o, "training", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) == 0 ||
		    json_object_get_string_len(v) > 39) {
			*why = "training: must be a training_id";
			return FP_EINVAL;
		}
		r->training_id = json_object_get_string(v);
	}
	if (json_object_object_get_ex(o, "dry_run", &v)) {
		if (!json_object_is_type(v, json_type_boolean)) {
			*why = "dry_run: must be true or false";
			return FP_EINVAL;
		}
		*dry_run = json_object_get_boolean(v);
	}
	return FP_OK;
}

/* ---- checks ------------------------------------------------------------- */

/* What every recipient's record provides (broadcast_send.c fills it). */
static const char *const record_vars[] = { "name", "household_id",
    "cadre_name", "cadre_phone", NULL };

struct var_check {
	const struct broadcast_req	*r;
	const char			*missing;
};

static void
check_var(const char *var, size_t len, void *arg)
{
	struct var_check *c = arg;
	size_t i;

	for (i = 0; record_vars[i] != NULL; i++)
		if (strlen(record_vars[i]) == len &&
		    memcmp(record_vars[i], var, len) == 0)
			return;
	for (i = 0; i < c->r->n_vars; i++)
		if (strlen(c->r->vars[i].name) == len &&
		    memcmp(c->r->vars[i].name, var, len) == 0)
			return;
	if (c->missing == NULL)
		c->missing = var;
}

/* The longest realistic record (fupinctl templates check's samples). */
static const struct notice_record sample_record = {
	.name = "阿苏拉则木呷",
	.household_id = "HH513431000001",
	.cadre_name = "欧阳建华",
	.cadre_phone = "19908349001",
};

/*
 * SPEC 4: each language's rendering, with the given vars and the sample
 * record, fits sms.max_segments.  A language without the template is
 * left out; a variable nobody provides is broadcast_check's to report.
 */
static enum fp_err
check_renderings(const struct svc_ctx *ctx, const struct broadcast_req *r,
    const char **why)
{
	enum fp_err err;
	size_t i;

	for (i = 0; i < 4; i++) {
		const char *missing = NULL;
		char *text = NULL;

		err = notice_render(ctx, r->template_name, r->text, r->vars,
		    r->n_vars, &sample_record, audience_langs[i], &text,
		    &missing);
		if (err == FP_ENOTFOUND || err == FP_EINVAL)
			continue;
		if (err != FP_OK)
			return err;
		err = outbox_check_length(ctx->cfg, r->provider, text, NULL);
		free(text);
		if (err == FP_ETOOBIG) {
			*why = "text: the message is longer than sms.max_segments "
			    "segments";
			return err;
		}
		if (err != FP_OK) {
			*why = "text: the message is not UTF-8";
			return err;
		}
	}
	return FP_OK;
}

/* Whether a provider route_pick may choose sends templates only. */
static bool
routes_to_template(const struct cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_providers; i++)
		if (route_may_pick(cfg, &cfg->providers[i]) &&
		    cfg_provider_is_template(&cfg->providers[i]))
			return true;
	return false;
}

enum fp_err
broadcast_check(const struct svc_ctx *ctx, const struct broadcast_req *r,
    const char **why, const char **missing)
{
	const char *provider = r->provider != NULL ? r->provider :
	    ctx->cfg->sms.provider;
	const struct cfg_provider *p = cfg_provider_find(ctx->cfg, provider);
	size_t i;

	*missing = NULL;
	if (p == NULL) {
		*why = "provider: not configured";
		return FP_EINVAL;
	}
	if (r->text != NULL) {
		/* Aggregators with approved templates refuse free text
		 * (without a provider: any the numbers may be routed to). */
		if (r->provider != NULL ? cfg_provider_is_template(p) :
		    routes_to_template(ctx->cfg)) {
			*why = "text: this provider sends approved templates only: use "
			    "a template";
			return FP_EINVAL;
		}
		if (gsm_screen_fits(r->text, strlen(r->text), 1000, 1000) ==
		    false) {
			*why = "text: not UTF-8 or too long";
			return FP_EINVAL;
		}
		return check_renderings(ctx, r, why);
	}
	if (!templates_exists(ctx->tpl, "notices", r->template_name)) {
		*why = "template: no such template in templates/<lang>/notices/";
		return FP_EINVAL;
	}
	for (i = 0; i < 4; i++) {
		struct var_check c = { r, NULL };

		if (templates_vars(ctx->tpl, audience_langs[i], "notices",
		    r->template_name, check_var, &c) != FP_OK)
			continue;
		if (c.missing != NULL) {
			*missing = c.missing;
			*why = "vars: a template variable has no value";
			return FP_EINVAL;
		}
	}
	return check_renderings(ctx, r, why);
}

/* ---- storing and resolving ---------------------------------------------- */

static char *
vars_json(const struct broadcast_req *r)
{
	struct json_object *o = json_object_new_object();
	char *s;
	size_t i;

	for (i = 0; i < r->n_vars; i++)
		json_object_object_add(o, r->vars[i].name,
		    json_object_new_string(r->vars[i].value));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

enum fp_err
broadcast_insert(struct store *st, const struct broadcast_req *r,
    int64_t now, int64_t *id)
{
	char *aud = audience_to_json(&r->audience), *vars = vars_json(r);
	char target[32];
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	if (aud == NULL || vars == NULL) {
		free(aud);
		free(vars);
		return FP_ENOMEM;
	}
	err = store_stmt(st, "INSERT INTO broadcasts(template, text, audience, "
	    "vars, provider, kind, send_at, status, created_by, scope_area, "
	    "command_id, created_at, recipients, reminder_key) VALUES (?1, ?2,"
	    " ?3, ?4, ?5, ?6, ?7, 'scheduled', ?8, ?9, ?10, ?11, -1, ?12)",
	    &stmt);
	if (err == FP_OK) {
		store_bind_text_or_null(stmt, 1, r->template_name);
		store_bind_text_or_null(stmt, 2, r->text);
		sqlite3_bind_text(stmt, 3, aud, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 4, vars, -1, SQLITE_STATIC);
		store_bind_text_or_null(stmt, 5, r->provider);
		sqlite3_bind_text(stmt, 6, r->kind, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 7, r->send_at);
		store_bind_text_or_null(stmt, 8, r->created_by);
		/* A broadcast belongs to the area it reaches: tokens of that
		 * area (or above) may read and cancel it. */
		sqlite3_bind_text(stmt, 9, r->audience.area, -1, SQLITE_STATIC);
		store_bind_text_or_null(stmt, 10, r->command_id);
		sqlite3_bind_int64(stmt, 11, now);
		store_bind_text_or_null(stmt, 12, r->reminder_key);
		rc = sqlite3_step(stmt);
		sqlite3_reset(stmt);
		err = rc == SQLITE_DONE ? FP_OK : store_err(rc);
	}
	if (err == FP_OK) {
		*id = sqlite3_last_insert_rowid(store_db(st));
		snprintf(target, sizeof(target), "broadcast/%lld",
		    (long long)*id);
		err = audit_record(st, now, r->created_by, "broadcast.create",
		    target, aud);
	}
	free(aud);
	free(vars);
	return err;
}

static enum fp_err
load_audience(struct store *st, int64_t id, struct audience *a)
{
	struct json_object *o = NULL;
	sqlite3_stmt *stmt;
	const char *why = NULL;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "SELECT audience FROM broadcasts WHERE id = ?1",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		o = json_tokener_parse((const char *)sqlite3_column_text(stmt,
		    0));
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
	err = audience_parse(o, a, &why);
	json_object_put(o);
	return err;
}

struct broadcast_resolution {
	int64_t			 id;
	struct audience		 audience;
	int64_t			 cursor;	/* households rowid */
	int64_t			 rows;		/* recipient rows written */
	struct audience_seen	*seen;
};

enum fp_err
broadcast_resolve_begin(struct store *st, int64_t id,
    struct broadcast_resolution **out)
{
	struct broadcast_resolution *r = calloc(1, sizeof(*r));
	enum fp_err err;

	*out = NULL;
	if (r == NULL)
		return FP_ENOMEM;
	r->id = id;
	err = load_audience(st, id, &r->audience);
	if (err == FP_OK)
		err = audience_seen_new(&r->seen);
	/* Opted-out numbers are never written; numbers written before a
	 * crash or a rolled-back batch are not written twice. */
	if (err == FP_OK)
		err = audience_seen_optouts(st, r->seen);
	if (err == FP_OK)
		err = audience_seen_recipients(st, id, r->seen, &r->rows);
	if (err != FP_OK) {
		broadcast_resolve_free(r);
		return err;
	}
	*out = r;
	return FP_OK;
}

void
broadcast_resolve_free(struct broadcast_resolution *r)
{
	if (r == NULL)
		return;
	audience_seen_free(r->seen);
	free(r);
}

int64_t
broadcast_resolution_id(const struct broadcast_resolution *r)
{
	return r->id;
}

static enum fp_err
is_cancelled(struct store *st, int64_t id, bool *cancelled)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	*cancelled = false;
	err = store_stmt(st, "SELECT status = 'cancelled' FROM broadcasts WHERE "
	    "id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*cancelled = sqlite3_column_int(stmt, 0) != 0;
	sqlite3_reset(stmt);
	if (rc == SQLITE_DONE)
		return FP_ENOTFOUND;
	return rc == SQLITE_ROW ? FP_OK : store_err(rc);
}

enum fp_err
broadcast_resolve_step(struct store *st, const struct svc_ctx *ctx,
    struct broadcast_resolution *r, int batch, bool *done,
    int64_t *recipients)
{
	int64_t added = 0;
	bool cancelled = false;
	enum fp_err err;

	*done = false;
	err = is_cancelled(st, r->id, &cancelled);
	if (err != FP_OK)
		return err;
	if (cancelled)
		*done = true;	/* the rows it has are all it gets */
	else {
		err = audience_materialize(st, &r->audience, r->id,
		    ctx->cfg->templates.default_language, batch, &r->cursor,
		    r->seen, &added, done);
		if (err != FP_OK)
			return err;
		r->rows += added;
	}
	if (!*done)
		return FP_OK;
	/* One row per number: the rows are the recipients. */
	*recipients = r->rows;
	return store_exec_2(st, "UPDATE broadcasts SET recipients = ?2 WHERE "
	    "id = ?1", r->id, r->rows);
}

enum fp_err
broadcast_unresolved(struct store *st, int64_t *ids, size_t max, size_t *n)
{
	sqlite3_stmt *stmt;
	enum fp_err err;

	*n = 0;
	/* Cancelled ones too: their count is still the rows they got. */
	err = store_stmt(st, "SELECT id FROM broadcasts WHERE recipients < 0 "
	    "ORDER BY id LIMIT ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, (int64_t)max);
	while (*n < max && sqlite3_step(stmt) == SQLITE_ROW)
		ids[(*n)++] = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return FP_OK;
}

/* ---- reading ------------------------------------------------------------ */

/* True when the broadcast's scope lies inside `scope` (its creator's). */
static bool
in_scope(const char *bscope, const char *scope)
{
	if (scope == NULL || *scope == '\0')
		return true;
	return bscope != NULL && strncmp(bscope, scope, strlen(scope)) == 0;
}

/* A status's count into c, added to what another part counted. */
static void
count_add(struct json_object *c, const char *status, int64_t n)
{
	struct json_object *v;

	if (json_object_object_get_ex(c, status, &v))
		n += json_object_get_int64(v);
	json_object_object_add(c, status, json_object_new_int64(n));
}

/*
 * The per-status counts of broadcast id, as GET shows them: recipients
 * not queued by their status, then the queued ones' messages by theirs
 * (one each): they add up to the recipients.  *segments: segments sent.
 * Once resolved (recipients >= 0: one row per recipient), the pending
 * ones are what the others leave, so a broadcast to millions is counted
 * from what it has sent, not from what it has not.
 */
static enum fp_err
counts_compute(struct store *st, int64_t id, int64_t recipients,
    struct json_object **out, int64_t *segments)
{
	struct json_object *c = json_object_new_object();
	sqlite3_stmt *stmt;
	int64_t pending = 0, rest = 0;
	enum fp_err err = FP_OK;
	int rc;

	*segments = 0;
	if (recipients < 0) {
		err = store_stmt(st, "SELECT count(*) FROM broadcast_recipients "
		    "WHERE broadcast_id = ?1 AND status = 'pending'", &stmt);
		if (err == FP_OK) {
			sqlite3_bind_int64(stmt, 1, id);
			if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
				pending = sqlite3_column_int64(stmt, 0);
			sqlite3_reset(stmt);
			if (rc != SQLITE_ROW)
				err = store_err(rc);
		}
	}
	if (err == FP_OK)
		err = store_stmt(st, "SELECT status, count(*), 0 FROM "
		    "broadcast_recipients WHERE broadcast_id = ?1 AND status <> "
		    "'pending' AND status <> 'queued' GROUP BY status UNION ALL "
		    "SELECT status, count(*), 1 FROM sms_out WHERE broadcast_id = "
		    "?1 GROUP BY status", &stmt);
	if (err == FP_OK) {
		sqlite3_bind_int64(stmt, 1, id);
		while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
			count_add(c, (const char *)sqlite3_column_text(stmt, 0),
			    sqlite3_column_int64(stmt, 1));
			rest += sqlite3_column_int64(stmt, 1);
		}
		sqlite3_reset(stmt);
		if (rc != SQLITE_DONE)
			err = store_err(rc);
	}
	if (recipients >= 0)
		pending = recipients - rest;
	if (err == FP_OK && pending > 0)
		count_add(c, "pending", pending);
	if (err == FP_OK)
		err = store_stmt(st, "SELECT ifnull(sum(segments), 0) FROM sms_out "
		    "WHERE broadcast_id = ?1 AND (status = 'sent' OR status = "
		    "'delivered')", &stmt);
	if (err == FP_OK) {
		sqlite3_bind_int64(stmt, 1, id);
		if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
			*segments = sqlite3_column_int64(stmt, 0);
		sqlite3_reset(stmt);
		if (rc != SQLITE_ROW)
			err = store_err(rc);
	}
	if (err != FP_OK) {
		json_object_put(c);
		return err;
	}
	*out = c;
	return FP_OK;
}

/* The counts kept when the recipient rows were pruned, else counted. */
static enum fp_err
add_counts(struct store *st, int64_t id, int64_t recipients,
    struct json_object *o)
{
	struct json_object *c = NULL;
	sqlite3_stmt *stmt;
	int64_t segments = 0;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "SELECT counts, ifnull(segments_sent, 0) FROM "
	    "broadcasts WHERE id = ?1 AND counts IS NOT NULL", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		c = json_tokener_parse((const char *)sqlite3_column_text(stmt,
		    0));
		segments = sqlite3_column_int64(stmt, 1);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_err(rc);
	if (c == NULL && (err = counts_compute(st, id, recipients, &c,
	    &segments)) != FP_OK)
		return err;
	json_object_object_add(o, "counts", c);
	json_object_object_add(o, "segments_sent",
	    json_object_new_int64(segments));
	return FP_OK;
}

static struct json_object *
row_json(sqlite3_stmt *stmt)
{
	struct json_object *o = json_object_new_object(), *aud;
	const unsigned char *t;
	char id[24];

	snprintf(id, sizeof(id), "%lld", (long long)sqlite3_column_int64(stmt,
	    0));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "kind", json_object_new_string(
	    (const char *)sqlite3_column_text(stmt, 1)));
	json_object_object_add(o, "status", json_object_new_string(
	    (const char *)sqlite3_column_text(stmt, 2)));
	t = sqlite3_column_text(stmt, 3);
	json_object_object_add(o, "template", t != NULL ?
	    json_object_new_string((const char *)t) : NULL);
	aud = json_tokener_parse((const char *)sqlite3_column_text(stmt, 4));
	json_object_object_add(o, "audience", aud);
	/* -1 while the audience is being resolved into recipients. */
	json_object_object_add(o, "recipients", sqlite3_column_int64(stmt, 5) >=
	    0 ? json_object_new_int64(sqlite3_column_int64(stmt, 5)) : NULL);
	json_object_object_add(o, "resolving", json_object_new_boolean(
	    sqlite3_column_int64(stmt, 5) < 0));
	json_object_object_add(o, "send_at", svc_time_json(sqlite3_column_int64(
	    stmt, 6)));
	json_object_object_add(o, "created_at", svc_time_json(
	    sqlite3_column_int64(stmt, 7)));
	json_object_object_add(o, "started_at", svc_time_json(
	    sqlite3_column_int64(stmt, 8)));
	json_object_object_add(o, "finished_at", svc_time_json(
	    sqlite3_column_int64(stmt, 9)));
	json_object_object_add(o, "cancelled_at", svc_time_json(
	    sqlite3_column_int64(stmt, 10)));
	t = sqlite3_column_text(stmt, 11);
	json_object_object_add(o, "created_by", t != NULL ?
	    json_object_new_string((const char *)t) : NULL);
	return o;
}

#define ROW_COLUMNS "id, kind, status, template, audience, recipients, " \
	"send_at, created_at, ifnull(started_at, 0), ifnull(finished_at, 0), " \
	"ifnull(cancelled_at, 0), created_by, scope_area"

enum fp_err
broadcast_status(struct store *st, int64_t id, const char *scope,
    struct json_object **out)
{
	sqlite3_stmt *stmt;
	int64_t recipients = -1;
	enum fp_err err;
	int rc;

	*out = NULL;
	err = store_stmt(st, "SELECT " ROW_COLUMNS " FROM broadcasts WHERE "
	    "id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && !in_scope((const char *)sqlite3_column_text(
	    stmt, 12), scope)) {
		sqlite3_reset(stmt);
		return FP_EREJECT;	/* SPEC 3.5: outside the scope, 403 */
	}
	if (rc == SQLITE_ROW) {
		*out = row_json(stmt);
		recipients = sqlite3_column_int64(stmt, 5);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_err(rc);
	if (*out == NULL)
		return FP_ENOTFOUND;
	err = add_counts(st, id, recipients, *out);
	if (err != FP_OK) {
		json_object_put(*out);
		*out = NULL;
	}
	return err;
}

/* The list: newest first, below id `before`, after `offset` rows. */
static enum fp_err
list(struct store *st, const char *scope, const char *status,
    int64_t offset, int64_t before, int limit, struct json_object **out)
{
	struct json_object *items = json_object_new_array();
	sqlite3_stmt *stmt;
	enum fp_err err;
	int64_t total = 0, last = 0;
	int n = 0, rc;

	/* One more than asked: whether there is a next page. */
	err = store_stmt(st, "SELECT " ROW_COLUMNS " FROM broadcasts WHERE "
	    "(?1 = '' OR status = ?1) AND (?2 = '' OR substr(ifnull("
	    "scope_area, ''), 1, length(?2)) = ?2) AND id < ?5 ORDER BY id "
	    "DESC LIMIT ?3 + 1 OFFSET ?4", &stmt);
	if (err != FP_OK) {
		json_object_put(items);
		return err;
	}
	sqlite3_bind_text(stmt, 1, status != NULL ? status : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, scope != NULL ? scope : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, limit);
	sqlite3_bind_int64(stmt, 4, offset);
	sqlite3_bind_int64(stmt, 5, before > 0 ? before : INT64_MAX);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && n <= limit) {
		if (n++ == limit)
			break;
		json_object_array_add(items, row_json(stmt));
		last = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = store_err(rc);
	if (err == FP_OK)
		err = store_stmt(st, "SELECT count(*) FROM broadcasts WHERE "
		    "(?1 = '' OR status = ?1) AND (?2 = '' OR substr(ifnull("
		    "scope_area, ''), 1, length(?2)) = ?2)", &stmt);
	if (err == FP_OK) {
		sqlite3_bind_text(stmt, 1, status != NULL ? status : "", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, scope != NULL ? scope : "", -1,
		    SQLITE_STATIC);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW)
			total = sqlite3_column_int64(stmt, 0);
		sqlite3_reset(stmt);
		if (rc != SQLITE_ROW)
			err = store_err(rc);
	}
	if (err != FP_OK) {
		json_object_put(items);
		return err;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "items", items);
	json_object_object_add(*out, "offset", json_object_new_int64(offset));
	json_object_object_add(*out, "limit", json_object_new_int(limit));
	json_object_object_add(*out, "total", json_object_new_int64(total));
	if (n > limit) {
		char next[24];

		snprintf(next, sizeof(next), "%lld", (long long)last);
		json_object_object_add(*out, "next",
		    json_object_new_string(next));
	} else
		json_object_object_add(*out, "next", NULL);
	return FP_OK;
}

enum fp_err
broadcast_list(struct store *st, const char *scope, const char *status,
    int64_t offset, int limit, struct json_object **out)
{
	return list(st, scope, status, offset, 0, limit, out);
}

enum fp_err
broadcast_list_after(struct store *st, const char *scope, const char *status,
    int64_t after, int limit, struct json_object **out)
{
	return list(st, scope, status, 0, after, limit, out);
}

/* ---- pruning ------------------------------------------------------------ */

enum fp_err
broadcast_prune(struct store *st, const struct cfg *cfg, int64_t now,
    int max, int *deleted)
{
	struct json_object *c = NULL;
	sqlite3_stmt *stmt;
	int64_t id = 0, segments = 0, recipients = 0;
	bool counted = false;
	enum fp_err err;
	int rc;

	*deleted = 0;
	err = store_stmt(st, "SELECT id, counts IS NOT NULL, recipients FROM "
	    "broadcasts WHERE (status = 'finished' OR status = 'cancelled') AND "
	    "pruned_at IS NULL AND recipients >= 0 AND ifnull(finished_at, "
	    "cancelled_at) <= ?1 ORDER BY id LIMIT 1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, now - (int64_t)cfg->schedule.retention_days
	    * 86400);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(stmt, 0);
		counted = sqlite3_column_int(stmt, 1) != 0;
		recipients = sqlite3_column_int64(stmt, 2);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return store_err(rc);	/* FP_OK: nothing to prune */
	if (!counted) {
		/* What GET answers, kept before the first row goes. */
		err = counts_compute(st, id, recipients, &c, &segments);
		if (err == FP_OK)
			err = store_stmt(st, "UPDATE broadcasts SET counts = ?2, "
			    "segments_sent = ?3 WHERE id = ?1", &stmt);
		if (err == FP_OK) {
			sqlite3_bind_int64(stmt, 1, id);
			sqlite3_bind_text(stmt, 2, json_object_to_json_string_ext(
			    c, JSON_C_TO_STRING_PLAIN), -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(stmt, 3, segments);
			rc = sqlite3_step(stmt);
			sqlite3_reset(stmt);
			err = rc == SQLITE_DONE ? FP_OK : store_err(rc);
		}
		json_object_put(c);
		if (err != FP_OK)
			return err;
	}
	/* A finished or cancelled broadcast has no pending row left, but
	 * one would go too. */
	err = store_exec_2(st, "DELETE FROM broadcast_recipients WHERE id IN "
	    "(SELECT id FROM broadcast_recipients WHERE broadcast_id = ?1 AND "
	    "status <> 'pending' UNION ALL SELECT id FROM broadcast_recipients "
	    "WHERE broadcast_id = ?1 AND status = 'pending' LIMIT ?2)", id,
	    max);
	if (err != FP_OK)
		return err;
	*deleted = sqlite3_changes(store_db(st));
	if (*deleted < max)
		err = store_exec_2(st, "UPDATE broadcasts SET pruned_at = ?2 "
		    "WHERE id = ?1", id, now);
	return err;
}

/* ---- cancelling --------------------------------------------------------- */

enum fp_err
broadcast_cancel(struct store *st, int64_t id, const char *scope,
    const char *actor, int64_t now)
{
	struct json_object *o = NULL;
	char target[32];
	enum fp_err err;

	err = broadcast_status(st, id, scope, &o);
	if (err != FP_OK)
		return err;
	json_object_put(o);
	err = store_exec_2(st, "UPDATE broadcasts SET status = 'cancelled', "
	    "cancelled_at = ?2 WHERE id = ?1 AND (status = 'scheduled' OR "
	    "status = 'sending')", id, now);
	if (err != FP_OK)
		return err;
	if (sqlite3_changes(store_db(st)) == 0)
		return FP_EBUSY;
	/* Not yet queued: never will be.  Queued, not yet sent: expired. */
	err = store_exec_2(st, "UPDATE broadcast_recipients SET status = "
	    "'cancelled' WHERE broadcast_id = ?1 AND status = 'pending'", id,
	    now);
	if (err == FP_OK)
		err = store_exec_2(st, "INSERT INTO sms_out_history(message_id, "
		    "status, at, detail) SELECT id, 'expired', ?2, 'broadcast "
		    "cancelled' FROM sms_out WHERE broadcast_id = ?1 AND status "
		    "= 'queued'", id, now);
	if (err == FP_OK)
		err = store_exec_2(st, "UPDATE sms_out SET status = 'expired', "
		    "last_error = 'broadcast cancelled', updated_at = ?2 WHERE "
		    "broadcast_id = ?1 AND status = 'queued'", id, now);
	if (err != FP_OK)
		return err;
	snprintf(target, sizeof(target), "broadcast/%lld", (long long)id);
	return audit_record(st, now, actor, "broadcast.cancel", target, NULL);
}
