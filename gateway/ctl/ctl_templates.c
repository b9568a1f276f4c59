/*
 * ctl_templates.c: fupinctl templates check | export | import.  What a
 * program office or a translator changes in templates/ is checked
 * before the gateway is restarted with it (and by CI on the shipped
 * texts):
 *   - templates/menu.conf reads and makes sense (ussd_menu_load);
 *   - every text the menu, the engine and the code use is there in
 *     Chinese (the source); a text of another language that Chinese
 *     lacks is a problem;
 *   - every {variable} is one that the code provides where the text is
 *     used, so no message ever fails to render, and a translation has
 *     the same variables as its Chinese, keeps the command keywords and
 *     the menu's numbers (ctl_tpl_rules);
 *   - page fit (ctl_tpl.h): every menu screen with choices, without
 *     data, fits one USSD page in every language, every SMS reply two
 *     SMS and every
 *     notice three with the longest data; every screen with the
 *     longest data still cuts into pages (a menu of options that needs
 *     more than one USSD page is a warning);
 *   - templates/<lang>/STATUS reads;
 *   - coverage per language: translated, machine-drafted, missing, with
 *     the missing keys, and which languages the language menu offers;
 *   - approved templates (SPEC 11): templates/provider_templates.conf
 *     reads (a syntax error exits 78), and with a template provider
 *     configured every outgoing text has a template in every language
 *     that has it, each parameter names a variable of its text, and no
 *     parameter's longest realistic value exceeds the provider's limit
 *     (tplmap.h).
 * Prints one line per problem ("PATH: message"), then a summary.  Exit
 * 0 when clean (warnings and missing translations allowed), 65 when
 * not.  Export and import are ctl_tpl_export.c and ctl_tpl_import.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ctl.h"
#include "ctl_tpl.h"
#include "gsm.h"
#include "strbuf.h"
#include "templates.h"
#include "templates_status.h"
#include "tplmap.h"
#include "ussd_engine.h"
#include "ussd_menu.h"
#include "ussd_page.h"
#include "ussd_texts.h"
#include "ussd_views.h"

static const char *const langs[] = { "zh", "ii", "bo", "en" };
#define N_LANGS (sizeof(langs) / sizeof(langs[0]))

struct check {
	const struct cfg	*cfg;
	const struct ctl_tpl	*cat;
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

/* ---- variables ---------------------------------------------------------- */

struct varset {
	struct tpl_var	 v[64];
	size_t		 n;
};

