/*
 * ctl_templates.c: fupinctl templates check.  What a program office
 * changes in templates/ is checked before the gateway is restarted with
 * it (and by CI on the shipped texts):
 *   - templates/menu.conf reads and makes sense (ussd_menu_load);
 *   - every text exists in every language (zh ii bo en);
 *   - every {variable} is one that the code provides where the text is
 *     used, so no message ever fails to render;
 *   - every menu screen, rendered with the longest realistic data, cuts
 *     into pages that fit the USSD and SMS limits; a menu of options
 *     that needs more than one USSD page is a warning (98 to see the
 *     rest is poor for a villager);
 *   - every SMS reply fits two SMS.
 * Prints one line per problem ("PATH: message"), then a summary.  Exit
 * 0 when clean (warnings allowed), 65 when not.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ctl.h"
#include "gsm.h"
#include "strbuf.h"
#include "templates.h"
#include "ussd_menu.h"
#include "ussd_page.h"
#include "ussd_views.h"

static const char *const langs[] = { "zh", "ii", "bo", "en" };
#define N_LANGS (sizeof(langs) / sizeof(langs[0]))

/* The longest realistic value of every variable any code provides. */
static const struct tpl_var samples[] = {
	{ "name", "阿苏拉则木呷" },
	{ "status_text", "已脱贫（监测）" },
	{ "cadre_name", "欧阳建华" },
	{ "cadre_phone", "19908349001" },
	{ "programs", "雨露计划:已报名,返乡创业:申请中,扶贫小额信贷:已完成" },
	{ "payment", "12000.50(2026-03-01)" },
	{ "training", "电子商务直播带货培训 2027-03-15 通江县职业高级中学" },
	{ "training_title", "电子商务与农产品直播带货实操培训" },
	{ "starts_on", "2027-03-15" },
	{ "ends_on", "2027-03-29" },
	{ "location", "通江县职业高级中学实训楼" },
	{ "program_name", "扶贫小额信贷" },
	{ "enrollment", "申请中" },
	{ "subsidy", "12000.50(2026-03-01)" },
	{ "task", "T123456" },
	{ "task_text", "请于本周五前入户核实吉克阿木家住房安全情况并上传照片，"
	    "同时核对其子女雨露计划补助" },
	{ "due", "2026-12-31" },
	{ "phone", "19908349001" },
	{ "household_id", "HH513431000001" },
	{ "ticket", "F123456" },
	{ "text", "村口到小学的路灯已经坏了三个多月，晚上孩子放学走路很危险，"
	    "希望尽快派人修理。另外饮水管道冬天经常冻裂，请一并考虑。"
	    "谢谢帮扶干部和各位领导的关心，我们全家都很感激。路灯问题已经"
	    "向村委会反映过两次，还没有解决，麻烦尽快处理。" },
	{ "category", "infrastructure" },
	{ "lang", "zh" },
	{ "left", "2" },
	{ "minutes", "60" },
	{ "codes", "YL雨露计划 CY返乡创业 XD扶贫小额信贷" },
	{ "code", "YL" },
};
#define N_SAMPLES (sizeof(samples) / sizeof(samples[0]))

/* Texts the engine shows by itself (ussd_engine.c). */
static const char *const engine_keys[] = { "nav_more", "nav_back",
    "nav_main", "invalid", "verify_id6", "verify_household",
    "verify_failed", "locked", "not_cadre", "session_too_long",
    "unavailable", "unknown_service", NULL };

struct check {
	const struct cfg	*cfg;
	const struct templates	*tpl;
	const struct ussd_menu	*menu;
	int			 problems;
	int			 warnings;
};

static void
problem(struct check *c, const char *lang, const char *group,
    const char *name, const char *msg)
{
	printf("%s/%s/%s/%s.txt: %s\n", c->cfg->templates.dir, lang, group,
	    name, msg);
	c->problems++;
}

/* ---- every text in every language ----------------------------------- */

