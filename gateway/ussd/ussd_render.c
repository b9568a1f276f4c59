/*
 * ussd_render.c: drawing the screen a session is on (see
 * ussd_internal.h): its text with the session's and the view's
 * variables, numbered options or list items, an error line when the last
 * input was refused, then cut into pages with the navigation lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strbuf.h"
#include "templates.h"
#include "ussd_internal.h"
#include "ussd_texts.h"
#include "ussd_views.h"

/* s on a line of its own after what b holds. */
static void
add_line(struct strbuf *b, const char *s)
{
	if (b->len > 0)
		strbuf_adds(b, "\n");
	strbuf_adds(b, s);
}

static enum fp_err
text_of(const struct engine *e, const char *key, const struct ussd_tvars *tv,
    char **out)
{
	const char *missing = NULL;
	enum fp_err err;

	err = templates_render(e->ctx->tpl, e->screen_lang, "ussd", key,
	    tv != NULL ? tv->v : NULL, tv != NULL ? tv->n : 0, out, &missing);
	if (err != FP_OK)
		log_error("ussd.template key=%s lang=%s missing=%s error=\"%s\"",
		    key, e->screen_lang, missing != NULL ? missing : "-",
		    fp_strerror(err));
	return err;
}

static enum fp_err
add_text(const struct engine *e, struct strbuf *b, const char *prefix,
    const char *key, const struct ussd_tvars *tv)
{
	char *t = NULL;
	enum fp_err err;

	err = text_of(e, key, tv, &t);
	if (err != FP_OK)
		return err;
	if (prefix != NULL) {
		add_line(b, prefix);
		strbuf_adds(b, t);
	} else
		add_line(b, t);
	free(t);
	return FP_OK;
}

struct lines {
	const struct engine	*e;
	const struct ussd_screen *sc;
	struct strbuf		*b;
	int			 n;
};

static enum fp_err
item_line(void *arg, const char *id, const struct ussd_tvars *tv)
{
	struct lines *l = arg;
	char num[16];

	(void)id;
	snprintf(num, sizeof(num), "%d ", ++l->n);
	return add_text(l->e, l->b, num, l->sc->item, tv);
}

/* The session's variables a text may use (internal ones start '_'). */
static void
session_vars(const struct engine *e, struct ussd_tvars *tv)
{
	char minutes[16];
	int i;

	for (i = 0; i < e->s->n_vars; i++)
		if (e->s->vars[i].name[0] != '_')
			ussd_tvars_add(tv, e->s->vars[i].name,
			    e->s->vars[i].value);
	snprintf(minutes, sizeof(minutes), "%d",
	    (e->ctx->cfg->ussd.lockout_s + 59) / 60);
	ussd_tvars_add(tv, "minutes", minutes);
}

/* The body of the current screen, before it is cut into pages. */
static enum fp_err
compose(struct engine *e, const struct ussd_screen *sc, struct strbuf *b,
    bool *end)
{
	struct ussd_call c = { e->st, e->ctx, &e->who, e->s, sc->param,
	    e->now };
	const char *err_key = ussd_var_get(e->s, "_err");
	struct ussd_tvars *tv;
	enum fp_err err = FP_OK;
	size_t i;

	tv = malloc(sizeof(*tv));
	if (tv == NULL)
		return FP_ENOMEM;
	tv->n = tv->used = 0;
	session_vars(e, tv);
	*end = sc->end;
	if (err_key != NULL)
		err = add_text(e, b, NULL, err_key, tv);
	if (err == FP_OK && sc->view != NULL) {
		err = ussd_view(&c, sc->view, tv);
		if (err == FP_ENOTFOUND) {
			/* The data went away (a training was removed...). */
			*end = true;
			if (e->outcome == NULL)
				e->outcome = "unavailable";
			err = add_text(e, b, NULL, "unavailable", tv);
			free(tv);
			return err;
		}
	}
	if (err == FP_OK)
		err = add_text(e, b, NULL, sc->fail != NULL &&
		    ussd_var_get(e->s, "_failed") != NULL ? sc->fail : sc->text,
		    tv);
	for (i = 0; err == FP_OK && i < sc->n_options; i++) {
		char num[24];

		snprintf(num, sizeof(num), "%zu ", i + 1);
		err = add_text(e, b, num, sc->options[i].text, tv);
	}
	if (err == FP_OK && sc->list != NULL) {
		struct lines l = { e, sc, b, 0 };

		err = ussd_list(&c, sc->list, item_line, &l);
		if (err == FP_OK && l.n == 0)
			err = add_text(e, b, NULL, sc->empty, tv);
	}
	free(tv);
	if (err == FP_OK && b->failed)
		err = FP_ENOMEM;
	return err;
}

enum fp_err
ussd_render(struct engine *e, char **out, int *n_pages, bool *end)
{
	const struct ussd_screen *sc = ussd_screen_of(e, e->s->at.screen);
	struct strbuf b = STRBUF_INIT;
	char *more = NULL, *backk = NULL, *mainm = NULL;
	struct ussd_nav nav;
	enum fp_err err;

	if (sc == NULL)
		return FP_EINVAL;
	/* One language per screen: the caller's, or all of it in Chinese
	 * while a text of it is not translated (issue 17). */
	e->screen_lang = ussd_texts_screen_lang(e->ctx->tpl, e->s->lang, sc,
	    ussd_var_get(e->s, "_err"));
	err = compose(e, sc, &b, end);
	if (err == FP_OK)
		err = text_of(e, "nav_more", NULL, &more);
	if (err == FP_OK)
		err = text_of(e, "nav_back", NULL, &backk);
	if (err == FP_OK)
		err = text_of(e, "nav_main", NULL, &mainm);
	if (err == FP_OK) {
		nav.more = more;
		nav.back = backk;
		nav.main = mainm;
		nav.show_back = !*end && e->s->depth > 0;
		nav.show_main = !*end && e->s->depth > 1;
		err = ussd_page(strbuf_str(&b), &nav, &e->lim,
		    e->s->at.page, out, n_pages);
		if (err == FP_EINVAL)
			log_error("ussd.page screen=%s lang=%s error=\"the "
			    "navigation lines leave no room\"", sc->id,
			    e->s->lang);
		if (e->s->at.page >= *n_pages)
			e->s->at.page = *n_pages - 1;
		/* END only for a screen of one page (SPEC 3.3): the last
		 * page of several is CON with 0 back and 00 main menu. */
		if (*n_pages > 1)
			*end = false;
	}
	free(more);
	free(backk);
	free(mainm);
	strbuf_free(&b);
	return err;
}

