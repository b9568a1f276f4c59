/*
 * ctl_tpl_fit.c: the page limits of the texts and the rules a
 * translation keeps (see ctl_tpl.h for the limits).  A menu screen is
 * measured as its "frame": the texts on it without their data (each
 * variable empty), the option numbers, one list line, the error line
 * it may show above it and its navigation lines; the frame must fit
 * one USSD page so that a caller always sees the choices whatever the
 * language.  SMS texts are measured with the longest realistic data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_tpl.h"
#include "gsm.h"
#include "ussd_texts.h"

#define VARS_MAX	32
#define FRAME_KEYS_MAX	24
#define DEPTH_NONE	(-1)	/* an end screen: no navigation lines */

/* Rendering with every variable empty, or with the samples. */
struct names {
	char	 buf[VARS_MAX][40];
	size_t	 n;
};

static void
collect(const char *var, size_t len, void *arg)
{
	struct names *n = arg;
	size_t i;

	if (len >= sizeof(n->buf[0]) || n->n == VARS_MAX)
		return;
	for (i = 0; i < n->n; i++)
		if (strlen(n->buf[i]) == len && memcmp(n->buf[i], var, len) == 0)
			return;
	memcpy(n->buf[n->n], var, len);
	n->buf[n->n][len] = '\0';
	n->n++;
}

/*
 * Render group/key in lang with each variable empty (samples false) or
 * at its longest (samples true; `blank`, when not NULL, stays empty).
 */
static enum fp_err
render_with(const struct templates *t, const char *lang, const char *group,
    const char *key, bool samples, const char *blank, char **out)
{
	struct tpl_var v[VARS_MAX];
	struct names n;
	const char *s;
	size_t i;
	enum fp_err err;

	n.n = 0;
	*out = NULL;
	err = templates_vars(t, lang, group, key, collect, &n);
	if (err != FP_OK)
		return err;
	for (i = 0; i < n.n; i++) {
		s = samples ? ctl_tpl_sample(n.buf[i]) : "";
		if (s == NULL || (blank != NULL && strcmp(n.buf[i], blank) == 0))
			s = "";
		v[i] = (struct tpl_var){ n.buf[i], s };
	}
	return templates_render(t, lang, group, key, v, n.n, out, NULL);
}

enum fp_err
ctl_tpl_render_sample(const struct ctl_tpl *c, const struct ctl_tpl_entry *e,
    const char *lang, char **out)
{
	struct tpl_var v[VARS_MAX];
	struct names n;
	const char *s;
	size_t i;
	enum fp_err err;

	if (e->kind == CTL_TPL_USSD)
		return render_with(c->tpl, lang, e->group, e->name, true, NULL,
		    out);
	if (e->kind == CTL_TPL_NOTICE)
		return render_with(c->tpl, lang, e->group, e->name, true,
		    "text", out);
	/* cx_status drops the training, then the programs, to fit two SMS
	 * (sms_cmd_query.c): measured as it is sent at worst. */
	n.n = 0;
	err = templates_vars(c->tpl, lang, e->group, e->name, collect, &n);
	if (err != FP_OK)
		return err;
	for (i = 0; i < n.n; i++) {
		s = ctl_tpl_sample(n.buf[i]);
		if (strcmp(e->name, "cx_status") == 0 &&
		    (strcmp(n.buf[i], "training") == 0 ||
		    strcmp(n.buf[i], "programs") == 0))
			s = "-";
		v[i] = (struct tpl_var){ n.buf[i], s != NULL ? s : "x" };
	}
	return templates_render(c->tpl, lang, e->group, e->name, v, n.n, out,
	    NULL);
}

/* ---- menu frames ------------------------------------------------------ */

struct frame {
	const char	*screen;	/* id, for messages */
	const struct ussd_screen *sc;	/* NULL: one of the engine's */
	const char	*text;		/* the screen's text or fail text */
	const char	*line;		/* a list line or the empty text */
	bool		 is_item;	/* line is numbered */
	int		 depth;		/* DEPTH_NONE: an end screen */
};

