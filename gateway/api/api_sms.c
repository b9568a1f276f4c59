/*
 * api_sms.c: send one message and read one message over the admin API
 * (see api_sms.h).  A template is rendered in the recipient's language
 * with the recipient's record and the given vars; a missing variable is
 * a 400 before anything is queued, never a hole in a sent message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_common.h"
#include "api_auth.h"
#include "api_sms.h"
#include "broadcast.h"
#include "gateway.h"
#include "http_auth.h"
#include "http_error.h"
#include "http_server.h"
#include "log.h"
#include "outbox.h"
#include "parse.h"
#include "route.h"
#include "svc.h"
#include "writer.h"

static struct log_limit api_lines = LOG_LIMIT_INIT("api.sms", LOG_PER_S);

#define API_MAX_VARS BROADCAST_VARS_MAX

struct send_job {
	struct svc_ctx		 ctx;
	const struct cfg_token	*token;
	char			 to[MSISDN_MAX];
	const char		*text;		/* or NULL with template */
	const char		*template_name;
	struct tpl_var		 vars[API_MAX_VARS];
	size_t			 n_vars;
	const char		*provider;
	int64_t			 id;
	const char		*missing;	/* set on FP_EINVAL */
	struct svc_msg		 rendered;	/* owned */
};

/* The provider the message will go through: the caller's, or routed. */
static const char *
provider_of(const struct send_job *j)
{
	return j->provider != NULL ? j->provider :
	    route_pick(j->ctx.cfg, j->to, NULL);
}

static enum fp_err
send_job_run(struct store *st, void *arg)
{
	struct send_job *j = arg;
	struct svc_caller who;
	struct notice_record rec;
	struct outbox_msg m;
	enum fp_err err;

	err = api_auth_msisdn_in_scope(st, j->token, j->to);
	if (err != FP_OK)
		return err;
	if (j->template_name != NULL) {
		err = svc_caller_lookup(st, &j->ctx, j->to, &who);
		if (err == FP_OK)
			err = notice_record_load(st, who.member_id, who.cadre_id,
			    &rec);
		if (err == FP_OK)
			err = notice_render_msg(&j->ctx, j->template_name, NULL,
			    j->vars, j->n_vars, &rec, who.lang, &j->rendered,
			    &j->missing);
		if (err != FP_OK)
			return err;
		/* SPEC 4: the rendering too must fit sms.max_segments. */
		err = outbox_check_length(j->ctx.cfg, provider_of(j),
		    j->rendered.text, NULL);
		if (err != FP_OK)
			return err;
	}
	memset(&m, 0, sizeof(m));
	m.to = j->to;
	if (j->rendered.text != NULL)
		svc_msg_outbox(&j->rendered, &m);
	else
		m.text = j->text;
	m.kind = "api";
	m.provider = j->provider;
	return outbox_enqueue(st, j->ctx.cfg, &m, (int64_t)time(NULL), &j->id);
}

static const char *
json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Fill j from the JSON body; on FP_EINVAL the answer is set. */
static enum fp_err
read_send(struct json_object *o, struct send_job *j, struct http_resp *resp)
{
	struct json_object *vars;
	const char *to, *reason = NULL;
	char msg[200];

	to = json_str(o, "to");
	if (to == NULL || msisdn_normalize(to, j->to, &reason) != FP_OK) {
		snprintf(msg, sizeof(msg), "to: must be a phone number%s%s",
		    reason != NULL ? ": " : "", reason != NULL ? reason : "");
		http_resp_error(resp, 400, "invalid_phone", msg);
		return FP_EINVAL;
	}
	j->text = json_str(o, "text");
	j->template_name = json_str(o, "template");
	j->provider = json_str(o, "provider");
	if ((j->text == NULL) == (j->template_name == NULL)) {
		http_resp_error(resp, 400, "invalid_request",
		    "text: give either text or template, not both");
		return FP_EINVAL;
	}
	if (j->text != NULL && *j->text == '\0') {
		http_resp_error(resp, 400, "invalid_request", "text: must not be empty");
		return FP_EINVAL;
	}
	if (j->provider != NULL &&
	    cfg_provider_find(j->ctx.cfg, j->provider) == NULL) {
		http_resp_error(resp, 400, "invalid_request",
		    "provider: not configured");
		return FP_EINVAL;
	}
	if (j->text != NULL && cfg_provider_is_template(cfg_provider_find(
	    j->ctx.cfg, provider_of(j)))) {
		/* SPEC 11: approved templates only. */
		http_resp_error(resp, 400, "invalid_request", "text: this "
		    "provider sends approved templates only: use a template");
		return FP_EINVAL;
	}
	if (j->text != NULL) {
		enum fp_err err = outbox_check_length(j->ctx.cfg,
		    provider_of(j), j->text, NULL);

		if (err == FP_ETOOBIG) {
			api_too_long(resp);
			return FP_EINVAL;
		}
		if (err != FP_OK) {
			http_resp_error(resp, 400, "invalid_request",
			    "text: not UTF-8");
			return FP_EINVAL;
		}
	}
	if (j->template_name != NULL && !templates_exists(j->ctx.tpl,
	    "notices", j->template_name)) {
		http_resp_error(resp, 400, "unknown_template",
		    "template: no such template in templates/<lang>/notices/");
		return FP_EINVAL;
	}
	if (json_object_object_get_ex(o, "vars", &vars)) {
		if (!json_object_is_type(vars, json_type_object)) {
			http_resp_error(resp, 400, "invalid_request",
			    "vars: must be an object of strings");
			return FP_EINVAL;
		}
		json_object_object_foreach(vars, key, val) {
			if (j->n_vars == API_MAX_VARS ||
			    !json_object_is_type(val, json_type_string)) {
				http_resp_error(resp, 400, "invalid_request",
				    "vars: must be at most 32 strings");
				return FP_EINVAL;
			}
			if (notice_record_field(key)) {
				http_resp_error(resp, 400, "invalid_request",
				    "vars: a key names a record field (name, "
				    "household_id, cadre_name, cadre_phone, "
				    "training_title, starts_on, location): a "
				    "recipient's own data is never overridden");
				return FP_EINVAL;
			}
			j->vars[j->n_vars].name = key;
			j->vars[j->n_vars].value = json_object_get_string(val);
			j->n_vars++;
		}
	}
	return FP_OK;
}

