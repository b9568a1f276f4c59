/*
 * svc.c: what every channel's service code shares (see svc.h): who is
 * calling, texts in the caller's language, events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_outbox.h"
#include "log.h"
#include "svc.h"
#include "timefmt.h"

enum fp_err
svc_caller_lookup(struct store *st, const struct svc_ctx *ctx,
    const char *msisdn, struct svc_caller *out)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->msisdn, sizeof(out->msisdn), "%s", msisdn);
	snprintf(out->lang, sizeof(out->lang), "%s",
	    ctx->cfg->templates.default_language);
	/*
	 * The first member by member_id: min() with bare columns (SQLite
	 * takes them from the row that has the minimum) rather than ORDER
	 * BY ... LIMIT 1, whose sort opened and closed a temporary b-tree
	 * on every call: a fifth of the writer's work for an MO or a USSD
	 * step.  One row always; NULLs when the number is no member's.
	 */
	err = store_stmt(st, "SELECT min(m.member_id), h.household_id, "
	    "h.area_code, h.language FROM members m JOIN households h "
	    "USING (household_id) WHERE m.phone = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, msisdn, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) == SQLITE_NULL)
		rc = SQLITE_DONE;
	if (rc == SQLITE_ROW) {
		out->is_member = true;
		store_column_copy(stmt, 0, out->member_id,
		    sizeof(out->member_id));
		store_column_copy(stmt, 1, out->household_id,
		    sizeof(out->household_id));
		store_column_copy(stmt, 2, out->area_code,
		    sizeof(out->area_code));
		store_column_copy(stmt, 3, out->lang, sizeof(out->lang));
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_err(rc);
	err = store_stmt(st, "SELECT min(cadre_id), area_code FROM cadres "
	    "WHERE phone = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, msisdn, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) == SQLITE_NULL)
		rc = SQLITE_DONE;
	if (rc == SQLITE_ROW) {
		out->is_cadre = true;
		store_column_copy(stmt, 0, out->cadre_id,
		    sizeof(out->cadre_id));
		if (!out->is_member)
			store_column_copy(stmt, 1, out->area_code,
			    sizeof(out->area_code));
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_err(rc);
	/* A language the caller chose (USSD language menu) wins. */
	err = store_stmt(st, "SELECT language FROM msisdn_prefs WHERE "
	    "msisdn = ?1 AND language IS NOT NULL", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, msisdn, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		store_column_copy(stmt, 0, out->lang, sizeof(out->lang));
	sqlite3_reset(stmt);
	return FP_OK;
}

enum fp_err
svc_text(const struct svc_ctx *ctx, const char *lang, const char *name,
    const struct tpl_var *vars, size_t n_vars, char **out)
{
	const char *missing = NULL;
	enum fp_err err;

	err = templates_render(ctx->tpl, lang, "sms", name, vars, n_vars, out,
	    &missing);
	if (err != FP_OK)
		log_error("sms.template name=%s lang=%s missing=%s error=\"%s\"",
		    name, lang, missing != NULL ? missing : "-",
		    fp_strerror(err));
	return err;
}

void
svc_msg_cleanup(struct svc_msg *m)
{
	if (m == NULL)
		return;
	free(m->text);
	free(m->vars);
	m->text = NULL;
	m->vars = NULL;
	m->key[0] = '\0';
	m->lang[0] = '\0';
}

/* The language templates_render takes group/name's text from. */
static const char *
rendered_lang(const struct svc_ctx *ctx, const char *lang, const char *group,
    const char *name)
{
	const char *def = templates_default_language(ctx->tpl);
	size_t len = 0;

	if (lang != NULL && templates_text(ctx->tpl, lang, group, name,
	    &len) != NULL && len > 0)
		return lang;
	if (def != NULL && templates_text(ctx->tpl, def, group, name,
	    &len) != NULL && len > 0)
		return def;
	return TEMPLATES_SOURCE_LANG;
}

static char *
vars_json(const struct tpl_var *vars, size_t n_vars)
{
	struct json_object *o = json_object_new_object();
	char *s = NULL;
	size_t i;

	if (o == NULL)
		return NULL;
	for (i = 0; i < n_vars; i++) {
		if (vars[i].name == NULL || vars[i].name[0] == '\0' ||
		    json_object_object_get_ex(o, vars[i].name, NULL))
			continue;
		json_object_object_add(o, vars[i].name,
		    json_object_new_string(vars[i].value != NULL ?
		    vars[i].value : ""));
	}
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

enum fp_err
svc_msg_render(const struct svc_ctx *ctx, const char *lang,
    const char *group, const char *name, const struct tpl_var *vars,
    size_t n_vars, struct svc_msg *m, const char **missing)
{
	enum fp_err err;

	svc_msg_cleanup(m);
	err = templates_render(ctx->tpl, lang, group, name, vars, n_vars,
	    &m->text, missing);
	if (err != FP_OK)
		return err;
	m->vars = vars_json(vars, n_vars);
	if (m->vars == NULL) {
		svc_msg_cleanup(m);
		return FP_ENOMEM;
	}
	snprintf(m->key, sizeof(m->key), "%s/%s", group, name);
	snprintf(m->lang, sizeof(m->lang), "%s", rendered_lang(ctx, lang,
	    group, name));
	return FP_OK;
}

enum fp_err
svc_msg_take(struct svc_msg *m, char *text, const char *key,
    const char *lang, const char *var)
{
	struct tpl_var v = { var, text };

	svc_msg_cleanup(m);
	m->vars = vars_json(&v, 1);
	if (m->vars == NULL) {
		free(text);
		return FP_ENOMEM;
	}
	m->text = text;
	snprintf(m->key, sizeof(m->key), "%s", key);
	snprintf(m->lang, sizeof(m->lang), "%s", lang);
	return FP_OK;
}

void
svc_msg_outbox(const struct svc_msg *m, struct outbox_msg *om)
{
	om->text = m->text;
	om->tpl_key = m->key[0] != '\0' ? m->key : NULL;
	om->tpl_lang = m->key[0] != '\0' ? m->lang : NULL;
	om->tpl_vars = m->key[0] != '\0' ? m->vars : NULL;
}

enum fp_err
svc_reply(const struct svc_ctx *ctx, const char *lang, const char *name,
    const struct tpl_var *vars, size_t n_vars, struct svc_msg *m)
{
	const char *missing = NULL;
	enum fp_err err;

	err = svc_msg_render(ctx, lang, "sms", name, vars, n_vars, m,
	    &missing);
	if (err != FP_OK)
		log_error("sms.template name=%s lang=%s missing=%s error=\"%s\"",
		    name, lang, missing != NULL ? missing : "-",
		    fp_strerror(err));
	return err;
}

enum fp_err
svc_event(struct store *st, const char *type, struct json_object *data,
    int64_t now)
{
	enum fp_err err;

	if (data == NULL)
		return FP_ENOMEM;
	err = event_outbox_append(st, type, json_object_to_json_string_ext(
	    data, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	    now, NULL);
	json_object_put(data);
	return err;
}

struct json_object *
svc_event_msisdn(const struct svc_ctx *ctx, const char *e164)
{
	char masked[MSISDN_MASK_MAX];

	if (ctx->cfg->mqtt.include_msisdn)
		return json_object_new_string(e164);
	return json_object_new_string(msisdn_mask(e164, masked,
	    sizeof(masked)));
}

enum fp_err
svc_word(const struct svc_ctx *ctx, const char *lang, const char *name,
    char *dst, size_t len)
{
	char *w = NULL;
	enum fp_err err;

	err = svc_text(ctx, lang, name, NULL, 0, &w);
	if (err != FP_OK)
		return err;
	snprintf(dst, len, "%s", w);
	free(w);
	return FP_OK;
}

struct json_object *
svc_time_json(int64_t t)
{
	char buf[TIMEFMT_MAX];

	if (t <= 0)
		return NULL;
	timefmt_utc(t, buf);
	return json_object_new_string(buf);
}

struct json_object *
svc_page_json(struct json_object *items, int limit, const char *next)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "items", items);
	json_object_object_add(o, "limit", json_object_new_int(limit));
	json_object_object_add(o, "next", next != NULL ?
	    json_object_new_string(next) : NULL);
	return o;
}

enum fp_err
svc_page_rows(sqlite3_stmt *stmt, int limit, svc_row_fn *item, void *arg,
    struct json_object **out)
{
	struct json_object *items = json_object_new_array();
	char last[128] = "";
	int n = 0, rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n++ == limit)
			break;
		json_object_array_add(items, item(stmt, arg));
		store_column_copy(stmt, 0, last, sizeof(last));
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		json_object_put(items);
		return store_err(rc);
	}
	*out = svc_page_json(items, limit, n > limit ? last : NULL);
	return FP_OK;
}

struct json_object *
svc_column_json(sqlite3_stmt *stmt, int c)
{
	const unsigned char *v = sqlite3_column_text(stmt, c);

	return v != NULL ? json_object_new_string((const char *)v) : NULL;
}