/* The engine's own screens (ussd_screens.c) and their error lines. */
static const struct {
	const char	*id;
	const char	*text;
	int		 depth;
} engine_frames[] = {
	{ "_id6", "verify_id6", 2 },
	{ "_hh", "verify_household", 2 },
	{ "_locked", "locked", DEPTH_NONE },
	{ "_refused", "not_cadre", DEPTH_NONE },
	{ "_too_long", "session_too_long", DEPTH_NONE },
	{ "_unavailable", "unavailable", DEPTH_NONE },
	{ "_unknown", "unknown_service", DEPTH_NONE },
};
#define N_ENGINE_FRAMES (sizeof(engine_frames) / sizeof(engine_frames[0]))

struct measure {
	size_t		 units;
	size_t		 limit;
	const char	*keys[FRAME_KEYS_MAX];
	size_t		 n_keys;
	size_t		 n_options;
	size_t		 n_lines;
	bool		 failed;	/* a text would not render */
};

static void
add_key(struct measure *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n_keys; i++)
		if (strcmp(m->keys[i], key) == 0)
			return;
	if (m->n_keys < FRAME_KEYS_MAX)
		m->keys[m->n_keys++] = key;
}

static void
put(const struct ctl_tpl *c, const char *lang, struct strbuf *b,
    const char *prefix, const char *key, const char *omit, struct measure *m)
{
	char *t = NULL;

	add_key(m, key);
	/* Lines, not bytes: a text left out still has its line break. */
	if (m->n_lines++ > 0)
		strbuf_adds(b, "\n");
	if (prefix != NULL)
		strbuf_adds(b, prefix);
	if (omit != NULL && strcmp(key, omit) == 0)
		return;
	if (render_with(c->tpl, lang, "ussd", key, false, NULL, &t) != FP_OK) {
		m->failed = true;
		return;
	}
	strbuf_adds(b, t);
	free(t);
}

/* Measure frame f of lang, with omit's text (may be NULL) left out. */
static void
measure(const struct ctl_tpl *c, const char *lang, const struct frame *f,
    const char *omit, struct measure *m)
{
	struct strbuf b = STRBUF_INIT;
	struct gsm_count gc;
	size_t i;
	char num[24];

	memset(m, 0, sizeof(*m));
	put(c, lang, &b, NULL, f->text, omit, m);
	for (i = 0; f->sc != NULL && i < f->sc->n_options; i++) {
		snprintf(num, sizeof(num), "%zu ", i + 1);
		put(c, lang, &b, num, f->sc->options[i].text, omit, m);
	}
	m->n_options = f->sc != NULL ? f->sc->n_options : 0;
	if (f->line != NULL)
		put(c, lang, &b, f->is_item ? "1 " : NULL, f->line, omit, m);
	/* As on a page of one: back below the start, main deeper. */
	if (f->depth > 0)
		put(c, lang, &b, NULL, "nav_back", omit, m);
	if (f->depth > 1)
		put(c, lang, &b, NULL, "nav_main", omit, m);
	if (b.failed || gsm_count(strbuf_str(&b), b.len, &gc) != FP_OK) {
		m->failed = true;
		strbuf_free(&b);
		return;
	}
	m->units = gc.units;
	m->limit = gc.encoding == GSM_ENC_GSM7 ?
	    (size_t)c->cfg->ussd.max_chars :
	    (size_t)c->cfg->ussd.max_ucs2_chars;
	strbuf_free(&b);
}

/*
 * A screen that offers choices (options, or the lines of a list) must
 * show them on its first page; a text alone may go on over pages.
 */
static bool
has_choices(const struct frame *f)
{
	return f->sc != NULL && (f->sc->n_options > 0 ||
	    (f->sc->list != NULL && f->is_item));
}

typedef void frame_fn(const struct ctl_tpl *c, const struct frame *f,
    void *arg);

