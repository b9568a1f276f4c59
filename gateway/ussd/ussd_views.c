/*
 * ussd_views.c: the data behind the menu's screens and the changes
 * they make (see ussd_views.h).  Names here are the vocabulary of
 * templates/menu.conf; ussd_menu.c refuses any other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "service_ops.h"
#include "household.h"
#include "schedule.h"
#include "ussd_views.h"

const char *const ussd_view_names[] = { "household_status", "training",
    "program", "enrollment", "task", "cadre", NULL };
const char *const ussd_list_names[] = { "trainings", "tasks", "callbacks",
    NULL };
const char *const ussd_action_names[] = { "enroll", "feedback", "callback",
    "ack", "language", NULL };

/* What each provides to the texts (fupinctl templates check). */
static const char *const household_vars[] = { "name", "status_text",
    "cadre_name", "cadre_phone", "programs", "payment", "training", NULL };
static const char *const training_vars[] = { "training_title", "starts_on",
    "location", "ends_on", NULL };
static const char *const program_vars[] = { "program_name", NULL };
static const char *const enrollment_vars[] = { "program_name", "enrollment",
    "subsidy", NULL };
static const char *const task_vars[] = { "task", "task_text", "due", "phone",
    "name", "household_id", NULL };
static const char *const cadre_vars[] = { "cadre_name", "cadre_phone",
    NULL };
static const char *const none[] = { NULL };
static const char *const enroll_result[] = { "program_name", NULL };
static const char *const feedback_result[] = { "ticket", NULL };
static const char *const callback_result[] = { "task", NULL };

static const struct {
	const char		*name;
	const char *const	*vars;
} provides[] = {
	{ "view:household_status", household_vars },
	{ "view:training", training_vars },
	{ "view:program", program_vars },
	{ "view:enrollment", enrollment_vars },
	{ "view:task", task_vars },
	{ "view:cadre", cadre_vars },
	{ "list:trainings", training_vars },
	{ "list:tasks", task_vars },
	{ "list:callbacks", task_vars },
	{ "action:enroll", enroll_result },
	{ "action:feedback", feedback_result },
	{ "action:callback", callback_result },
	{ "action:ack", none },
	{ "action:language", none },
};

#define TASK_TEXT_SHOWN 60	/* characters of a task in a list line */

const char *const *
ussd_provides(const char *kind, const char *name)
{
	char key[64];
	size_t i;

	snprintf(key, sizeof(key), "%s:%s", kind, name);
	for (i = 0; i < sizeof(provides) / sizeof(provides[0]); i++)
		if (strcmp(provides[i].name, key) == 0)
			return provides[i].vars;
	return none;
}

void
ussd_tvars_add(struct ussd_tvars *tv, const char *name, const char *value)
{
	size_t n = strlen(value);

	if (tv->n == USSD_TVARS_MAX || tv->used + n + 1 > sizeof(tv->buf))
		return;
	memcpy(tv->buf + tv->used, value, n + 1);
	tv->v[tv->n].name = name;
	tv->v[tv->n].value = tv->buf + tv->used;
	tv->n++;
	tv->used += n + 1;
}

/* The household the session may show: verified, else none. */
static const char *
household_of(const struct ussd_call *c)
{
	return c->state->verified && *c->state->household_id != '\0' ?
	    c->state->household_id : NULL;
}

/* A one-word SMS template ("none", "status_poor") into tv as `name`. */
static enum fp_err
add_word(const struct ussd_call *c, struct ussd_tvars *tv, const char *name,
    const char *word)
{
	char *w = NULL;
	enum fp_err err;

	err = svc_text(c->ctx, c->state->lang, word, NULL, 0, &w);
	if (err != FP_OK)
		return err;
	ussd_tvars_add(tv, name, w);
	free(w);
	return FP_OK;
}

static const char *
col(sqlite3_stmt *stmt, int i)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);

	return s != NULL ? (const char *)s : "";
}