static void
completeness_one(const char *lang, const char *group, const char *name,
    void *arg)
{
	struct check *c = arg;
	size_t i;

	(void)lang;
	for (i = 0; i < N_LANGS; i++)
		if (!templates_has(c->tpl, langs[i], group, name)) {
			char msg[128];

			/* Reported once, from the first language that has it. */
			if (strcmp(lang, langs[0]) != 0 &&
			    templates_has(c->tpl, langs[0], group, name))
				continue;
			snprintf(msg, sizeof(msg), "missing (%s has it)", lang);
			problem(c, langs[i], group, name, msg);
		}
}

/* ---- variables ---------------------------------------------------------- */

struct varset {
	struct tpl_var	 v[64];
	size_t		 n;
};

static const char *
sample_of(const char *name)
{
	size_t i;

	for (i = 0; i < N_SAMPLES; i++)
		if (strcmp(samples[i].name, name) == 0)
			return samples[i].value;
	return NULL;
}

static void
varset_add(struct varset *vs, const char *name)
{
	const char *v = sample_of(name);
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (strcmp(vs->v[i].name, name) == 0)
			return;
	if (vs->n < sizeof(vs->v) / sizeof(vs->v[0]))
		vs->v[vs->n++] = (struct tpl_var){ name, v != NULL ? v : "x" };
}

static void
varset_add_all(struct varset *vs, const char *const *names)
{
	for (; names != NULL && *names != NULL; names++)
		varset_add(vs, *names);
}

/* What a menu session may hold: choices, inputs, list picks. */
static void
session_vars(const struct ussd_menu *m, struct varset *vs)
{
	size_t i, j;

	vs->n = 0;
	for (i = 0; i < m->n_screens; i++) {
		const struct ussd_screen *sc = &m->screens[i];

		for (j = 0; j < sc->n_options; j++)
			if (sc->options[j].set_name != NULL)
				varset_add(vs, sc->options[j].set_name);
		if (sc->input != NULL)
			varset_add(vs, sc->input);
		if (sc->list != NULL)
			varset_add(vs, ussd_list_var(sc->list));
	}
	varset_add(vs, "left");
	varset_add(vs, "minutes");
}

/* Render or report; *out (may be NULL) gets the text. */
static bool
render(struct check *c, const char *lang, const char *group, const char *key,
    const struct varset *vs, const char *where, char **out)
{
	const char *missing = NULL;
	char *text = NULL, msg[256];
	enum fp_err err;

	if (!templates_has(c->tpl, lang, group, key)) {
		if (strcmp(lang, langs[0]) == 0) {
			snprintf(msg, sizeof(msg), "missing (used by %s)", where);
			problem(c, lang, group, key, msg);
		}
		return false;	/* other languages: reported as incomplete */
	}
	err = templates_render(c->tpl, lang, group, key, vs->v, vs->n, &text,
	    &missing);
	if (err == FP_EINVAL && missing != NULL) {
		snprintf(msg, sizeof(msg), "{%s} is not provided on %s",
		    missing, where);
		problem(c, lang, group, key, msg);
		return false;
	}
	if (err != FP_OK) {
		snprintf(msg, sizeof(msg), "cannot render: %s", fp_strerror(err));
		problem(c, lang, group, key, msg);
		return false;
	}
	if (out != NULL)
		*out = text;
	else
		free(text);
	return true;
}

/* ---- screens -------------------------------------------------------- */