/* Every frame of the menu and the engine. */
static void
each_frame(const struct ctl_tpl *c, frame_fn *fn, void *arg)
{
	const struct ussd_menu *m = c->menu;
	struct frame f;
	size_t i, t, l;

	for (i = 0; i < m->n_screens; i++) {
		const struct ussd_screen *sc = &m->screens[i];
		const char *texts[2] = { sc->text, sc->fail };
		const char *lines[2] = { sc->item, sc->empty };
		int depth = sc->end ? DEPTH_NONE : c->depth[i] > 2 ? 2 :
		    c->depth[i];

		for (t = 0; t < 2; t++) {
			if (texts[t] == NULL)
				continue;
			for (l = 0; l < 2; l++) {
				if (sc->list == NULL && l > 0)
					break;
				f = (struct frame){ sc->id, sc, texts[t],
				    sc->list != NULL ? lines[l] : NULL, l == 0,
				    depth };
				if (sc->list != NULL && f.line == NULL)
					continue;
				fn(c, &f, arg);
			}
		}
	}
	/* An error line above ("invalid", "verify_failed") may push the
	 * rest to a second page: the engine pages it (SPEC 3.3). */
	for (i = 0; i < N_ENGINE_FRAMES; i++) {
		f = (struct frame){ engine_frames[i].id, NULL,
		    engine_frames[i].text, NULL, false,
		    engine_frames[i].depth };
		fn(c, &f, arg);
	}
}

/* The worst frame per screen, then reported. */
struct fitting {
	const char		*lang;
	ctl_tpl_report_fn	*fn;
	void			*arg;
	const char		*screen;	/* the screen being gathered */
	struct measure		 worst;
	size_t			 over;		/* worst.units - worst.limit */
	int			 problems;
};

static void
flush(const struct ctl_tpl *c, struct fitting *ft)
{
	char msg[320];
	const char *what = ft->worst.n_options > 0 ? "its text, options and "
	    "navigation lines" : "its text and navigation lines";

	(void)c;
	if (ft->screen == NULL || ft->over == 0)
		goto done;
	snprintf(msg, sizeof(msg), "screen '%s' needs %zu characters, over "
	    "the %zu of one USSD page, without any data (%s)", ft->screen,
	    ft->worst.units, ft->worst.limit, what);
	ft->fn(ft->arg, ft->worst.keys, ft->worst.n_keys, msg);
	ft->problems++;
done:
	ft->screen = NULL;
	ft->over = 0;
}

static void
fit_frame(const struct ctl_tpl *c, const struct frame *f, void *arg)
{
	struct fitting *ft = arg;
	struct measure m;

	if (!has_choices(f))
		return;		/* paged with 98 (SPEC 3.3) */

	if (ft->screen != NULL && strcmp(ft->screen, f->screen) != 0)
		flush(c, ft);
	ft->screen = f->screen;
	measure(c, ft->lang, f, NULL, &m);
	if (m.failed)
		return;		/* reported by `templates check` */
	if (m.units > m.limit && m.units - m.limit > ft->over) {
		ft->over = m.units - m.limit;
		ft->worst = m;
	}
}

/* ---- SMS -------------------------------------------------------------- */

static size_t
segments_allowed(const struct ctl_tpl_entry *e)
{
	return e->kind == CTL_TPL_NOTICE ? CTL_TPL_NOTICE_SEGMENTS :
	    CTL_TPL_SMS_SEGMENTS;
}

/* Units of n segments in enc. */
static size_t
units_of(size_t n, enum gsm_encoding enc)
{
	if (enc == GSM_ENC_GSM7)
		return n == 1 ? 160 : n * 153;
	return n == 1 ? 70 : n * 67;
}