/* The caller's area for "nearby": the household's, else anywhere. */
static enum fp_err
area_of(const struct ussd_call *c, char *out, size_t len)
{
	const char *hh = household_of(c);
	sqlite3_stmt *stmt;
	enum fp_err err;

	snprintf(out, len, "%s", c->who->area_code);
	if (hh == NULL)
		return FP_OK;
	err = store_stmt(c->st, "SELECT area_code FROM households WHERE "
	    "household_id = ?1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, hh, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		store_column_copy(stmt, 0, out, len);
	sqlite3_reset(stmt);
	return FP_OK;
}

/* ---- views ---------------------------------------------------------- */

static enum fp_err
view_household(const struct ussd_call *c, struct ussd_tvars *tv)
{
	struct household_summary *p;
	char area[SVC_AREA_MAX];
	enum fp_err err;

	if (household_of(c) == NULL)
		return FP_ENOTFOUND;
	err = area_of(c, area, sizeof(area));
	if (err != FP_OK)
		return err;
	p = malloc(sizeof(*p));
	if (p == NULL)
		return FP_ENOMEM;
	err = household_summary_load(c->st, c->ctx, c->state->lang,
	    household_of(c), area, c->now, p);
	if (err == FP_OK) {
		ussd_tvars_add(tv, "name", p->name);
		ussd_tvars_add(tv, "status_text", p->status_word);
		ussd_tvars_add(tv, "cadre_name", p->cadre_name);
		ussd_tvars_add(tv, "cadre_phone", p->cadre_phone);
		ussd_tvars_add(tv, "programs", p->programs);
		ussd_tvars_add(tv, "payment", p->payment);
		ussd_tvars_add(tv, "training", p->training);
	}
	free(p);
	return err;
}

static enum fp_err
view_training(const struct ussd_call *c, struct ussd_tvars *tv)
{
	const char *id = ussd_var_get(c->state, "training");
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	if (id == NULL)
		return FP_ENOTFOUND;
	err = store_stmt(c->st, "SELECT title, starts_on, ifnull(location, "
	    "''), ifnull(ends_on, '') FROM trainings WHERE training_id = ?1",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		ussd_tvars_add(tv, "training_title", col(stmt, 0));
		ussd_tvars_add(tv, "starts_on", col(stmt, 1));
		ussd_tvars_add(tv, "location", col(stmt, 2));
		ussd_tvars_add(tv, "ends_on", col(stmt, 3));
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
	return FP_OK;
}

static enum fp_err
view_program(const struct ussd_call *c, struct ussd_tvars *tv)
{
	char name[128];
	bool found;
	enum fp_err err;

	err = ops_program_name(c->st, c->param != NULL ? c->param : "", name,
	    sizeof(name), &found);
	if (err != FP_OK)
		return err;
	if (!found)
		return FP_ENOTFOUND;
	ussd_tvars_add(tv, "program_name", name);
	return FP_OK;
}

/* The household's enrollment in the program and what it was paid. */
static enum fp_err
view_enrollment(const struct ussd_call *c, struct ussd_tvars *tv)
{
	const char *hh = household_of(c);
	char word[48] = "none", paid[96] = "";
	sqlite3_stmt *stmt;
	enum fp_err err;

	if (hh == NULL)
		return FP_ENOTFOUND;
	err = view_program(c, tv);
	if (err == FP_OK)
		err = store_stmt(c->st, "SELECT e.status FROM enrollments e "
		    "JOIN members m USING (member_id) WHERE m.household_id = ?1"
		    " AND e.program = ?2 ORDER BY CASE e.status WHEN 'enrolled' "
		    "THEN 0 WHEN 'completed' THEN 1 ELSE 2 END LIMIT 1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, hh, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, c->param, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(word, sizeof(word), "enroll_status_%s", col(stmt, 0));
	sqlite3_reset(stmt);
	err = add_word(c, tv, "enrollment", word);
	if (err != FP_OK)
		return err;
	err = store_stmt(c->st, "SELECT sum(amount_fen), max(paid_on) FROM "
	    "payments WHERE household_id = ?1 AND program = ?2 HAVING "
	    "count(*) > 0", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, hh, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, c->param, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		int64_t fen = sqlite3_column_int64(stmt, 0);

		/* As CX shows it: yuan, with fen only when there are any. */
		if (fen % 100 == 0)
			snprintf(paid, sizeof(paid), "%lld(%s)",
			    (long long)(fen / 100), col(stmt, 1));
		else
			snprintf(paid, sizeof(paid), "%lld.%02lld(%s)",
			    (long long)(fen / 100), (long long)(fen % 100),
			    col(stmt, 1));
	}
	sqlite3_reset(stmt);
	if (*paid != '\0') {
		ussd_tvars_add(tv, "subsidy", paid);
		return FP_OK;
	}
	return add_word(c, tv, "subsidy", "none");
}

static enum fp_err
view_task(const struct ussd_call *c, struct ussd_tvars *tv)
{
	const char *task = ussd_var_get(c->state, "task");
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	if (task == NULL)
		return FP_ENOTFOUND;
	err = store_stmt(c->st, "SELECT t.text, ifnull(t.due, ''), "
	    "ifnull(t.msisdn, ''), ifnull(h.head_name, ''), "
	    "ifnull(t.household_id, '') FROM tasks t LEFT JOIN households h "
	    "USING (household_id) WHERE t.task_number = ?1 AND t.cadre_id = ?2",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, task, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, c->who->cadre_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		ussd_tvars_add(tv, "task", task);
		ussd_tvars_add(tv, "task_text", col(stmt, 0));
		ussd_tvars_add(tv, "due", col(stmt, 1));
		ussd_tvars_add(tv, "phone", msisdn_national(col(stmt, 2)));
		ussd_tvars_add(tv, "name", col(stmt, 3));
		ussd_tvars_add(tv, "household_id", col(stmt, 4));
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? FP_ENOTFOUND : store_err(rc);
	return FP_OK;
}

/* The cadre responsible for the caller's household, or "none". */
static enum fp_err
view_cadre(const struct ussd_call *c, struct ussd_tvars *tv)
{
	const char *hh = household_of(c);
	sqlite3_stmt *stmt;
	enum fp_err err;
	bool found = false;

	if (hh == NULL && c->who->is_member)
		hh = c->who->household_id;
	if (hh != NULL) {
		err = store_stmt(c->st, "SELECT c.name, c.phone FROM households h"
		    " JOIN cadres c USING (cadre_id) WHERE h.household_id = ?1",
		    &stmt);
		if (err != FP_OK)
			return err;
		sqlite3_bind_text(stmt, 1, hh, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) == SQLITE_ROW) {
			ussd_tvars_add(tv, "cadre_name", col(stmt, 0));
			ussd_tvars_add(tv, "cadre_phone",
			    msisdn_national(col(stmt, 1)));
			found = true;
		}
		sqlite3_reset(stmt);
	}
	if (found)
		return FP_OK;
	err = add_word(c, tv, "cadre_name", "none");
	if (err == FP_OK)
		err = add_word(c, tv, "cadre_phone", "none");
	return err;
}

enum fp_err
ussd_view(const struct ussd_call *c, const char *name, struct ussd_tvars *tv)
{
	if (strcmp(name, "household_status") == 0)
		return view_household(c, tv);
	if (strcmp(name, "training") == 0)
		return view_training(c, tv);
	if (strcmp(name, "program") == 0)
		return view_program(c, tv);
	if (strcmp(name, "enrollment") == 0)
		return view_enrollment(c, tv);
	if (strcmp(name, "task") == 0)
		return view_task(c, tv);
	if (strcmp(name, "cadre") == 0)
		return view_cadre(c, tv);
	return FP_ENOTFOUND;
}

/* ---- lists ---------------------------------------------------------- */

static enum fp_err
list_trainings(const struct ussd_call *c, ussd_item_fn *fn, void *arg)
{
	char area[SVC_AREA_MAX], day[11];
	sqlite3_stmt *stmt;
	enum fp_err err;

	err = area_of(c, area, sizeof(area));
	if (err == FP_OK)
		err = store_stmt(c->st, "SELECT training_id, title, starts_on, "
		    "ifnull(location, '') FROM trainings WHERE program = ?1 AND "
		    "starts_on >= ?2 AND ?3 LIKE area_code || '%' ORDER BY "
		    "starts_on, training_id LIMIT ?4", &stmt);
	if (err != FP_OK)
		return err;
	schedule_day(c->now, day);
	sqlite3_bind_text(stmt, 1, c->param != NULL ? c->param : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, day, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, area, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, USSD_LIST_MAX);
	while (err == FP_OK && sqlite3_step(stmt) == SQLITE_ROW) {
		struct ussd_tvars tv;

		tv.n = tv.used = 0;
		ussd_tvars_add(&tv, "training_title", col(stmt, 1));
		ussd_tvars_add(&tv, "starts_on", col(stmt, 2));
		ussd_tvars_add(&tv, "location", col(stmt, 3));
		err = fn(arg, col(stmt, 0), &tv);
	}
	sqlite3_reset(stmt);
	return err;
}

/* A task's text as a list line shows it: its first characters. */
static void
shorten(const char *s, char *out, size_t len)
{
	size_t i = 0, chars = 0;

	while (s[i] != '\0' && chars < TASK_TEXT_SHOWN && i + 4 < len) {
		i++;
		while (((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		chars++;
	}
	memcpy(out, s, i);
	out[i] = '\0';
}

static enum fp_err
list_tasks(const struct ussd_call *c, const char *kind, ussd_item_fn *fn,
    void *arg)
{
	sqlite3_stmt *stmt;
	enum fp_err err;

	/* Newest first: what came in last is what a cadre asks about. */
	err = store_stmt(c->st, "SELECT t.task_number, t.text, "
	    "ifnull(t.due, ''), ifnull(t.msisdn, ''), ifnull(h.head_name, '') "
	    "FROM tasks t LEFT JOIN households h USING (household_id) "
	    "WHERE t.cadre_id = ?1 AND t.kind = ?2 AND t.status = 'open' "
	    "ORDER BY t.id DESC LIMIT ?3", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, c->who->cadre_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, USSD_LIST_MAX);
	while (err == FP_OK && sqlite3_step(stmt) == SQLITE_ROW) {
		struct ussd_tvars tv;
		char text[TASK_TEXT_SHOWN * 4 + 4];

		tv.n = tv.used = 0;
		shorten(col(stmt, 1), text, sizeof(text));
		ussd_tvars_add(&tv, "task", col(stmt, 0));
		ussd_tvars_add(&tv, "task_text", text);
		ussd_tvars_add(&tv, "due", col(stmt, 2));
		ussd_tvars_add(&tv, "phone", msisdn_national(col(stmt, 3)));
		ussd_tvars_add(&tv, "name", col(stmt, 4));
		err = fn(arg, col(stmt, 0), &tv);
	}
	sqlite3_reset(stmt);
	return err;
}

enum fp_err
ussd_list(const struct ussd_call *c, const char *name, ussd_item_fn *fn,
    void *arg)
{
	if (strcmp(name, "trainings") == 0)
		return list_trainings(c, fn, arg);
	if (strcmp(name, "tasks") == 0)
		return c->who->is_cadre ? list_tasks(c, "alert", fn, arg) :
		    FP_OK;
	if (strcmp(name, "callbacks") == 0)
		return c->who->is_cadre ? list_tasks(c, "callback", fn, arg) :
		    FP_OK;
	return FP_ENOTFOUND;
}

const char *
ussd_list_var(const char *name)
{
	return strcmp(name, "trainings") == 0 ? "training" : "task";
}

/* ---- actions -------------------------------------------------------- */

static enum fp_err
act_enroll(const struct ussd_call *c, bool *failed)
{
	char name[128];
	bool found;
	enum fp_err err;

	err = ops_program_name(c->st, c->param != NULL ? c->param : "", name,
	    sizeof(name), &found);
	if (err != FP_OK)
		return err;
	if (!found || household_of(c) == NULL || *c->state->member_id == '\0') {
		*failed = true;
		return FP_OK;
	}
	ussd_var_set(c->state, "program_name", name);
	return ops_enroll_request(c->st, c->ctx, c->state->member_id,
	    c->state->household_id, c->who->msisdn, c->param,
	    c->state->channel, c->now);
}

static enum fp_err
act_feedback(const struct ussd_call *c, bool *failed)
{
	const char *text = ussd_var_get(c->state, "text");
	char ticket[OPS_TICKET_MAX];
	struct svc_caller who = *c->who;
	enum fp_err err;

	if (text == NULL || *text == '\0') {
		*failed = true;
		return FP_OK;
	}
	/* A caller who passed the ID challenge speaks for that household. */
	if (household_of(c) != NULL && strcmp(who.household_id,
	    c->state->household_id) != 0) {
		snprintf(who.household_id, sizeof(who.household_id), "%s",
		    c->state->household_id);
		err = area_of(c, who.area_code, sizeof(who.area_code));
		if (err != FP_OK)
			return err;
	}
	err = ops_feedback_create(c->st, c->ctx, &who, ussd_var_get(c->state,
	    "category"), text, c->state->channel, 0, c->now, ticket);
	if (err == FP_OK)
		ussd_var_set(c->state, "ticket", ticket);
	return err;
}

static enum fp_err
act_callback(const struct ussd_call *c, bool *failed)
{
	char task[OPS_TICKET_MAX];
	bool has_cadre;
	enum fp_err err;

	if (household_of(c) == NULL) {
		*failed = true;
		return FP_OK;
	}
	err = ops_callback_request(c->st, c->state->household_id,
	    c->who->msisdn, "", c->now, task, &has_cadre);
	if (err != FP_OK)
		return err;
	if (!has_cadre)
		*failed = true;
	else
		ussd_var_set(c->state, "task", task);
	return FP_OK;
}

static enum fp_err
act_ack(const struct ussd_call *c, bool *failed)
{
	const char *task = ussd_var_get(c->state, "task");
	enum ops_ack_result result;
	enum fp_err err;

	if (!c->who->is_cadre || task == NULL) {
		*failed = true;
		return FP_OK;
	}
	err = ops_task_ack(c->st, c->who->cadre_id, task, c->state->channel,
	    c->now, &result);
	if (err == FP_OK && result == OPS_ACK_UNKNOWN)
		*failed = true;
	return err;
}

static enum fp_err
act_language(const struct ussd_call *c, bool *failed)
{
	static const char *const langs[] = { "zh", "ii", "bo", "en" };
	const char *lang = ussd_var_get(c->state, "lang");
	size_t i;

	for (i = 0; lang != NULL && i < sizeof(langs) / sizeof(langs[0]); i++)
		if (strcmp(lang, langs[i]) == 0) {
			snprintf(c->state->lang, sizeof(c->state->lang), "%s",
			    lang);
			return ops_language_set(c->st, c->who->msisdn, lang,
			    c->now);
		}
	*failed = true;
	return FP_OK;
}

enum fp_err
ussd_action(const struct ussd_call *c, const char *name, bool *failed)
{
	*failed = false;
	if (strcmp(name, "enroll") == 0)
		return act_enroll(c, failed);
	if (strcmp(name, "feedback") == 0)
		return act_feedback(c, failed);
	if (strcmp(name, "callback") == 0)
		return act_callback(c, failed);
	if (strcmp(name, "ack") == 0)
		return act_ack(c, failed);
	if (strcmp(name, "language") == 0)
		return act_language(c, failed);
	log_warnx("ussd.action unknown=%s", name);
	return FP_EINVAL;
}

/* ---- the console's sandbox (console_phone.h) ----------------------- */

enum fp_err
ussd_action_sandbox(const struct ussd_call *c, const char *name,
    bool *failed)
{
	static const char *const langs[] = { "zh", "ii", "bo", "en" };
	const char *v;
	char program[128];
	bool found = false;
	size_t i;
	enum fp_err err;

	*failed = false;
	if (strcmp(name, "feedback") == 0) {
		v = ussd_var_get(c->state, "text");
		if (v == NULL || *v == '\0')
			*failed = true;
		else
			ussd_var_set(c->state, "ticket", "F0");
		return FP_OK;
	}
	if (strcmp(name, "enroll") == 0) {
		/* The villager sees the program's name; nothing is asked. */
		err = ops_program_name(c->st, c->param != NULL ? c->param : "",
		    program, sizeof(program), &found);
		if (err != FP_OK)
			return err;
		if (!found || household_of(c) == NULL)
			*failed = true;
		else
			ussd_var_set(c->state, "program_name", program);
		return FP_OK;
	}
	if (strcmp(name, "callback") == 0) {
		if (household_of(c) == NULL)
			*failed = true;
		else
			ussd_var_set(c->state, "task", "T0");
		return FP_OK;
	}
	if (strcmp(name, "ack") == 0) {
		*failed = !c->who->is_cadre || ussd_var_get(c->state, "task") ==
		    NULL;
		return FP_OK;
	}
	if (strcmp(name, "language") == 0) {
		/* This dialogue goes on in it; the number remembers nothing. */
		v = ussd_var_get(c->state, "lang");
		for (i = 0; v != NULL && i < sizeof(langs) / sizeof(langs[0]);
		    i++)
			if (strcmp(v, langs[i]) == 0) {
				snprintf(c->state->lang, sizeof(c->state->lang),
				    "%s", v);
				return FP_OK;
			}
		*failed = true;
		return FP_OK;
	}
	log_warnx("ussd.action unknown=%s", name);
	return FP_EINVAL;
}