/* Cut body into pages for lim; a problem when it cannot be cut. */
static int
pages_of(struct check *c, const char *lang, const char *body,
    const struct ussd_limits *lim, int depth, const char *where)
{
	char *nav[3] = { NULL, NULL, NULL }, *page = NULL;
	static const char *const keys[3] = { "nav_more", "nav_back",
	    "nav_main" };
	struct varset none = { .n = 0 };
	struct ussd_nav n;
	int n_pages = 0, i;

	for (i = 0; i < 3; i++)
		if (!render(c, lang, "ussd", keys[i], &none, "every screen",
		    &nav[i]))
			goto done;
	/* As the engine shows them: back below the start, main deeper. */
	n = (struct ussd_nav){ nav[0], nav[1], nav[2], depth > 0, depth > 1 };
	if (ussd_page(body, &n, lim, 0, &page, &n_pages) != FP_OK) {
		char msg[160];

		snprintf(msg, sizeof(msg), "cannot be cut into pages of %zu/%zu "
		    "characters (%s)", lim->max_gsm7, lim->max_ucs2, where);
		problem(c, lang, "ussd", "nav_more", msg);
		n_pages = 0;
	}
done:
	free(page);
	for (i = 0; i < 3; i++)
		free(nav[i]);
	return n_pages;
}

static void
check_screen(struct check *c, const char *lang, const struct ussd_screen *sc,
    int depth, const struct varset *session)
{
	const struct ussd_limits ussd_lim = {
		(size_t)c->cfg->ussd.max_chars,
		(size_t)c->cfg->ussd.max_ucs2_chars };
	const struct ussd_limits sms_lim = { 160, 70 };
	struct varset vs = *session, items = { .n = 0 };
	struct strbuf body = STRBUF_INIT;
	char where[96], *t = NULL;
	size_t i;
	int pages;

	snprintf(where, sizeof(where), "screen '%s'", sc->id);
	if (sc->view != NULL)
		varset_add_all(&vs, ussd_provides("view", sc->view));
	if (sc->action != NULL)
		varset_add_all(&vs, ussd_provides("action", sc->action));
	if (sc->fail != NULL && render(c, lang, "ussd", sc->fail, &vs, where,
	    &t)) {
		pages_of(c, lang, t, &ussd_lim, 0, where);
		free(t);
		t = NULL;
	}
	if (!render(c, lang, "ussd", sc->text, &vs, where, &t))
		return;
	/* The screen's body: its text, then a line per option or item. */
	strbuf_adds(&body, t);
	free(t);
	for (i = 0; i < sc->n_options; i++) {
		if (!render(c, lang, "ussd", sc->options[i].text, &vs, where,
		    &t))
			continue;
		strbuf_printf(&body, "\n%zu %s", i + 1, t);
		free(t);
	}
	if (sc->list != NULL) {
		varset_add_all(&items, ussd_provides("list", sc->list));
		for (i = 0; i < 3; i++) {
			if (!render(c, lang, "ussd", sc->item, &items, where,
			    &t))
				break;
			strbuf_printf(&body, "\n%zu %s", i + 1, t);
			free(t);
		}
		if (render(c, lang, "ussd", sc->empty, &vs, where, &t))
			free(t);
	}
	if (body.failed) {
		strbuf_free(&body);
		return;
	}
	pages = pages_of(c, lang, body.s, &ussd_lim, sc->end ? 0 : depth,
	    where);
	if (pages > 1 && sc->n_options > 0) {
		printf("%s/%s/ussd/%s.txt: warning: screen '%s' needs %d USSD "
		    "pages with the longest data\n", c->cfg->templates.dir,
		    lang, sc->text, sc->id, pages);
		c->warnings++;
	}
	pages_of(c, lang, body.s, &sms_lim, sc->end ? 0 : depth, where);
	strbuf_free(&body);
}

/* Steps from a start screen to each screen (for its navigation lines). */
static void
depths(const struct ussd_menu *m, int *d)
{
	size_t i, j;
	bool changed = true;

	for (i = 0; i < m->n_screens; i++)
		d[i] = strcmp(m->screens[i].id, m->villager_start) == 0 ||
		    strcmp(m->screens[i].id, m->cadre_start) == 0 ? 0 : 1000;
	while (changed) {
		changed = false;
		for (i = 0; i < m->n_screens; i++) {
			const struct ussd_screen *sc = &m->screens[i];

			for (j = 0; j < m->n_screens; j++) {
				const struct ussd_screen *to = &m->screens[j];
				bool linked = sc->go != NULL &&
				    strcmp(sc->go, to->id) == 0;
				size_t k;

				for (k = 0; k < sc->n_options && !linked; k++)
					linked = strcmp(sc->options[k].go,
					    to->id) == 0;
				if (linked && d[i] + 1 < d[j] &&
				    d[j] != 0) {
					d[j] = d[i] + 1;
					changed = true;
				}
			}
		}
	}
}