int
ctl_tpl_fit(const struct ctl_tpl *c, const char *lang, ctl_tpl_report_fn *fn,
    void *arg)
{
	struct fitting ft;
	struct gsm_count gc;
	char msg[256], *t;
	size_t i;

	memset(&ft, 0, sizeof(ft));
	ft.lang = lang;
	ft.fn = fn;
	ft.arg = arg;
	each_frame(c, fit_frame, &ft);
	flush(c, &ft);
	for (i = 0; i < c->n_entries; i++) {
		const struct ctl_tpl_entry *e = &c->entries[i];
		const char *key = e->key;
		size_t allowed = segments_allowed(e);

		if (e->kind == CTL_TPL_USSD || !e->in_source)
			continue;
		if (ctl_tpl_render_sample(c, e, lang, &t) != FP_OK)
			continue;	/* reported by `templates check` */
		if (gsm_count(t, strlen(t), &gc) == FP_OK &&
		    gc.segments > allowed) {
			snprintf(msg, sizeof(msg), "needs %zu SMS with the "
			    "longest realistic data%s: at most %zu (%zu "
			    "characters; this one has %zu)", gc.segments,
			    e->kind == CTL_TPL_NOTICE ? " ({text} not "
			    "counted)" : "", allowed,
			    units_of(allowed, gc.encoding), gc.units);
			fn(arg, &key, 1, msg);
			ft.problems++;
		}
		free(t);
	}
	return ft.problems;
}

/* ---- the room a text has ------------------------------------------- */

struct room {
	const char	*lang;
	const char	*key;
	size_t		 best;		/* smallest room so far */
	size_t		 limit;
	const char	*screen;
	bool		 found;
	bool		 is_hard;	/* on a screen with choices */
};

static void
room_frame(const struct ctl_tpl *c, const struct frame *f, void *arg)
{
	struct room *r = arg;
	struct measure m, whole;
	size_t i, left;
	bool on = false, hard = has_choices(f);

	measure(c, r->lang, f, r->key, &m);
	for (i = 0; i < m.n_keys; i++)
		if (strcmp(m.keys[i], r->key) == 0)
			on = true;
	if (!on || m.failed || (r->is_hard && !hard))
		return;
	/* The page size is the whole screen's: UCS-2 as soon as the text
	 * is (Yi, Tibetan, Chinese), even when the rest is not. */
	measure(c, r->lang, f, NULL, &whole);
	if (!whole.failed)
		m.limit = whole.limit;
	left = m.units >= m.limit ? 0 : m.limit - m.units;
	if (!r->found || (hard && !r->is_hard) || left < r->best) {
		r->best = left;
		r->limit = m.limit;
		r->screen = f->screen;
		r->found = true;
		r->is_hard = hard;
	}
}

/* A UCS-2 count of what the variables add to e's text in lang. */
static bool
vars_units(const struct ctl_tpl *c, const struct ctl_tpl_entry *e,
    const char *lang, size_t *units, enum gsm_encoding *enc)
{
	struct gsm_count full, bare;
	char *t = NULL, *u = NULL;
	bool ok = false;

	if (ctl_tpl_render_sample(c, e, lang, &t) == FP_OK &&
	    render_with(c->tpl, lang, e->group, e->name, false, NULL, &u) ==
	    FP_OK && gsm_count(t, strlen(t), &full) == FP_OK &&
	    gsm_count(u, strlen(u), &bare) == FP_OK) {
		*enc = full.encoding;
		*units = full.units > bare.units ? full.units - bare.units : 0;
		ok = true;
	}
	free(t);
	free(u);
	return ok;
}

/* ---- the notes for translators --------------------------------------- */

static void
var_note(const char *var, size_t len, void *arg)
{
	struct strbuf *b = arg;
	char name[40];
	const char *s;
	struct gsm_count gc;

	if (len >= sizeof(name))
		return;
	memcpy(name, var, len);
	name[len] = '\0';
	s = ctl_tpl_sample(name);
	strbuf_printf(b, "\n#.   {%s} %s", name, ctl_tpl_var_about(name));
	if (s != NULL && gsm_count(s, strlen(s), &gc) == FP_OK)
		strbuf_printf(b, ", up to %zu characters", gc.units);
}