static void
varset_add(struct varset *vs, const char *name)
{
	const char *v = ctl_tpl_sample(name);
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

	if (!templates_has(c->tpl, TEMPLATES_SOURCE_LANG, group, key)) {
		if (strcmp(lang, TEMPLATES_SOURCE_LANG) == 0) {
			snprintf(msg, sizeof(msg), "missing (used by %s)", where);
			problem(c, lang, group, key, msg);
		}
		return false;	/* reported once, for the source */
	}
	/* Other languages as a caller sees them: the Chinese where missing. */
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

static void
check_menu(struct check *c)
{
	struct varset session;
	size_t l, i;

	session_vars(c->menu, &session);
	for (l = 0; l < N_LANGS; l++) {
		for (i = 0; ussd_engine_texts[i] != NULL; i++) {
			char *t = NULL;

			if (render(c, langs[l], "ussd", ussd_engine_texts[i],
			    &session, "the engine", &t))
				free(t);
		}
		for (i = 0; i < c->menu->n_screens; i++)
			check_screen(c, langs[l], &c->menu->screens[i],
			    c->cat->depth[i], &session);
	}
}

/* ---- SMS replies and notices render ----------------------------------- */

static void
check_group_one(const char *lang, const char *group, const char *name,
    void *arg)
{
	struct check *c = arg;
	const struct ctl_tpl_entry *e;
	char key[CTL_TPL_KEY_MAX], *t = NULL;

	if (strcmp(group, "ussd") == 0)
		return;
	snprintf(key, sizeof(key), "%s/%s", group, name);
	e = ctl_tpl_find(c->cat, key);
	if (e == NULL || !e->in_source)
		return;		/* reported as unknown */
	if (ctl_tpl_render_sample(c->cat, e, lang, &t) != FP_OK) {
		problem(c, lang, group, name, "cannot render with the "
		    "variables the code provides");
		return;
	}
	free(t);
}

/* ---- translations: rules, page fit ------------------------------------ */

struct rule_ctx {
	struct check			*c;
	const char			*lang;
	const struct ctl_tpl_entry	*e;
};

static void
rule_problem(void *arg, const char *msg)
{
	struct rule_ctx *r = arg;

	problem(r->c, r->lang, r->e->group, r->e->name, msg);
}

static void
check_rules(struct check *c, const char *lang)
{
	struct rule_ctx r = { c, lang, NULL };
	const char *text, *src;
	size_t i, len;

	for (i = 0; i < c->cat->n_entries; i++) {
		const struct ctl_tpl_entry *e = &c->cat->entries[i];

		if (!e->in_source) {
			if (templates_has(c->tpl, lang, e->group, e->name))
				problem(c, lang, e->group, e->name, "not a text "
				    "of the source language (zh): the gateway "
				    "never shows it");
			continue;
		}
		if (e->is_fixed || !templates_translated(c->tpl, lang,
		    e->group, e->name))
			continue;
		text = templates_text(c->tpl, lang, e->group, e->name, &len);
		src = templates_text(c->tpl, TEMPLATES_SOURCE_LANG, e->group,
		    e->name, NULL);
		if (text == NULL || src == NULL)
			continue;
		r.e = e;
		ctl_tpl_rules(c->cat, e, text, len, src, rule_problem, &r);
	}
}

struct fit_ctx {
	struct check	*c;
	const char	*lang;
};

static void
fit_problem(void *arg, const char *const *keys, size_t n_keys,
    const char *msg)
{
	struct fit_ctx *f = arg;
	const char *slash;

	if (n_keys == 0)
		return;
	/* Named after the first text involved: the screen's own. */
	slash = strchr(keys[0], '/');
	if (slash == NULL)
		problem(f->c, f->lang, "ussd", keys[0], msg);
	else {
		char group[16];

		snprintf(group, sizeof(group), "%.*s", (int)(slash - keys[0]),
		    keys[0]);
		problem(f->c, f->lang, group, slash + 1, msg);
	}
}

/* ---- coverage --------------------------------------------------------- */

struct status_check {
	struct check	*c;
	const char	*lang;
	const char	*path;
};

static void
status_key(const char *key, long line, void *arg)
{
	struct status_check *s = arg;
	const struct ctl_tpl_entry *e = ctl_tpl_find(s->c->cat, key);

	if (e == NULL || !e->in_source || e->is_fixed) {
		printf("%s:%ld: %s: not a text to translate\n", s->path, line,
		    key);
		s->c->problems++;
	} else if (!templates_translated(s->c->tpl, s->lang, e->group,
	    e->name)) {
		printf("%s:%ld: warning: %s is listed as drafted but is "
		    "missing (still Chinese)\n", s->path, line, key);
		s->c->warnings++;
	}
}

static void
coverage(struct check *c, const char *lang, bool *complete_menu)
{
	struct templates_status *st = NULL;
	struct templates_coverage cov;
	struct status_check sc;
	char path[4096], *why = NULL;
	size_t i;
	enum fp_err err;

	snprintf(path, sizeof(path), "%s/%s/STATUS", c->cfg->templates.dir,
	    lang);
	err = templates_status_load(c->cfg->templates.dir, lang, &st, &why);
	if (err != FP_OK) {
		printf("%s\n", why != NULL ? why : path);
		free(why);
		c->problems++;
	}
	sc = (struct status_check){ c, lang, path };
	templates_status_each(st, status_key, &sc);
	/* The same count as the console's (templates_coverage.h). */
	err = templates_coverage_count(c->tpl, lang, st, c->cat->keys,
	    c->cat->n_entries, &cov);
	templates_status_free(st);
	if (err != FP_OK) {
		printf("  %-3s %s\n", lang, fp_strerror(err));
		c->problems++;
		*complete_menu = false;
		return;
	}
	*complete_menu = cov.menu_missing == 0;
	printf("  %-3s translated %d, machine-drafted %d, missing %d (of "
	    "%d)%s\n", lang, cov.translated, cov.drafted, cov.missing,
	    cov.total, *complete_menu ? "" : "; menu texts incomplete");
	if (cov.n_missing > 0) {
		printf("      missing:");
		for (i = 0; i < cov.n_missing; i++)
			printf(" %s", cov.missing_keys[i]);
		printf("\n");
	}
	templates_coverage_cleanup(&cov);
}

/* ---- approved templates (SPEC 11) ------------------------------------------ */

static void
map_problem(void *arg, const char *msg)
{
	struct check *c = arg;

	printf("%s\n", msg);
	c->problems++;
}

/*
 * The longest a variable gets: the catalog's sample; a menu page sent
 * by SMS one SMS (160 GSM-7 characters in English, 70 otherwise); the
 * office's own {text} is not known here (checked when a notice is
 * created).
 */
static long
longest(void *arg, const char *key, const char *lang, const char *var)
{
	const char *s;

	(void)arg;
	(void)key;
	if (strcmp(var, "screen") == 0)
		return strcmp(lang, "en") == 0 || strcmp(lang, "*") == 0 ?
		    160 : 70;
	if (strcmp(var, "text") == 0)
		return -1;
	s = ctl_tpl_sample(var);
	return s != NULL ? (long)tplmap_chars(s) : -1;
}

/* -1: the file does not read (exit 78); else the problems found. */
static int
check_provider_templates(struct check *c)
{
	struct tplmap *map = NULL;
	struct tplmap_texts *texts = NULL;
	char *errors = NULL;
	enum fp_err err;
	int before = c->problems;

	err = tplmap_load_cfg(c->cfg, &map, &errors);
	if (err == FP_ENOTFOUND && !tplmap_needed(c->cfg)) {
		free(errors);
		return 0;	/* no template provider, no file: fine */
	}
	if (err != FP_OK) {
		printf("%s\n", errors != NULL ? errors : fp_strerror(err));
		free(errors);
		if (err != FP_ENOTFOUND)
			return -1;
		c->problems++;	/* a template provider without the file */
		return 1;
	}
	err = ussd_outgoing_texts(c->tpl, c->menu, &texts);
	if (err == FP_OK)
		(void)tplmap_check(map, c->cfg, texts, longest, NULL,
		    map_problem, c);
	else
		map_problem(c, fp_strerror(err));
	if (tplmap_needed(c->cfg))
		printf("approved templates (%s): %s\n", tplmap_file(map),
		    c->problems == before ? "every outgoing text has one" :
		    "incomplete");
	tplmap_texts_free(texts);
	tplmap_free(map);
	return c->problems - before;
}

static int
templates_check(const struct cfg *cfg)
{
	struct check c = { cfg, NULL, NULL, NULL, 0, 0 };
	struct ctl_tpl *cat = NULL;
	struct fit_ctx fc;
	struct strbuf shown = STRBUF_INIT, hidden = STRBUF_INIT;
	char *why = NULL;
	bool complete;
	size_t l;

	if (ctl_tpl_open(cfg, &cat, &why) != FP_OK) {
		printf("%s\n", why != NULL ? why : cfg->templates.dir);
		free(why);
		return EX_DATAERR;
	}
	c.cat = cat;
	c.tpl = cat->tpl;
	c.menu = cat->menu;
	check_menu(&c);
	templates_each(c.tpl, check_group_one, &c);
	for (l = 0; l < N_LANGS; l++) {
		fc = (struct fit_ctx){ &c, langs[l] };
		(void)ctl_tpl_fit(cat, langs[l], fit_problem, &fc);
		if (strcmp(langs[l], TEMPLATES_SOURCE_LANG) != 0)
			check_rules(&c, langs[l]);
	}
	printf("coverage (texts to translate from zh, the source):\n");
	strbuf_adds(&shown, TEMPLATES_SOURCE_LANG);
	for (l = 0; l < N_LANGS; l++) {
		if (strcmp(langs[l], TEMPLATES_SOURCE_LANG) == 0)
			continue;
		coverage(&c, langs[l], &complete);
		if (complete || cfg->templates.show_incomplete ||
		    strcmp(langs[l], cfg->templates.default_language) == 0) {
			strbuf_adds(&shown, " ");
			strbuf_adds(&shown, langs[l]);
		} else {
			strbuf_adds(&hidden, " ");
			strbuf_adds(&hidden, langs[l]);
		}
	}
	printf("language menu offers: %s%s%s%s\n", strbuf_str(&shown),
	    hidden.len > 0 ? "; hides (menu texts incomplete):" : "",
	    strbuf_str(&hidden), hidden.len > 0 ?
	    " (templates.show_incomplete = true offers them)" : "");
	strbuf_free(&shown);
	strbuf_free(&hidden);
	if (check_provider_templates(&c) < 0) {
		ctl_tpl_close(cat);
		return EX_CONFIG;
	}
	printf("templates %s: %d problem%s, %d warning%s (%zu screens, %zu "
	    "languages)\n", c.problems == 0 ? "OK" : "FAILED", c.problems,
	    c.problems == 1 ? "" : "s", c.warnings, c.warnings == 1 ? "" : "s",
	    c.menu->n_screens, N_LANGS);
	ctl_tpl_close(cat);
	return c.problems == 0 ? EX_OK : EX_DATAERR;
}

static int
usage(void)
{
	fprintf(stderr, "usage: fupinctl templates check\n"
	    "       fupinctl templates export --lang LANG [--format po|pot]\n"
	    "       fupinctl templates import FILE.po\n"
	    "       fupinctl templates skeleton PROVIDER\n");
	return EX_USAGE;
}

/* ---- templates skeleton (SPEC 11) -------------------------------------- */

struct skel {
	char	 seen[512][TPLMAP_KEY_MAX];
	size_t	 n;
};

static void
skel_one(const char *key, const char *lang, const char *const *vars,
    size_t n_vars, void *arg)
{
	struct skel *s = arg;
	size_t i;

	(void)lang;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->seen[i], key) == 0)
			return;
	if (s->n < sizeof(s->seen) / sizeof(s->seen[0]))
		snprintf(s->seen[s->n++], TPLMAP_KEY_MAX, "%s", key);
	printf("%s      { text = \"%s\"; lang = \"*\"; code = \"\";\n"
	    "        params = [", s->n > 1 ? ",\n" : "", key);
	for (i = 0; i < n_vars; i++)
		printf("%s\"%s\"", i > 0 ? ", " : " ", vars[i]);
	printf(" ]; }");
}