static void
check_menu(struct check *c)
{
	struct varset session;
	size_t l, i;
	int *depth;

	depth = calloc(c->menu->n_screens, sizeof(*depth));
	if (depth == NULL) {
		c->problems++;
		return;
	}
	depths(c->menu, depth);
	session_vars(c->menu, &session);
	for (l = 0; l < N_LANGS; l++) {
		for (i = 0; engine_keys[i] != NULL; i++) {
			char *t = NULL;

			if (render(c, langs[l], "ussd", engine_keys[i], &session,
			    "the engine", &t))
				free(t);
		}
		for (i = 0; i < c->menu->n_screens; i++)
			check_screen(c, langs[l], &c->menu->screens[i],
			    depth[i], &session);
	}
	free(depth);
}

/* ---- SMS replies and notices ----------------------------------------- */

static void
check_group_one(const char *lang, const char *group, const char *name,
    void *arg)
{
	struct check *c = arg;
	struct varset vs = { .n = 0 };
	struct gsm_count gc;
	char *t = NULL;
	size_t i;

	if (strcmp(group, "ussd") == 0)
		return;
	/* cx_status drops the training, then the programs, to fit two SMS
	 * (sms_cmd_query.c): check it as it is sent at worst. */
	if (strcmp(name, "cx_status") == 0) {
		vs.v[vs.n++] = (struct tpl_var){ "training", "-" };
		vs.v[vs.n++] = (struct tpl_var){ "programs", "-" };
	}
	for (i = 0; i < N_SAMPLES; i++)
		varset_add(&vs, samples[i].name);
	if (!render(c, lang, group, name, &vs, "any message", &t))
		return;
	if (strcmp(group, "sms") == 0 && gsm_count(t, strlen(t), &gc) ==
	    FP_OK && gc.segments > 2) {
		char msg[96];

		snprintf(msg, sizeof(msg), "needs %zu SMS with the longest data "
		    "(at most 2)", gc.segments);
		problem(c, lang, group, name, msg);
	}
	free(t);
}

static int
templates_check(const struct cfg *cfg)
{
	struct check c = { cfg, NULL, NULL, 0, 0 };
	struct templates *tpl = NULL;
	struct ussd_menu *menu = NULL;
	char path[4096], *why = NULL;

	if (templates_load(cfg->templates.dir, cfg->templates.default_language,
	    &tpl, &why) != FP_OK) {
		printf("%s\n", why != NULL ? why : cfg->templates.dir);
		free(why);
		return EX_DATAERR;
	}
	snprintf(path, sizeof(path), "%s/menu.conf", cfg->templates.dir);
	if (ussd_menu_load(path, &menu, &why) != FP_OK) {
		printf("%s\n", why != NULL ? why : path);
		free(why);
		templates_free(tpl);
		return EX_DATAERR;
	}
	c.tpl = tpl;
	c.menu = menu;
	templates_each(tpl, completeness_one, &c);
	check_menu(&c);
	templates_each(tpl, check_group_one, &c);
	printf("templates %s: %d problem%s, %d warning%s (%zu screens, %zu "
	    "languages)\n", c.problems == 0 ? "OK" : "FAILED", c.problems,
	    c.problems == 1 ? "" : "s", c.warnings, c.warnings == 1 ? "" : "s",
	    menu->n_screens, N_LANGS);
	ussd_menu_free(menu);
	templates_free(tpl);
	return c.problems == 0 ? EX_OK : EX_DATAERR;
}

int
ctl_templates(const struct cfg *cfg, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "usage: fupinctl templates check\n");
		return EX_USAGE;
	}
	return templates_check(cfg);
}