void
ctl_tpl_describe(const struct ctl_tpl *c, const struct ctl_tpl_entry *e,
    const char *lang, struct strbuf *b)
{
	struct strbuf vars = STRBUF_INIT;
	struct room r;
	enum gsm_encoding enc = GSM_ENC_UCS2;
	size_t vu = 0, allowed;

	strbuf_adds(b, "#. Where 位置: ");
	ctl_tpl_where(c, e, b);
	strbuf_adds(b, "\n");
	templates_vars(c->tpl, TEMPLATES_SOURCE_LANG, e->group, e->name,
	    var_note, &vars);
	if (vars.len == 0)
		strbuf_adds(b, "#. Variables 变量: none\n");
	else {
		strbuf_adds(b, "#. Variables 变量 (copy each {name} exactly, "
		    "in the place your language needs it):");
		strbuf_add(b, strbuf_str(&vars), vars.len);
		strbuf_adds(b, "\n");
	}
	strbuf_free(&vars);
	if (e->kind != CTL_TPL_USSD) {
		allowed = segments_allowed(e);
		if (!vars_units(c, e, lang, &vu, &enc))
			vu = 0;
		strbuf_printf(b, "#. Page limit 长度: at most %zu characters "
		    "once the variables are filled in (%zu SMS; Yi, Tibetan "
		    "and Chinese: 70 characters in one SMS, 67 a part in "
		    "longer ones)", units_of(allowed, GSM_ENC_UCS2), allowed);
		if (vu > 0)
			strbuf_printf(b, "; with the longest data the "
			    "variables%s take %zu, so about %zu are left for "
			    "the words", e->kind == CTL_TPL_NOTICE ? " but "
			    "{text}" : "", vu, units_of(allowed, GSM_ENC_UCS2) -
			    (vu < units_of(allowed, GSM_ENC_UCS2) ? vu :
			    units_of(allowed, GSM_ENC_UCS2)));
		strbuf_adds(b, e->kind == CTL_TPL_SMS ? ". One SMS is best.\n" :
		    ".\n");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.lang = lang;
	r.key = e->name;
	each_frame(c, room_frame, &r);
	if (!r.found) {
		/* nav_more: only on the pages of a screen longer than one. */
		strbuf_printf(b, "#. Page limit 长度: a line at the foot of "
		    "each page that has a next one; every character it takes "
		    "is one less for the screen on that page (%d in all): keep "
		    "it about as short as the Chinese.\n",
		    c->cfg->ussd.max_ucs2_chars);
		return;
	}
	if (!r.is_hard) {
		strbuf_printf(b, "#. Page limit 长度: about %zu characters "
		    "fit on one USSD page of %zu with the rest of screen '%s' "
		    "(without data); it offers no choice, so a longer text "
		    "goes on over pages (\"98\" for more), which is harder "
		    "to read on a basic phone.\n", r.best, r.limit, r.screen);
		return;
	}
	strbuf_printf(b, "#. Page limit 长度: %zu characters for this text "
	    "now (without its variables): the whole screen '%s', with its "
	    "other lines as they are in this language, must fit one USSD "
	    "page of %zu characters so that its choices show (Yi, Tibetan, "
	    "Chinese: each character counts one; a Tibetan stack counts "
	    "each letter).\n", r.best, r.screen, r.limit);
}

/* ---- rules ------------------------------------------------------------ */

static bool
has_var(const struct names *n, const char *v)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		if (strcmp(n->buf[i], v) == 0)
			return true;
	return false;
}

/* Is s[i..i+len) a word of capital Latin letters standing alone? */
static bool
is_keyword_at(const char *s, size_t i, size_t len, size_t n)
{
	bool before = i == 0 || !((s[i - 1] >= 'A' && s[i - 1] <= 'Z') ||
	    (s[i - 1] >= 'a' && s[i - 1] <= 'z'));
	bool after = i + len >= n || !((s[i + len] >= 'A' && s[i + len] <=
	    'Z') || (s[i + len] >= 'a' && s[i + len] <= 'z'));

	return before && after;
}

