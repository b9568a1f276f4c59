/*
 * broadcast_send.c: from recipients to queued messages (see
 * broadcast.h): the rendering of a notice for one recipient, the dry
 * run, and the sending round of the broadcaster thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "broadcast.h"
#include "log.h"
#include "outbox.h"
#include "schedule.h"

#define ROUND_BROADCASTS_MAX 16	/* broadcasts looked at per round */

enum fp_err
notice_record_load(struct store *st, const char *member_id,
    const char *cadre_id, struct notice_record *r)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	char phone[24] = "";

	memset(r, 0, sizeof(*r));
	err = store_stmt(st, "SELECT m.name, h.household_id, ifnull(c.name, "
	    "''), ifnull(c.phone, '') FROM members m JOIN households h USING "
	    "(household_id) LEFT JOIN cadres c ON c.cadre_id = h.cadre_id "
	    "WHERE m.member_id = ?1 UNION ALL SELECT name, '', name, "
	    "ifnull(phone, '') FROM cadres WHERE cadre_id = ?2 LIMIT 1", &stmt);
	if (err != FP_OK)
		return err;
	store_bind_text_or_null(stmt, 1, member_id);
	store_bind_text_or_null(stmt, 2, cadre_id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		store_column_copy(stmt, 0, r->name, sizeof(r->name));
		store_column_copy(stmt, 1, r->household_id,
		    sizeof(r->household_id));
		store_column_copy(stmt, 2, r->cadre_name, sizeof(r->cadre_name));
		store_column_copy(stmt, 3, phone, sizeof(phone));
		snprintf(r->cadre_phone, sizeof(r->cadre_phone), "%s",
		    msisdn_national(phone));
	}
	sqlite3_reset(stmt);
	return FP_OK;
}

/* A field struct notice_record carries (an older broadcast's vars may
 * still name one: the record's value, or its absence, stands). */
static bool
in_record(const char *name)
{
	return name != NULL && (strcmp(name, "name") == 0 ||
	    strcmp(name, "household_id") == 0 ||
	    strcmp(name, "cadre_name") == 0 ||
	    strcmp(name, "cadre_phone") == 0);
}

enum fp_err
notice_render_msg(const struct svc_ctx *ctx, const char *template_name,
    const char *text, const struct tpl_var *vars, size_t n_vars,
    const struct notice_record *rec, const char *lang, struct svc_msg *m,
    const char **missing)
{
	struct tpl_var all[BROADCAST_VARS_MAX + 4];
	size_t n = 0, i;

	svc_msg_cleanup(m);
	if (template_name == NULL) {
		m->text = strdup(text);
		return m->text != NULL ? FP_OK : FP_ENOMEM;
	}
	/* The record first: the first of a name wins (SPEC 3.5), and a
	 * record field never comes from vars (notice_record_field). */
	all[n++] = (struct tpl_var){ *rec->name ? "name" : "", rec->name };
	all[n++] = (struct tpl_var){ *rec->household_id ? "household_id" : "",
	    rec->household_id };
	all[n++] = (struct tpl_var){ *rec->cadre_name ? "cadre_name" : "",
	    rec->cadre_name };
	all[n++] = (struct tpl_var){ *rec->cadre_phone ? "cadre_phone" : "",
	    rec->cadre_phone };
	for (i = 0; i < n_vars && i < BROADCAST_VARS_MAX; i++)
		if (!in_record(vars[i].name))
			all[n++] = vars[i];
	return svc_msg_render(ctx, lang, "notices", template_name, all, n, m,
	    missing);
}

enum fp_err
notice_render(const struct svc_ctx *ctx, const char *template_name,
    const char *text, const struct tpl_var *vars, size_t n_vars,
    const struct notice_record *rec, const char *lang, char **out,
    const char **missing)
{
	struct svc_msg m = SVC_MSG_INIT;
	enum fp_err err;

	*out = NULL;
	err = notice_render_msg(ctx, template_name, text, vars, n_vars, rec,
	    lang, &m, missing);
	if (err == FP_OK) {
		*out = m.text;
		m.text = NULL;
	}
	svc_msg_cleanup(&m);
	return err;
}

