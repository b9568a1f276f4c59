/*
 * menu_outline.c: the menu as the console shows it (see menu_outline.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "menu_outline.h"

static void
strings_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

void
menu_outline_free(struct menu_outline *o)
{
	size_t i, j;

	if (o == NULL)
		return;
	for (i = 0; i < o->n_screens; i++) {
		struct menu_outline_screen *s = &o->screens[i];

		for (j = 0; j < s->n_options; j++) {
			free(s->options[j].text);
			free(s->options[j].go);
			free(s->options[j].set_name);
			free(s->options[j].set_value);
		}
		free(s->options);
		free(s->id);
		free(s->text);
		free(s->need);
		free(s->view);
		free(s->list);
		free(s->item);
		free(s->empty);
		free(s->input);
		free(s->action);
		free(s->fail);
		free(s->go);
	}
	free(o->screens);
	strings_free(o->texts, o->n_texts);
	strings_free(o->engine_texts, o->n_engine_texts);
	free(o->villager_start);
	free(o->cadre_start);
	free(o);
}

static bool
sets_lang(const struct menu_outline_option *op, const char *lang)
{
	return op->set_name != NULL && op->set_value != NULL &&
	    strcmp(op->set_name, "lang") == 0 &&
	    strcmp(op->set_value, lang) == 0;
}

void
menu_outline_hide_language(struct menu_outline *o, const char *lang)
{
	size_t i, j;

	for (i = 0; o != NULL && i < o->n_screens; i++)
		for (j = 0; j < o->screens[i].n_options; j++)
			if (sets_lang(&o->screens[i].options[j], lang))
				o->screens[i].options[j].is_hidden = true;
}

bool
menu_outline_offers(const struct menu_outline *o, const char *lang)
{
	size_t i, j;

	for (i = 0; o != NULL && i < o->n_screens; i++)
		for (j = 0; j < o->screens[i].n_options; j++)
			if (sets_lang(&o->screens[i].options[j], lang) &&
			    !o->screens[i].options[j].is_hidden)
				return true;
	return false;
}

static struct json_object *
str_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static struct json_object *
strings_json(char *const *v, size_t n)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* Add key to the array a unless it is NULL or there already. */
static void
add_key(struct json_object *a, const char *key)
{
	size_t i, n = json_object_array_length(a);

	if (key == NULL)
		return;
	for (i = 0; i < n; i++)
		if (strcmp(json_object_get_string(
		    json_object_array_get_idx(a, i)), key) == 0)
			return;
	json_object_array_add(a, json_object_new_string(key));
}

static struct json_object *
screen_json(const struct menu_outline_screen *s)
{
	struct json_object *o = json_object_new_object();
	struct json_object *opts = json_object_new_array();
	struct json_object *keys = json_object_new_array();
	size_t j;

	json_object_object_add(o, "id", json_object_new_string(s->id));
	json_object_object_add(o, "text", json_object_new_string(s->text));
	json_object_object_add(o, "need", str_or_null(s->need));
	json_object_object_add(o, "view", str_or_null(s->view));
	json_object_object_add(o, "list", str_or_null(s->list));
	json_object_object_add(o, "item", str_or_null(s->item));
	json_object_object_add(o, "empty", str_or_null(s->empty));
	json_object_object_add(o, "input", str_or_null(s->input));
	json_object_object_add(o, "action", str_or_null(s->action));
	json_object_object_add(o, "fail", str_or_null(s->fail));
	json_object_object_add(o, "go", str_or_null(s->go));
	json_object_object_add(o, "end", json_object_new_boolean(s->end));
	add_key(keys, s->text);
	for (j = 0; j < s->n_options; j++) {
		const struct menu_outline_option *op = &s->options[j];
		struct json_object *x = json_object_new_object();
		char set[160];

		json_object_object_add(x, "text", json_object_new_string(
		    op->text));
		json_object_object_add(x, "go", json_object_new_string(op->go));
		if (op->set_name != NULL) {
			snprintf(set, sizeof(set), "%s=%s", op->set_name,
			    op->set_value != NULL ? op->set_value : "");
			json_object_object_add(x, "set",
			    json_object_new_string(set));
		} else
			json_object_object_add(x, "set", NULL);
		json_object_object_add(x, "hidden",
		    json_object_new_boolean(op->is_hidden));
		json_object_array_add(opts, x);
		add_key(keys, op->text);
	}
	add_key(keys, s->item);
	add_key(keys, s->empty);
	add_key(keys, s->fail);
	json_object_object_add(o, "options", opts);
	json_object_object_add(o, "texts", keys);
	return o;
}

struct json_object *
menu_outline_json(const struct menu_outline *o)
{
	struct json_object *out = json_object_new_object();
	struct json_object *screens = json_object_new_array();
	size_t i;

	if (out == NULL || screens == NULL) {
		json_object_put(out);
		json_object_put(screens);
		return NULL;
	}
	json_object_object_add(out, "villager_start",
	    str_or_null(o->villager_start));
	json_object_object_add(out, "cadre_start", str_or_null(o->cadre_start));
	for (i = 0; i < o->n_screens; i++)
		json_object_array_add(screens, screen_json(&o->screens[i]));
	json_object_object_add(out, "screens", screens);
	json_object_object_add(out, "texts", strings_json(o->texts,
	    o->n_texts));
	json_object_object_add(out, "engine_texts",
	    strings_json(o->engine_texts, o->n_engine_texts));
	return out;
}