/* Does text hold `word` standing alone? */
static bool
has_keyword(const char *text, size_t n, const char *word, size_t wlen)
{
	size_t i;

	for (i = 0; i + wlen <= n; i++)
		if (memcmp(text + i, word, wlen) == 0 &&
		    is_keyword_at(text, i, wlen, n))
			return true;
	return false;
}

static bool
is_line_text(const struct ctl_tpl *c, const char *name)
{
	const struct ussd_menu *m = c->menu;
	size_t i, j;

	for (i = 0; i < m->n_screens; i++) {
		const struct ussd_screen *sc = &m->screens[i];

		if (sc->item != NULL && strcmp(sc->item, name) == 0)
			return true;
		for (j = 0; j < sc->n_options; j++)
			if (strcmp(sc->options[j].text, name) == 0)
				return true;
	}
	return false;
}

int
ctl_tpl_rules(const struct ctl_tpl *c, const struct ctl_tpl_entry *e,
    const char *text, size_t len, const char *src,
    void (*fn)(void *arg, const char *msg), void *arg)
{
	struct names have, want;
	const char *why = NULL;
	char msg[256];
	size_t i, j, n_src = strlen(src), digits;
	long line = 0;
	int problems = 0;

	have.n = want.n = 0;
	if (templates_scan(text, len, collect, &have, &why, &line) != FP_OK) {
		snprintf(msg, sizeof(msg), "line %ld of the text: %s", line,
		    why);
		fn(arg, msg);
		return 1;
	}
	(void)templates_scan(src, n_src, collect, &want, NULL, NULL);
	for (i = 0; i < want.n; i++)
		if (!has_var(&have, want.buf[i])) {
			snprintf(msg, sizeof(msg), "the variable {%s} is lost "
			    "(copy it exactly, braces included)", want.buf[i]);
			fn(arg, msg);
			problems++;
		}
	for (i = 0; i < have.n; i++)
		if (!has_var(&want, have.buf[i])) {
			snprintf(msg, sizeof(msg), "the variable {%s} is not "
			    "in the Chinese text (only its variables can be "
			    "filled in)", have.buf[i]);
			fn(arg, msg);
			problems++;
		}
	/* SPEC 3.2: the commands are the Latin letters in every language. */
	for (i = 0; i < n_src; i = j) {
		for (j = i; j < n_src && src[j] >= 'A' && src[j] <= 'Z'; j++)
			;
		if (j - i >= 2 && is_keyword_at(src, i, j - i, n_src) &&
		    !has_keyword(text, len, src + i, j - i)) {
			snprintf(msg, sizeof(msg), "the keyword %.*s must stay "
			    "as it is, in Latin letters (it is what people "
			    "type)", (int)(j - i), src + i);
			fn(arg, msg);
			problems++;
		}
		if (j == i)
			j++;
	}
	if (e->kind != CTL_TPL_USSD)
		return problems;
	/* "98 ", "0 ", "00 ": what a caller types, readable on any phone. */
	for (digits = 0; digits < n_src && src[digits] >= '0' &&
	    src[digits] <= '9'; digits++)
		;
	if (digits > 0 && digits < n_src && src[digits] == ' ' &&
	    (len <= digits || memcmp(text, src, digits + 1) != 0)) {
		snprintf(msg, sizeof(msg), "must start with \"%.*s \" as the "
		    "Chinese does (the number a caller types)", (int)digits,
		    src);
		fn(arg, msg);
		problems++;
	}
	if (is_line_text(c, e->name) && memchr(text, '\n', len) != NULL) {
		fn(arg, "must be one line: the menu puts its number in front "
		    "of it");
		problems++;
	}
	return problems;
}
