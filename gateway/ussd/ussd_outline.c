/*
 * ussd_outline.c: the menu's outline for the console (see
 * ussd_outline.h): copies of the tree's names, nothing of the engine.
 */
#include <stdlib.h>
#include <string.h>

#include "ussd_outline.h"
#include "ussd_texts.h"

/* strdup that keeps NULL, setting *failed when out of memory. */
static char *
dup(const char *s, bool *failed)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*failed = true;
	return d;
}

static const char *
need_name(enum ussd_need need)
{
	return need == USSD_NEED_HOUSEHOLD ? "household" :
	    need == USSD_NEED_CADRE ? "cadre" : NULL;
}

struct keys {
	char	**v;
	size_t	  n, cap;
	bool	 *failed;
};

static void
add_key(const char *key, void *arg)
{
	struct keys *k = arg;
	char **grown;

	if (*k->failed)
		return;
	if (k->n == k->cap) {
		k->cap = k->cap == 0 ? 64 : k->cap * 2;
		grown = realloc(k->v, k->cap * sizeof(*grown));
		if (grown == NULL) {
			*k->failed = true;
			return;
		}
		k->v = grown;
	}
	k->v[k->n] = dup(key, k->failed);
	if (k->v[k->n] != NULL)
		k->n++;
}

static void
screen_copy(const struct ussd_screen *from, struct menu_outline_screen *to,
    bool *failed)
{
	size_t j;

	to->id = dup(from->id, failed);
	to->text = dup(from->text, failed);
	to->need = dup(need_name(from->need), failed);
	to->view = dup(from->view, failed);
	to->list = dup(from->list, failed);
	to->item = dup(from->item, failed);
	to->empty = dup(from->empty, failed);
	to->input = dup(from->input, failed);
	to->action = dup(from->action, failed);
	to->fail = dup(from->fail, failed);
	to->go = dup(from->go, failed);
	to->end = from->end;
	if (from->n_options == 0)
		return;
	to->options = calloc(from->n_options, sizeof(*to->options));
	if (to->options == NULL) {
		*failed = true;
		return;
	}
	to->n_options = from->n_options;
	for (j = 0; j < from->n_options; j++) {
		to->options[j].text = dup(from->options[j].text, failed);
		to->options[j].go = dup(from->options[j].go, failed);
		to->options[j].set_name = dup(from->options[j].set_name,
		    failed);
		to->options[j].set_value = dup(from->options[j].set_value,
		    failed);
	}
}

enum fp_err
ussd_menu_outline(const struct ussd_menu *m, struct menu_outline **out)
{
	struct menu_outline *o;
	struct keys texts = { NULL, 0, 0, NULL }, engine = { NULL, 0, 0, NULL };
	bool failed = false;
	size_t i;

	*out = NULL;
	o = calloc(1, sizeof(*o));
	if (o == NULL)
		return FP_ENOMEM;
	texts.failed = &failed;
	engine.failed = &failed;
	o->villager_start = dup(m->villager_start, &failed);
	o->cadre_start = dup(m->cadre_start, &failed);
	if (m->n_screens > 0) {
		o->screens = calloc(m->n_screens, sizeof(*o->screens));
		if (o->screens == NULL)
			failed = true;
		else
			o->n_screens = m->n_screens;
	}
	for (i = 0; i < o->n_screens && !failed; i++)
		screen_copy(&m->screens[i], &o->screens[i], &failed);
	ussd_texts_each(m, add_key, &texts);
	for (i = 0; ussd_engine_texts[i] != NULL; i++)
		add_key(ussd_engine_texts[i], &engine);
	o->texts = texts.v;
	o->n_texts = texts.n;
	o->engine_texts = engine.v;
	o->n_engine_texts = engine.n;
	if (failed) {
		menu_outline_free(o);
		return FP_ENOMEM;
	}
	*out = o;
	return FP_OK;
}
