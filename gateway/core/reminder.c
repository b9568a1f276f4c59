/*
 * reminder.c: daily reminders from the configuration (see reminder.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broadcast.h"
#include "log.h"
#include "reminder.h"
#include "schedule.h"

static const char *const training_vars[] = { "training_title",
    "starts_on", "location" };

/* The request a reminder makes (strings borrowed from cfg). */
static void
reminder_req(const struct cfg_reminder *rm, struct broadcast_req *r)
{
	memset(r, 0, sizeof(*r));
	r->template_name = rm->template_name;
	snprintf(r->audience.area, sizeof(r->audience.area), "%s", rm->area);
	snprintf(r->audience.program, sizeof(r->audience.program), "%s",
	    rm->program);
	snprintf(r->audience.enrollment, sizeof(r->audience.enrollment), "%s",
	    rm->enrollment);
	snprintf(r->audience.status, sizeof(r->audience.status), "%s",
	    rm->status);
	snprintf(r->audience.language, sizeof(r->audience.language), "%s",
	    rm->language);
	r->created_by = "reminder";
	r->kind = "reminder";
	r->scope = "";
}

enum fp_err
reminder_check(const struct svc_ctx *ctx, const char **name, const char **why)
{
	size_t i, k;

	for (i = 0; i < ctx->cfg->n_reminders; i++) {
		const struct cfg_reminder *rm = &ctx->cfg->reminders[i];
		struct broadcast_req r;
		const char *missing = NULL;

		reminder_req(rm, &r);
		if (rm->type == CFG_REMINDER_TRAINING)
			for (k = 0; k < 3; k++)
				r.vars[r.n_vars++] = (struct tpl_var){
				    training_vars[k], "x" };
		if (broadcast_check(ctx, &r, why, &missing) != FP_OK) {
			*name = rm->name;
			return FP_EINVAL;
		}
		if (rm->type == CFG_REMINDER_DATED && *rm->on == '\0') {
			*name = rm->name;
			*why = "a dated reminder needs on = \"MM-DD ...\"";
			return FP_EINVAL;
		}
	}
	return FP_OK;
}

static enum fp_err
exists(struct store *st, const char *key, bool *yes)
{
	sqlite3_stmt *stmt;
	enum fp_err err;

	err = store_stmt(st, "SELECT 1 FROM broadcasts WHERE reminder_key = ?1",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	*yes = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_reset(stmt);
	return FP_OK;
}

/* Create it unless its key exists; the broadcaster resolves it. */
static enum fp_err
create_once(struct store *st, struct broadcast_req *r, const char *key,
    int64_t now, int *created)
{
	int64_t id;
	bool yes;
	enum fp_err err;

	err = exists(st, key, &yes);
	if (err != FP_OK || yes)
		return err;
	r->reminder_key = key;
	r->send_at = now;
	err = broadcast_insert(st, r, now, &id);
	if (err == FP_OK) {
		log_info("reminder.create key=%s broadcast=%lld", key,
		    (long long)id);
		(*created)++;
	}
	return err;
}

static bool
on_day(const char *on, const char *day)
{
	/* day "YYYY-MM-DD"; on "MM-DD MM-DD ..." */
	for (; strlen(on) >= 5; on += on[5] == ' ' ? 6 : 5)
		if (strncmp(on, day + 5, 5) == 0)
			return true;
	return false;
}

/* The trainings that start `days` days after `day`, one by one. */
static enum fp_err
training_reminders(struct store *st, const struct cfg_reminder *rm,
    const char *day, int64_t now, int *created)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	struct {
		char	 id[40], program[16], title[256], starts[16], loc[256];
		char	 area[16];
	} t[32];
	int n = 0, i;

	err = store_stmt(st, "SELECT training_id, program, title, starts_on, "
	    "ifnull(location, ''), area_code FROM trainings WHERE starts_on = "
	    "date(?1, '+' || ?2 || ' days') AND (?3 = '' OR program = ?3) "
	    "ORDER BY training_id LIMIT 32", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, day, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, rm->days_before);
	sqlite3_bind_text(stmt, 3, rm->program, -1, SQLITE_STATIC);
	while (n < 32 && sqlite3_step(stmt) == SQLITE_ROW) {
		store_column_copy(stmt, 0, t[n].id, sizeof(t[n].id));
		store_column_copy(stmt, 1, t[n].program, sizeof(t[n].program));
		store_column_copy(stmt, 2, t[n].title, sizeof(t[n].title));
		store_column_copy(stmt, 3, t[n].starts, sizeof(t[n].starts));
		store_column_copy(stmt, 4, t[n].loc, sizeof(t[n].loc));
		store_column_copy(stmt, 5, t[n].area, sizeof(t[n].area));
		n++;
	}
	sqlite3_reset(stmt);
	for (i = 0; err == FP_OK && i < n; i++) {
		struct broadcast_req r;
		char key[160];

		reminder_req(rm, &r);
		/* Its members: enrolled in its program, under its area. */
		snprintf(r.audience.program, sizeof(r.audience.program), "%s",
		    t[i].program);
		if (*r.audience.enrollment == '\0')
			snprintf(r.audience.enrollment,
			    sizeof(r.audience.enrollment), "enrolled");
		snprintf(r.audience.area, sizeof(r.audience.area), "%s",
		    t[i].area);
		r.vars[r.n_vars++] = (struct tpl_var){ "training_title",
		    t[i].title };
		r.vars[r.n_vars++] = (struct tpl_var){ "starts_on", t[i].starts };
		r.vars[r.n_vars++] = (struct tpl_var){ "location", t[i].loc };
		snprintf(key, sizeof(key), "%s/%s/%s", rm->name, day, t[i].id);
		err = create_once(st, &r, key, now, created);
	}
	return err;
}

enum fp_err
reminder_run(struct store *st, const struct svc_ctx *ctx, int64_t now,
    int *created)
{
	char day[11], key[160];
	enum fp_err err = FP_OK;
	size_t i;

	*created = 0;
	schedule_day(now, day);
	for (i = 0; err == FP_OK && i < ctx->cfg->n_reminders; i++) {
		const struct cfg_reminder *rm = &ctx->cfg->reminders[i];
		struct broadcast_req r;

		if (now < schedule_today_at(now, rm->at_min))
			continue;	/* later today */
		if (rm->type == CFG_REMINDER_TRAINING) {
			err = training_reminders(st, rm, day, now, created);
			continue;
		}
		if (!on_day(rm->on, day))
			continue;
		reminder_req(rm, &r);
		snprintf(key, sizeof(key), "%s/%s", rm->name, day);
		err = create_once(st, &r, key, now, created);
	}
	return err;
}
