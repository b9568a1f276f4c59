/*
 * household.c: a household's status in words (see household.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsm.h"
#include "household.h"
#include "schedule.h"

static enum fp_err
load_household(struct store *st, const struct svc_ctx *ctx,
    const char *lang, const char *household_id, struct household_summary *p)
{
	char status[16] = "", status_tpl[32], cadre_id[SVC_ID_MAX] = "";
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "SELECT head_name, status, cadre_id FROM "
	    "households WHERE household_id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, household_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		store_column_copy(stmt, 0, p->name, sizeof(p->name));
		store_column_copy(stmt, 1, status, sizeof(status));
		store_column_copy(stmt, 2, cadre_id, sizeof(cadre_id));
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
	snprintf(status_tpl, sizeof(status_tpl), "status_%s", status);
	err = svc_word(ctx, lang, status_tpl, p->status_word,
	    sizeof(p->status_word));
	if (err != FP_OK)
		return err;
	err = svc_word(ctx, lang, "none", p->cadre_name,
	    sizeof(p->cadre_name));
	if (err != FP_OK)
		return err;
	err = store_stmt(st, "SELECT name, phone FROM cadres WHERE "
	    "cadre_id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, cadre_id, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		char e164[MSISDN_MAX];

		store_column_copy(stmt, 0, p->cadre_name,
		    sizeof(p->cadre_name));
		store_column_copy(stmt, 1, e164, sizeof(e164));
		/* Villagers dial national numbers: 139..., not +86139... */
		snprintf(p->cadre_phone, sizeof(p->cadre_phone), "%s",
		    msisdn_national(e164));
	}
	sqlite3_reset(stmt);
	return FP_OK;
}

/* "雨露计划:已报名，返乡创业:已申请" over the household's members. */
static enum fp_err
load_programs(struct store *st, const struct svc_ctx *ctx,
    const char *lang, const char *household_id, struct household_summary *p)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	size_t n = 0;

	err = store_stmt(st, "SELECT p.name, e.status FROM enrollments e "
	    "JOIN members m USING (member_id) JOIN programs p ON "
	    "p.code = e.program WHERE m.household_id = ?1 "
	    "GROUP BY e.program ORDER BY e.program", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, household_id, -1, SQLITE_STATIC);
	p->programs[0] = '\0';
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		char tpl[48], status_word[64];
		const unsigned char *name = sqlite3_column_text(stmt, 0);
		const unsigned char *status = sqlite3_column_text(stmt, 1);
		int r;

		snprintf(tpl, sizeof(tpl), "enroll_status_%s",
		    status != NULL ? (const char *)status : "");
		if (svc_word(ctx, lang, tpl, status_word,
		    sizeof(status_word)) != FP_OK)
			continue;
		r = snprintf(p->programs + n, sizeof(p->programs) - n,
		    "%s%s:%s", n > 0 ? "," : "", name != NULL ?
		    (const char *)name : "", status_word);
		if (r < 0 || (size_t)r >= sizeof(p->programs) - n) {
			p->programs[n] = '\0';	/* never half a character */
			break;
		}
		n += (size_t)r;
	}
	sqlite3_reset(stmt);
	if (n == 0)
		return svc_word(ctx, lang, "none", p->programs,
		    sizeof(p->programs));
	return FP_OK;
}

