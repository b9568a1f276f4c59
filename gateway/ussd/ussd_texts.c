/*
 * ussd_texts.c: which texts a menu shows, whether a language has them
 * all, per screen and for the whole menu (see ussd_texts.h).  Pure
 * look-ups in the loaded templates: a screen's check is a dozen binary
 * searches, done when the screen is drawn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ussd_texts.h"

const char *const ussd_engine_texts[] = { "nav_more", "nav_back",
    "nav_main", "invalid", "verify_id6", "verify_household",
    "verify_failed", "locked", "not_cadre", "session_too_long",
    "unavailable", "unknown_service", NULL };

static const char *const nav_texts[] = { "nav_more", "nav_back",
    "nav_main", NULL };

/* Has fn been called for key already?  (Menus are small: a scan.) */
struct seen {
	const char	*keys[512];
	size_t		 n;
	void		(*fn)(const char *key, void *arg);
	void		*arg;
};

static void
once(struct seen *s, const char *key)
{
	size_t i;

	if (key == NULL)
		return;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->keys[i], key) == 0)
			return;
	if (s->n < sizeof(s->keys) / sizeof(s->keys[0]))
		s->keys[s->n++] = key;
	s->fn(key, s->arg);
}

void
ussd_texts_each(const struct ussd_menu *m,
    void (*fn)(const char *key, void *arg), void *arg)
{
	struct seen s;
	size_t i, j;

	s.n = 0;
	s.fn = fn;
	s.arg = arg;
	for (i = 0; m != NULL && i < m->n_screens; i++) {
		const struct ussd_screen *sc = &m->screens[i];

		once(&s, sc->text);
		for (j = 0; j < sc->n_options; j++)
			once(&s, sc->options[j].text);
		once(&s, sc->item);
		once(&s, sc->empty);
		once(&s, sc->fail);
	}
	for (i = 0; ussd_engine_texts[i] != NULL; i++)
		once(&s, ussd_engine_texts[i]);
}

static bool
has(const struct templates *t, const char *lang, const char *key)
{
	return key == NULL || templates_translated(t, lang, "ussd", key);
}

const char *
ussd_texts_screen_lang(const struct templates *t, const char *lang,
    const struct ussd_screen *sc, const char *err_key)
{
	size_t i;

	if (lang == NULL || strcmp(lang, TEMPLATES_SOURCE_LANG) == 0)
		return TEMPLATES_SOURCE_LANG;
	if (!has(t, lang, sc->text) || !has(t, lang, sc->fail) ||
	    !has(t, lang, sc->item) || !has(t, lang, sc->empty) ||
	    !has(t, lang, err_key) ||
	    (sc->view != NULL && !has(t, lang, "unavailable")))
		return TEMPLATES_SOURCE_LANG;
	for (i = 0; i < sc->n_options; i++)
		if (!has(t, lang, sc->options[i].text))
			return TEMPLATES_SOURCE_LANG;
	for (i = 0; nav_texts[i] != NULL; i++)
		if (!has(t, lang, nav_texts[i]))
			return TEMPLATES_SOURCE_LANG;
	return lang;
}

struct complete {
	const struct templates	*t;
	const char		*lang;
	bool			 ok;
};

static void
check_one(const char *key, void *arg)
{
	struct complete *c = arg;

	if (!templates_translated(c->t, c->lang, "ussd", key))
		c->ok = false;
}

bool
ussd_texts_complete(const struct templates *t, const struct ussd_menu *m,
    const char *lang)
{
	struct complete c = { t, lang, true };

	ussd_texts_each(m, check_one, &c);
	return c.ok;
}

static void
option_free(struct ussd_option *o)
{
	free(o->text);
	free(o->go);
	free(o->set_name);
	free(o->set_value);
}

void
ussd_texts_hide_languages(struct ussd_menu *m, const struct templates *t,
    void (*fn)(const char *lang, void *arg), void *arg)
{
	char hidden[8][16];	/* copies: the options are freed */
	size_t n_hidden = 0, i, j, k, h;

	for (i = 0; i < m->n_screens; i++) {
		struct ussd_screen *sc = &m->screens[i];

		for (j = 0; j < sc->n_options;) {
			struct ussd_option *o = &sc->options[j];
			const char *l = o->set_value;

			if (o->set_name == NULL || strcmp(o->set_name,
			    "lang") != 0 || l == NULL ||
			    strcmp(l, TEMPLATES_SOURCE_LANG) == 0 ||
			    strcmp(l, templates_default_language(t)) == 0 ||
			    ussd_texts_complete(t, m, l)) {
				j++;
				continue;
			}
			for (h = 0; h < n_hidden; h++)
				if (strcmp(hidden[h], l) == 0)
					break;
			if (h == n_hidden && n_hidden < 8) {
				snprintf(hidden[n_hidden++], sizeof(hidden[0]),
				    "%s", l);
				if (fn != NULL)
					fn(l, arg);
			}
			option_free(o);
			for (k = j + 1; k < sc->n_options; k++)
				sc->options[k - 1] = sc->options[k];
			sc->n_options--;
		}
	}
}