/* ---- dry run ------------------------------------------------------------ */

enum fp_err
broadcast_dry_run(struct store *st, const struct svc_ctx *ctx,
    const struct broadcast_req *r, struct json_object **out)
{
	struct audience_count count;
	struct json_object *langs;
	int64_t segments = 0;
	enum fp_err err;
	int i;

	err = audience_count(st, &r->audience,
	    ctx->cfg->templates.default_language, true, &count);
	if (err != FP_OK)
		return err;
	langs = json_object_new_object();
	for (i = 0; i < 4; i++) {
		struct json_object *l;
		struct notice_record rec;
		size_t segs = 0;
		sqlite3_stmt *stmt;
		const char *missing = NULL;
		char *text = NULL, member[40] = "", cadre[40] = "";

		if (count.by_lang[i] == 0)
			continue;
		/* A sample: the first recipient in this language. */
		err = store_stmt(st, r->audience.cadres ? "SELECT NULL, cadre_id "
		    "FROM cadres WHERE substr(area_code, 1, length(?1)) = ?1 "
		    "AND ?2 = ?2 ORDER BY cadre_id LIMIT 1" : "SELECT m.member_id,"
		    " NULL FROM households h JOIN members m USING (household_id) "
		    "WHERE substr(h.area_code, 1, length(?1)) = ?1 AND "
		    "h.language = ?2 AND m.phone IS NOT NULL ORDER BY "
		    "h.household_id LIMIT 1", &stmt);
		if (err != FP_OK)
			break;
		sqlite3_bind_text(stmt, 1, r->audience.area, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, audience_langs[i], -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) == SQLITE_ROW) {
			store_column_copy(stmt, 0, member, sizeof(member));
			store_column_copy(stmt, 1, cadre, sizeof(cadre));
		}
		sqlite3_reset(stmt);
		err = notice_record_load(st, member, cadre, &rec);
		if (err == FP_OK)
			err = notice_render(ctx, r->template_name, r->text, r->vars,
			    r->n_vars, &rec, audience_langs[i], &text, &missing);
		if (err == FP_EINVAL) {
			err = FP_OK;	/* that sample lacks a record field */
			continue;
		}
		if (err != FP_OK)
			break;
		/* SPEC 4: a sample over sms.max_segments refuses the run. */
		err = outbox_check_length(ctx->cfg, r->provider, text, &segs);
		if (err != FP_OK) {
			free(text);
			break;
		}
		segments += count.by_lang[i] * (int64_t)segs;
		l = json_object_new_object();
		json_object_object_add(l, "recipients",
		    json_object_new_int64(count.by_lang[i]));
		json_object_object_add(l, "segments",
		    json_object_new_int64((int64_t)segs));
		json_object_object_add(l, "sample", json_object_new_string(text));
		json_object_object_add(langs, audience_langs[i], l);
		free(text);
	}
	if (err != FP_OK) {
		json_object_put(langs);
		return err;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "dry_run", json_object_new_boolean(1));
	json_object_object_add(*out, "recipients",
	    json_object_new_int64(count.total));
	json_object_object_add(*out, "segments", json_object_new_int64(segments));
	json_object_object_add(*out, "languages", langs);
	return FP_OK;
}

/* ---- sending ------------------------------------------------------------- */

struct bc {
	int64_t			 id;
	char			*template_name;
	char			*text;
	char			*provider;
	char			*kind;
	struct json_object	*vars_json;
	struct tpl_var		 vars[BROADCAST_VARS_MAX];
	size_t			 n_vars;
	int64_t			 recipients;
	bool			 started;
};