static const struct http_errmap send_errors = {
	.rejected = "the number is outside this token's area",
	.fail = HTTP_FAIL_5XX,
	.fail_code = "not_queued",
	.fail_message = "the message was not queued; retry",
};

void
api_sms_send(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	struct json_object *o = NULL;
	struct send_job j;
	char body[64];
	enum fp_err err;

	memset(&j, 0, sizeof(j));
	j.ctx = gw_svc_ctx(gw);
	j.token = api_token(gw, req, resp, true);
	if (j.token == NULL)
		return;
	o = api_body(req, resp);
	if (o == NULL)
		return;
	if (read_send(o, &j, resp) != FP_OK)
		goto done;
	err = writer_run(gw->writer, send_job_run, &j);
	if (err == FP_ETOOBIG) {
		api_too_long(resp);
	} else if (err == FP_EINVAL) {
		api_missing_variable(resp, j.missing);
	} else if (err != FP_OK) {
		http_resp_fp_error(resp, err, &send_errors);
	} else {
		snprintf(body, sizeof(body), "{\"id\":\"%lld\"}",
		    (long long)j.id);
		http_resp_set(resp, 202, "application/json", body,
		    strlen(body));
		if (log_allow(&api_lines))
			log_info("api.sms id=%lld token=%s", (long long)j.id,
			    j.token->name);
	}
done:
	svc_msg_cleanup(&j.rendered);
	json_object_put(o);
}

/* ---- GET /api/v1/messages/{id} --------------------------------------- */

static void
add_text(struct json_object *o, const char *key, sqlite3_stmt *stmt, int c)
{
	const unsigned char *v = sqlite3_column_text(stmt, c);

	json_object_object_add(o, key, v != NULL ?
	    json_object_new_string((const char *)v) : NULL);
}

/*
 * Run `sql` for message `id` and leave the statement on its row, the
 * number (column 0) copied to msisdn and a new object in *o with "id"
 * first and "direction".  FP_ENOTFOUND when there is no such row.
 */
static enum fp_err
message_row(struct store *st, const char *sql, int64_t id,
    const char *direction, sqlite3_stmt **stmt, struct json_object **o,
    char *msisdn, size_t len)
{
	enum fp_err err;
	int rc;

	err = store_stmt(st, sql, stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(*stmt, 1, id);
	rc = sqlite3_step(*stmt);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(*stmt);
		return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
	}
	store_column_copy(*stmt, 0, msisdn, len);
	*o = json_object_new_object();
	json_object_object_add(*o, "id", NULL);
	json_object_object_add(*o, "direction",
	    json_object_new_string(direction));
	return FP_OK;
}