static enum fp_err
load_payment_and_training(struct store *st, const struct svc_ctx *ctx,
    const char *lang, const char *household_id, const char *area_code,
    int64_t now, struct household_summary *p)
{
	char today[11];
	sqlite3_stmt *stmt;
	enum fp_err err;

	err = svc_word(ctx, lang, "none", p->payment, sizeof(p->payment));
	if (err == FP_OK)
		err = svc_word(ctx, lang, "none", p->training,
		    sizeof(p->training));
	if (err == FP_OK)
		err = store_stmt(st, "SELECT amount_fen, paid_on FROM payments "
		    "WHERE household_id = ?1 ORDER BY paid_on DESC LIMIT 1",
		    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, household_id, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		int64_t fen = sqlite3_column_int64(stmt, 0);
		const unsigned char *on = sqlite3_column_text(stmt, 1);

		if (fen % 100 == 0)
			snprintf(p->payment, sizeof(p->payment), "%lld(%s)",
			    (long long)(fen / 100), on != NULL ?
			    (const char *)on : "");
		else
			snprintf(p->payment, sizeof(p->payment),
			    "%lld.%02lld(%s)", (long long)(fen / 100),
			    (long long)(fen % 100), on != NULL ?
			    (const char *)on : "");
	}
	sqlite3_reset(stmt);
	/* Nearby: a training whose area contains the household's. */
	schedule_day(now, today);
	err = store_stmt(st, "SELECT title, starts_on, location FROM "
	    "trainings WHERE ?1 LIKE area_code || '%' AND starts_on >= ?2 "
	    "ORDER BY starts_on, training_id LIMIT 1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, area_code, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, today, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(stmt, 0);
		const unsigned char *s = sqlite3_column_text(stmt, 1);
		const unsigned char *l = sqlite3_column_text(stmt, 2);

		snprintf(p->training, sizeof(p->training), "%s %s %s",
		    t != NULL ? (const char *)t : "",
		    s != NULL ? (const char *)s : "",
		    l != NULL ? (const char *)l : "");
	}
	sqlite3_reset(stmt);
	return FP_OK;
}

enum fp_err
household_summary_load(struct store *st, const struct svc_ctx *ctx,
    const char *lang, const char *household_id, const char *area_code,
    int64_t now, struct household_summary *p)
{
	enum fp_err err;

	memset(p, 0, sizeof(*p));
	err = load_household(st, ctx, lang, household_id, p);
	if (err == FP_OK)
		err = load_programs(st, ctx, lang, household_id, p);
	if (err == FP_OK)
		err = load_payment_and_training(st, ctx, lang, household_id,
		    area_code, now, p);
	return err;
}

static enum fp_err
render(const struct svc_ctx *ctx, const char *lang,
    const struct household_summary *p, struct svc_msg *out)
{
	const struct tpl_var vars[] = {
		{ "name", p->name },
		{ "status_text", p->status_word },
		{ "cadre_name", p->cadre_name },
		{ "cadre_phone", p->cadre_phone },
		{ "programs", p->programs },
		{ "payment", p->payment },
		{ "training", p->training },
	};

	return svc_reply(ctx, lang, "cx_status", vars,
	    sizeof(vars) / sizeof(vars[0]), out);
}

static bool
too_long(const char *text)
{
	struct gsm_count c;

	return gsm_count(text, strlen(text), &c) == FP_OK &&
	    c.segments > HH_TEXT_MAX_SEGMENTS;
}

enum fp_err
household_summary_msg(const struct svc_ctx *ctx, const char *lang,
    const struct household_summary *summary, struct svc_msg *out)
{
	struct household_summary p = *summary;
	enum fp_err err;

	err = render(ctx, lang, &p, out);
	if (err != FP_OK || !too_long(out->text))
		return err;
	/* Two SMS at most: drop the training, then shorten the programs. */
	err = svc_word(ctx, lang, "none", p.training, sizeof(p.training));
	if (err == FP_OK)
		err = render(ctx, lang, &p, out);
	if (err != FP_OK || !too_long(out->text))
		return err;
	err = svc_word(ctx, lang, "none", p.programs, sizeof(p.programs));
	if (err == FP_OK)
		err = render(ctx, lang, &p, out);
	return err;
}

enum fp_err
household_summary_text(const struct svc_ctx *ctx, const char *lang,
    const struct household_summary *summary, char **out)
{
	struct svc_msg m = SVC_MSG_INIT;
	enum fp_err err;

	*out = NULL;
	err = household_summary_msg(ctx, lang, summary, &m);
	if (err == FP_OK) {
		*out = m.text;
		m.text = NULL;
	}
	svc_msg_cleanup(&m);
	return err;
}