static void
bc_free(struct bc *b)
{
	free(b->template_name);
	free(b->text);
	free(b->provider);
	free(b->kind);
	json_object_put(b->vars_json);
	memset(b, 0, sizeof(*b));
}

static char *
col_dup(sqlite3_stmt *stmt, int c)
{
	const unsigned char *v = sqlite3_column_text(stmt, c);

	if (v == NULL)
		return NULL;
	return strdup((const char *)v);
}

/*
 * The due broadcasts, oldest first: out[0 .. *n), each the caller's to
 * bc_free (broadcast_round does, for every one of them).
 *
 * gcc 12's -fanalyzer reports the strings stored in out[k] as leaked: it
 * does not follow a store through a symbolic index into the caller's
 * array (it says so even on the path where col_dup returned NULL).  A
 * false report, silenced for this function only (compiler.h); valgrind and ASan run
 * every round of the broadcast suites without a leak.
 */
FP_ANALYZER_LEAK_OFF
static enum fp_err
due_broadcasts(struct store *st, int64_t now, struct bc *out, size_t *n)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	size_t k = 0;

	*n = 0;
	err = store_stmt(st, "SELECT id, template, text, provider, kind, vars, "
	    "recipients, status = 'sending' FROM broadcasts WHERE (status = "
	    "'scheduled' OR status = 'sending') AND send_at <= ?1 ORDER BY id "
	    "LIMIT ?2", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_int(stmt, 2, ROUND_BROADCASTS_MAX);
	while (k < ROUND_BROADCASTS_MAX && sqlite3_step(stmt) == SQLITE_ROW) {
		struct bc *b = &out[k++];
		const unsigned char *vars = sqlite3_column_text(stmt, 5);

		memset(b, 0, sizeof(*b));
		b->id = sqlite3_column_int64(stmt, 0);
		b->template_name = col_dup(stmt, 1);
		b->text = col_dup(stmt, 2);
		b->provider = col_dup(stmt, 3);
		b->kind = col_dup(stmt, 4);
		b->recipients = sqlite3_column_int64(stmt, 6);
		b->started = sqlite3_column_int(stmt, 7) != 0;
		b->vars_json = vars != NULL ? json_tokener_parse(
		    (const char *)vars) : NULL;
		if (b->vars_json != NULL &&
		    json_object_is_type(b->vars_json, json_type_object)) {
			json_object_object_foreach(b->vars_json, key, val)
				if (b->n_vars < BROADCAST_VARS_MAX) {
					b->vars[b->n_vars].name = key;
					b->vars[b->n_vars].value =
					    json_object_get_string(val);
					b->n_vars++;
				}
		}
	}
	sqlite3_reset(stmt);
	*n = k;
	return FP_OK;
}
FP_ANALYZER_LEAK_ON

static enum fp_err
set_recipient(struct store *st, int64_t rid, const char *status,
    int64_t message_id, int64_t not_before)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "UPDATE broadcast_recipients SET status = ?3, "
	    "message_id = nullif(?4, 0), not_before = ?5 WHERE id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, rid);
	sqlite3_bind_text(stmt, 3, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, message_id);
	sqlite3_bind_int64(stmt, 5, not_before);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

/*
 * Already sent this broadcast (a number in two households)?  Opted out
 * of notices?  How many notices today?
 */
static enum fp_err
number_state(struct store *st, int64_t id, const char *msisdn,
    const char *day, bool *sent, bool *opted_out, int *today)
{
	sqlite3_stmt *stmt;
	enum fp_err err;

	*sent = *opted_out = false;
	*today = 0;
	err = store_stmt(st, "SELECT EXISTS (SELECT 1 FROM sms_out WHERE "
	    "broadcast_id = ?3 AND msisdn = ?1), ifnull((SELECT opted_out FROM "
	    "optouts WHERE msisdn = ?1), 0), ifnull((SELECT count FROM "
	    "notice_counts WHERE msisdn = ?1 AND day = ?2), 0)", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, msisdn, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, day, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		*sent = sqlite3_column_int(stmt, 0) != 0;
		*opted_out = sqlite3_column_int(stmt, 1) != 0;
		*today = sqlite3_column_int(stmt, 2);
	}
	sqlite3_reset(stmt);
	return FP_OK;
}