/*
 * A provider_templates.conf group for `provider` with every outgoing text
 * and its variables, each code left empty for the operator to fill in
 * with the template the cloud approved (an empty code does not load, so
 * a text forgotten is named by templates check).
 */
static int
templates_skeleton(const struct cfg *cfg, const char *provider)
{
	struct ctl_tpl *cat = NULL;
	struct tplmap_texts *texts = NULL;
	struct skel *s;
	char *why = NULL;

	if (ctl_tpl_open(cfg, &cat, &why) != FP_OK) {
		fprintf(stderr, "%s\n", why != NULL ? why : cfg->templates.dir);
		free(why);
		return EX_DATAERR;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL || ussd_outgoing_texts(cat->tpl, cat->menu, &texts) !=
	    FP_OK) {
		free(s);
		ctl_tpl_close(cat);
		return EX_OSERR;
	}
	printf("# %s: every text the gateway sends by SMS; fill in each code\n"
	    "# with the template the cloud approved, parameters in its order\n"
	    "# (\"their_name=ours\" when its name differs), a line per "
	    "language\n# where the approved texts differ (lang = \"zh\"...)."
	    "\nproviders = (\n  { provider = \"%s\";\n    texts = (\n",
	    TPLMAP_FILE, provider);
	tplmap_texts_each(texts, skel_one, s);
	printf("\n    ); } );\n");
	tplmap_texts_free(texts);
	free(s);
	ctl_tpl_close(cat);
	return EX_OK;
}

int
ctl_templates(const struct cfg *cfg, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "check") == 0)
		return templates_check(cfg);
	if (argc >= 2 && strcmp(argv[1], "export") == 0)
		return ctl_tpl_export(cfg, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "import") == 0)
		return ctl_tpl_import(cfg, argc - 1, argv + 1);
	if (argc == 3 && strcmp(argv[1], "skeleton") == 0)
		return templates_skeleton(cfg, argv[2]);
	return usage();
}