static enum fp_err
load_out(struct store *st, int64_t id, struct json_object **out,
    char *msisdn, size_t len)
{
	struct json_object *o, *hist;
	sqlite3_stmt *stmt;
	enum fp_err err;

	err = message_row(st, "SELECT msisdn, from_addr, text, kind, "
	    "encoding, segments, provider, status, attempts, provider_msgid, "
	    "last_error, created_at, updated_at, in_reply_to FROM sms_out "
	    "WHERE id = ?1", id, "out", &stmt, &o, msisdn, len);
	if (err != FP_OK)
		return err;
	add_text(o, "status", stmt, 7);
	add_text(o, "to", stmt, 0);
	add_text(o, "from", stmt, 1);
	add_text(o, "text", stmt, 2);
	add_text(o, "kind", stmt, 3);
	add_text(o, "encoding", stmt, 4);
	json_object_object_add(o, "segments", json_object_new_int(
	    sqlite3_column_int(stmt, 5)));
	add_text(o, "provider", stmt, 6);
	json_object_object_add(o, "attempts", json_object_new_int(
	    sqlite3_column_int(stmt, 8)));
	add_text(o, "provider_msgid", stmt, 9);
	add_text(o, "error", stmt, 10);
	json_object_object_add(o, "created_at", svc_time_json(
	    sqlite3_column_int64(stmt, 11)));
	json_object_object_add(o, "updated_at", svc_time_json(
	    sqlite3_column_int64(stmt, 12)));
	if (sqlite3_column_type(stmt, 13) != SQLITE_NULL)
		json_object_object_add(o, "in_reply_to", json_object_new_string(
		    (const char *)sqlite3_column_text(stmt, 13)));
	sqlite3_reset(stmt);
	err = store_stmt(st, "SELECT status, at, detail FROM sms_out_history "
	    "WHERE message_id = ?1 ORDER BY id", &stmt);
	if (err != FP_OK) {
		json_object_put(o);
		return err;
	}
	sqlite3_bind_int64(stmt, 1, id);
	hist = json_object_new_array();
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		struct json_object *h = json_object_new_object();

		add_text(h, "status", stmt, 0);
		json_object_object_add(h, "at", svc_time_json(
		    sqlite3_column_int64(stmt, 1)));
		add_text(h, "detail", stmt, 2);
		json_object_array_add(hist, h);
	}
	sqlite3_reset(stmt);
	json_object_object_add(o, "history", hist);
	*out = o;
	return FP_OK;
}

static enum fp_err
load_in(struct store *st, int64_t id, struct json_object **out,
    char *msisdn, size_t len)
{
	struct json_object *o;
	sqlite3_stmt *stmt;
	enum fp_err err;

	err = message_row(st, "SELECT msisdn, to_addr, text, status, "
	    "command, received_at, route, provider_id FROM sms_in WHERE "
	    "id = ?1", id, "in", &stmt, &o, msisdn, len);
	if (err != FP_OK)
		return err;
	add_text(o, "status", stmt, 3);
	add_text(o, "from", stmt, 0);
	add_text(o, "to", stmt, 1);
	add_text(o, "text", stmt, 2);
	add_text(o, "command", stmt, 4);
	json_object_object_add(o, "received_at", svc_time_json(
	    sqlite3_column_int64(stmt, 5)));
	add_text(o, "route", stmt, 6);
	add_text(o, "provider_id", stmt, 7);
	sqlite3_reset(stmt);
	*out = o;
	return FP_OK;
}

/* SPEC 3.5: outside the token's area is 403. */
static const struct http_errmap message_errors = {
	.not_found = "no such message",
	.rejected = "the message is outside this token's area",
	.fail = HTTP_FAIL_503,
	.fail_code = "unavailable",
	.fail_message = "the database is busy; retry",
};

void
api_messages_get(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	const char *idtext = req->path + strlen("/api/v1/messages/");
	const struct cfg_token *t = NULL;
	struct json_object *o = NULL;
	struct store *st;
	char msisdn[MSISDN_MAX], idbuf[24];
	const char *s;
	int64_t id;
	enum fp_err err;

	t = api_token(gw, req, resp, false);
	if (t == NULL)
		return;
	if (parse_int64(idtext, 1, INT64_MAX, &id) != FP_OK) {
		http_resp_fp_error(resp, FP_ENOTFOUND, &message_errors);
		return;
	}
	err = gw_store(gw, &st);
	if (err == FP_OK) {
		err = load_out(st, id, &o, msisdn, sizeof(msisdn));
		if (err == FP_ENOTFOUND)
			err = load_in(st, id, &o, msisdn, sizeof(msisdn));
	}
	if (err == FP_OK && api_auth_msisdn_in_scope(st, t, msisdn) != FP_OK)
		err = FP_EREJECT;
	if (err != FP_OK) {
		http_resp_fp_error(resp, err, &message_errors);
		goto done;
	}
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
	json_object_object_add(o, "id", json_object_new_string(idbuf));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	http_resp_set(resp, 200, "application/json", s, strlen(s));
done:
	json_object_put(o);
}