static enum fp_err
count_notice(struct store *st, const char *msisdn, const char *day)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "INSERT INTO notice_counts(msisdn, day, count) "
	    "VALUES (?1, ?2, 1) ON CONFLICT(msisdn, day) DO UPDATE SET count "
	    "= count + 1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, msisdn, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, day, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

struct recipient {
	int64_t	 id;
	char	 msisdn[24];
	char	 member_id[40];
	char	 cadre_id[40];
	char	 lang[4];
};

/* Queue one recipient's notice, or skip or defer it. */
static enum fp_err
send_one(struct store *st, const struct svc_ctx *ctx, const struct bc *b,
    const struct recipient *r, int64_t now, const char *day, bool *queued)
{
	struct outbox_msg m;
	struct notice_record rec;
	struct svc_msg msg = SVC_MSG_INIT;
	const char *missing = NULL;
	char masked[MSISDN_MASK_MAX];
	int64_t msg_id = 0;
	size_t segments = 0;
	bool sent, opted_out;
	int today, cap = ctx->cfg->schedule.max_notices_per_day;
	enum fp_err err;

	*queued = false;
	err = number_state(st, b->id, r->msisdn, day, &sent, &opted_out,
	    &today);
	if (err != FP_OK)
		return err;
	if (sent || opted_out)	/* at most once per number; never opted out */
		return set_recipient(st, r->id, "skipped", 0, 0);
	if (cap > 0 && today >= cap)	/* over today's cap: tomorrow */
		return set_recipient(st, r->id, "pending", 0,
		    schedule_next_day(now));
	err = notice_record_load(st, r->member_id, r->cadre_id, &rec);
	if (err == FP_OK)
		err = notice_render_msg(ctx, b->template_name, b->text, b->vars,
		    b->n_vars, &rec, *r->lang != '\0' ? r->lang :
		    ctx->cfg->templates.default_language, &msg, &missing);
	if (err == FP_EINVAL) {
		/* The record lacks a field the template needs: no hole. */
		log_warnx("broadcast.skip id=%lld msisdn=%s missing=%s",
		    (long long)b->id, msisdn_mask(r->msisdn, masked,
		    sizeof(masked)), missing != NULL ? missing : "?");
		return set_recipient(st, r->id, "skipped", 0, 0);
	}
	if (err != FP_OK)
		return err;
	/* SPEC 4: a record longer than the check's sample never makes a
	 * message over sms.max_segments: skipped, logged. */
	err = outbox_check_length(ctx->cfg, b->provider, msg.text, &segments);
	if (err != FP_OK) {
		svc_msg_cleanup(&msg);
		if (err != FP_ETOOBIG && err != FP_EINVAL)
			return err;
		log_warnx("broadcast.skip id=%lld msisdn=%s segments=%zu "
		    "error=\"%s\"", (long long)b->id, msisdn_mask(r->msisdn,
		    masked, sizeof(masked)), segments, fp_strerror(err));
		return set_recipient(st, r->id, "skipped", 0, 0);
	}
	memset(&m, 0, sizeof(m));
	m.to = r->msisdn;
	svc_msg_outbox(&msg, &m);
	m.kind = b->kind;
	m.provider = b->provider;
	m.broadcast_id = b->id;
	err = outbox_enqueue(st, ctx->cfg, &m, now, &msg_id);
	svc_msg_cleanup(&msg);
	if (err == FP_OK)
		err = count_notice(st, r->msisdn, day);
	if (err == FP_OK)
		err = set_recipient(st, r->id, "queued", msg_id, 0);
	*queued = err == FP_OK;
	return err;
}

static enum fp_err
round_one(struct store *st, const struct svc_ctx *ctx, struct bc *b,
    int64_t now, const char *day, int budget, int *queued)
{
	struct recipient r;
	sqlite3_stmt *stmt;
	enum fp_err err;
	bool left = false;
	int n = 0, sent = 0;
	struct recipient *batch;

	batch = calloc((size_t)budget, sizeof(*batch));
	if (batch == NULL)
		return FP_ENOMEM;
	/* A member's language is its household's when the row has none (an
	 * audience of every member is resolved from the members alone). */
	err = store_stmt(st, "SELECT msisdn, ifnull(member_id, ''), "
	    "ifnull(cadre_id, ''), coalesce(language, (SELECT h.language FROM "
	    "members m JOIN households h USING (household_id) WHERE "
	    "m.member_id = r.member_id), ''), id FROM broadcast_recipients r "
	    "WHERE broadcast_id = ?1 AND status = 'pending' AND not_before <= "
	    "?2 ORDER BY not_before, id LIMIT ?3", &stmt);
	if (err == FP_OK) {
		sqlite3_bind_int64(stmt, 1, b->id);
		sqlite3_bind_int64(stmt, 2, now);
		sqlite3_bind_int(stmt, 3, budget);
		while (n < budget && sqlite3_step(stmt) == SQLITE_ROW) {
			store_column_copy(stmt, 0, batch[n].msisdn,
			    sizeof(batch[n].msisdn));
			store_column_copy(stmt, 1, batch[n].member_id,
			    sizeof(batch[n].member_id));
			store_column_copy(stmt, 2, batch[n].cadre_id,
			    sizeof(batch[n].cadre_id));
			store_column_copy(stmt, 3, batch[n].lang,
			    sizeof(batch[n].lang));
			batch[n].id = sqlite3_column_int64(stmt, 4);
			n++;
		}
		sqlite3_reset(stmt);
	}
	for (int i = 0; err == FP_OK && i < n; i++) {
		bool q;

		r = batch[i];
		err = send_one(st, ctx, b, &r, now, day, &q);
		sent += q;
	}
	free(batch);
	if (err != FP_OK)
		return err;
	*queued += sent;
	if (sent > 0 && !b->started)
		err = store_exec_2(st, "UPDATE broadcasts SET status = 'sending', "
		    "started_at = ?2 WHERE id = ?1 AND status = 'scheduled'",
		    b->id, now);
	if (err != FP_OK || b->recipients < 0)
		return err;	/* still resolving: not finished */
	err = store_stmt(st, "SELECT EXISTS (SELECT 1 FROM broadcast_recipients"
	    " WHERE broadcast_id = ?1 AND status = 'pending')", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, b->id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		left = sqlite3_column_int(stmt, 0) != 0;
	sqlite3_reset(stmt);
	if (left)
		return FP_OK;
	return store_exec_2(st, "UPDATE broadcasts SET status = 'finished', "
	    "started_at = ifnull(started_at, ?2), finished_at = ?2 WHERE id = "
	    "?1", b->id, now);
}

enum fp_err
broadcast_round(struct store *st, const struct svc_ctx *ctx, int64_t now,
    int budget, int *queued)
{
	struct bc due[ROUND_BROADCASTS_MAX];
	char day[11];
	size_t n = 0, i;
	enum fp_err err;

	*queued = 0;
	if (budget <= 0 || schedule_is_quiet(ctx->cfg, now))
		return FP_OK;	/* notices wait out the quiet hours */
	schedule_day(now, day);
	err = due_broadcasts(st, now, due, &n);
	for (i = 0; err == FP_OK && i < n && *queued < budget; i++)
		err = round_one(st, ctx, &due[i], now, day, budget - *queued,
		    queued);
	for (i = 0; i < n; i++)
		bc_free(&due[i]);
	return err;
}
